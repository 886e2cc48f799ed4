#include "core/token/sign.h"

#include <memory>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/json/write.h"
#include "core/token/base64url.h"

namespace amo::token {

namespace {

const unsigned char* bytes(std::string_view s) noexcept { return reinterpret_cast<const unsigned char*>(s.data()); }

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// EVP yields DER; JWS carries r||s, each padded to 32 bytes (RFC 7518 §3.4).
bool der_to_raw(const unsigned char* der, std::size_t len, unsigned char raw[64]) {
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  if (!sig) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  bool ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  return ok;
}

bool signature(const Key& key, std::string_view input, std::string& out) {
  if (!key.has_private) return false;
  if (key.alg == Alg::HS256) {
    unsigned char tag[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()), bytes(input), input.size(), tag,
              &len))
      return false;
    out.assign(reinterpret_cast<char*>(tag), len);
    return true;
  }
  MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || !key.pkey) return false;
  const EVP_MD* md = key.alg == Alg::ES256 ? EVP_sha256() : nullptr;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.pkey.get()) != 1) return false;
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes(input), input.size()) != 1) return false;
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(input), input.size()) != 1)
    return false;
  sig.resize(len);
  if (key.alg == Alg::EdDSA) {
    out = std::move(sig);
    return true;
  }
  unsigned char raw[64];
  if (!der_to_raw(bytes(sig), sig.size(), raw)) return false;
  out.assign(reinterpret_cast<char*>(raw), sizeof raw);
  return true;
}

void member(std::string& out, std::string_view key) {
  if (out.size() > 1) out += ',';
  json::append_string(out, key);
  out += ':';
}

}  // namespace

std::string sign_jws(std::string_view header_json, std::string_view payload_json, const Key& private_key) {
  std::string token;
  append_base64url(token, header_json);
  token += '.';
  append_base64url(token, payload_json);
  std::string sig;
  if (!signature(private_key, token, sig)) return {};
  token += '.';
  append_base64url(token, sig);
  return token;
}

std::string sign(const Claims& c, const Key& private_key) {
  std::string header = "{\"alg\":\"" + std::string(name(private_key.alg)) + "\",\"typ\":\"amo-connect+jwt\",\"kid\":";
  json::append_string(header, private_key.kid);
  header += '}';

  std::string p = "{";
  member(p, "iss");
  json::append_string(p, c.iss);
  member(p, "sub");
  json::append_string(p, c.sub);
  member(p, "aud");
  if (c.aud.size() == 1)
    json::append_string(p, c.aud[0]);
  else
    json::append_string_array(p, c.aud);
  member(p, "amo");
  json::append_string(p, c.amo);
  member(p, "iat");
  p += std::to_string(c.iat);
  member(p, "exp");
  p += std::to_string(c.exp);
  if (c.nbf) {
    member(p, "nbf");
    p += std::to_string(*c.nbf);
  }
  member(p, "jti");
  json::append_string(p, c.jti);
  member(p, "cid");
  json::append_string(p, c.cid);
  if (!c.threads.empty()) {
    member(p, "threads");
    json::append_string_array(p, c.threads);
  }
  member(p, "role");
  p += c.role == amo::Role::service ? "\"service\"" : "\"user\"";
  if (c.sess_exp) {
    member(p, "sess_exp");
    p += std::to_string(*c.sess_exp);
  }
  p += '}';
  return sign_jws(header, p, private_key);
}

std::string new_jti() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  return base64url_encode({reinterpret_cast<char*>(raw), sizeof raw});
}

}  // namespace amo::token
