#include "core/token/jws.h"

#include <memory>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/json/strict_parse.h"
#include "core/token/base64url.h"

namespace amo::token {

Status split_compact(std::string_view compact, CompactParts& out) noexcept {
  if (compact.size() > kMaxTokenBytes) return Status::too_large;
  const std::size_t d1 = compact.find('.');
  if (d1 == std::string_view::npos) return Status::malformed;
  const std::size_t d2 = compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos) return Status::malformed;
  out.header = compact.substr(0, d1);
  out.payload = compact.substr(d1 + 1, d2 - d1 - 1);
  out.signature = compact.substr(d2 + 1);
  out.signing_input = compact.substr(0, d2);
  if (out.header.empty() || out.payload.empty()) return Status::malformed;
  return Status::ok;
}

Status read_header(simdjson::dom::element header, HeaderFields& out) noexcept {
  simdjson::dom::object obj;
  if (header.get(obj) != simdjson::SUCCESS) return Status::bad_header_json;
  bool has_alg = false;
  out = HeaderFields{};
  for (auto field : obj) {
    const std::string_view k = field.key;
    if (k == "jku" || k == "x5u" || k == "jwk" || k == "x5c" || k == "crit") return Status::forbidden_header;
    std::string_view* slot = k == "alg" ? &out.alg : k == "typ" ? &out.typ : k == "kid" ? &out.kid : nullptr;
    if (!slot) continue;
    if (field.value.get(*slot) != simdjson::SUCCESS) return Status::bad_header_json;
    has_alg |= k == "alg";
    out.has_typ |= k == "typ";
    out.has_kid |= k == "kid";
  }
  return has_alg ? Status::ok : Status::bad_header_json;
}

bool is_alg_none(std::string_view header_alg) noexcept {
  if (header_alg.size() != 4) return false;
  bool none = true;
  for (std::size_t i = 0; i < 4; ++i) none &= (header_alg[i] | 0x20) == "none"[i];
  return none;
}

Status check_alg(std::string_view header_alg, const Key& key) noexcept {
  if (is_alg_none(header_alg)) return Status::alg_none;
  return header_alg == name(key.alg) ? Status::ok : Status::alg_mismatch;
}

namespace {

const unsigned char* bytes(std::string_view s) noexcept { return reinterpret_cast<const unsigned char*>(s.data()); }

// JWS carries r||s; EVP wants DER (RFC 7518 §3.4).
bool raw_to_der(std::string_view raw, unsigned char* der, int& der_len) noexcept {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes(raw), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* p = der;
  der_len = i2d_ECDSA_SIG(sig, &p);
  ECDSA_SIG_free(sig);
  return der_len > 0;
}

}  // namespace

Status verify_signature(const Key& key, std::string_view signing_input, std::string_view signature,
                        EVP_MD_CTX* ctx) noexcept {
  switch (key.alg) {
    case Alg::HS256: {
      if (signature.size() != 32 || key.secret.size() < 32) return Status::bad_signature;  // §2: ≥ 32-byte secrets only
      unsigned char tag[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      if (!HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()), bytes(signing_input),
                signing_input.size(), tag, &len) || len != 32)
        return Status::bad_signature;
      return CRYPTO_memcmp(tag, signature.data(), 32) == 0 ? Status::ok : Status::bad_signature;
    }
    case Alg::EdDSA: {
      if (signature.size() != 64 || !key.pkey) return Status::bad_signature;
      EVP_MD_CTX_reset(ctx);
      if (EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key.pkey.get()) != 1) return Status::bad_signature;
      return EVP_DigestVerify(ctx, bytes(signature), 64, bytes(signing_input), signing_input.size()) == 1
                 ? Status::ok
                 : Status::bad_signature;
    }
    case Alg::ES256: {
      if (signature.size() != 64 || !key.pkey) return Status::bad_signature;
      unsigned char der[80];
      int der_len = 0;
      if (!raw_to_der(signature, der, der_len)) return Status::bad_signature;
      EVP_MD_CTX_reset(ctx);
      if (EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) != 1) return Status::bad_signature;
      return EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len), bytes(signing_input),
                              signing_input.size()) == 1
                 ? Status::ok
                 : Status::bad_signature;
    }
  }
  return Status::bad_signature;
}

Status verify_jws(std::string_view compact, const Key& key, std::string& header_json, std::string& payload_json) {
  CompactParts parts;
  if (auto s = split_compact(compact, parts); s != Status::ok) return s;
  std::string signature;
  if (!base64url_decode(parts.header, header_json) || !base64url_decode(parts.payload, payload_json) ||
      !base64url_decode(parts.signature, signature))
    return Status::bad_base64;
  json::StrictParser parser(kMaxTokenBytes, 16);
  simdjson::dom::element header;
  if (auto s = parser.parse(header_json, header); s != json::Status::ok)
    return s == json::Status::duplicate_key ? Status::duplicate_key : Status::bad_header_json;
  HeaderFields fields;
  if (auto s = read_header(header, fields); s != Status::ok) return s;
  if (auto s = check_alg(fields.alg, key); s != Status::ok) return s;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx) return Status::bad_signature;
  return verify_signature(key, parts.signing_input, signature, ctx.get());
}

}  // namespace amo::token
