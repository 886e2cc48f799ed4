#include "core/token/jwks.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "core/json/strict_parse.h"
#include "core/json/write.h"
#include "core/token/base64url.h"

namespace amo::token {

AMO_ENUM_NAME(Alg, AMO_TOKEN_ALG)

std::optional<Alg> alg_from_name(std::string_view s) noexcept {
  for (std::size_t i = 0; i < count(Alg{}); ++i)
    if (name(static_cast<Alg>(i)) == s) return static_cast<Alg>(i);
  return std::nullopt;
}

AMO_ENUM_NAME(JwksStatus, AMO_JWKS_STATUS)

void PkeyFree::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }

namespace {
void wipe(std::string& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Holds decoded private bytes and wipes them on every exit path.
struct WipedBytes {
  std::string bytes;
  ~WipedBytes() { wipe(bytes); }
};
}  // namespace

Key::Key(Key&& o) noexcept
    : kid(std::move(o.kid)), alg(o.alg), pkey(std::move(o.pkey)), secret(std::move(o.secret)),
      has_private(o.has_private) {
  wipe(o.secret);
}

Key& Key::operator=(Key&& o) noexcept {
  if (this != &o) {
    wipe(secret);
    kid = std::move(o.kid);
    alg = o.alg;
    pkey = std::move(o.pkey);
    secret = std::move(o.secret);
    has_private = o.has_private;
    wipe(o.secret);
  }
  return *this;
}

Key::~Key() { wipe(secret); }

const Key* KeySet::find(std::string_view kid) const noexcept {
  for (const Key& k : keys_)
    if (k.kid == kid) return &k;
  return nullptr;
}

const Key* KeySet::signing_key() const noexcept {
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it)
    if (it->has_private) return &*it;
  return nullptr;
}

bool KeySet::add(Key k) {
  if (find(k.kid)) return false;
  keys_.push_back(std::move(k));
  return true;
}

bool KeySet::contains_all(const KeySet& older) const noexcept {
  for (const Key& old : older.keys_) {
    const Key* k = find(old.kid);
    if (!k || k->alg != old.alg) return false;
    if (old.alg == Alg::HS256) {
      if (k->secret.size() != old.secret.size() ||
          CRYPTO_memcmp(k->secret.data(), old.secret.data(), old.secret.size()) != 0)
        return false;
    } else if (!k->pkey || !old.pkey || EVP_PKEY_eq(k->pkey.get(), old.pkey.get()) != 1) {
      return false;
    }
  }
  return true;
}

namespace {

constexpr std::size_t kMaxJwksBytes = 1 << 20;
constexpr std::size_t kMinOctBytes = 32;

struct KeyError {
  JwksStatus status;
  std::string detail;
};

bool printable_kid(std::string_view kid) {
  if (kid.empty() || kid.size() > 128) return false;
  for (unsigned char c : kid)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

// Reads an optional string member; false if present with another type.
bool opt_string(simdjson::dom::object obj, std::string_view key, std::optional<std::string_view>& out) {
  simdjson::dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS) return true;
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return false;
  out = s;
  return true;
}

PkeyPtr okp_key(std::string_view x, const std::string* d, std::string& why) {
  if (x.size() != 32) { why = "x must be 32 bytes"; return nullptr; }
  const auto* xb = reinterpret_cast<const unsigned char*>(x.data());
  if (!d) {
    PkeyPtr p(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, xb, 32));
    if (!p) why = "OpenSSL refused the public key";
    return p;
  }
  if (d->size() != 32) { why = "d must be 32 bytes"; return nullptr; }
  PkeyPtr p(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                         reinterpret_cast<const unsigned char*>(d->data()), 32));
  unsigned char derived[32];
  std::size_t len = sizeof derived;
  if (!p || EVP_PKEY_get_raw_public_key(p.get(), derived, &len) != 1 || len != 32) {
    why = "OpenSSL refused the private key";
    return nullptr;
  }
  if (CRYPTO_memcmp(derived, xb, 32) != 0) { why = "d does not match x"; return nullptr; }
  return p;
}

PkeyPtr ec_key(std::string_view x, std::string_view y, const std::string* d, std::string& why) {
  if (x.size() != 32 || y.size() != 32) { why = "x and y must be 32 bytes each"; return nullptr; }
  if (d && d->size() != 32) { why = "d must be 32 bytes"; return nullptr; }
  unsigned char point[65];
  point[0] = 0x04;  // uncompressed SEC1 point
  std::memcpy(point + 1, x.data(), 32);
  std::memcpy(point + 33, y.data(), 32);

  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* priv = d ? BN_bin2bn(reinterpret_cast<const unsigned char*>(d->data()), 32, nullptr) : nullptr;
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* raw = nullptr;
  bool built = bld && (!d || priv) &&
               OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) == 1 &&
               OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) == 1 &&
               (!priv || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) == 1) &&
               (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
               (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)) != nullptr &&
               EVP_PKEY_fromdata_init(ctx) == 1 &&
               EVP_PKEY_fromdata(ctx, &raw, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) == 1;
  PkeyPtr p(raw);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  BN_clear_free(priv);
  OSSL_PARAM_BLD_free(bld);
  if (!built || !p) { why = "not a point on P-256"; return nullptr; }
  // Public check: on the curve, not infinity; pairwise: d·G equals (x, y).
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, p.get(), nullptr);
  bool good = check && (d ? EVP_PKEY_pairwise_check(check) : EVP_PKEY_public_check(check)) == 1;
  EVP_PKEY_CTX_free(check);
  if (!good) { why = d ? "d does not match x, y" : "not a point on P-256"; return nullptr; }
  return p;
}

std::optional<KeyError> parse_key(simdjson::dom::element el, std::size_t index, Key& out) {
  std::string who = "key #" + std::to_string(index);
  simdjson::dom::object obj;
  if (el.get(obj) != simdjson::SUCCESS) return KeyError{JwksStatus::bad_key, who + ": not an object"};
  std::optional<std::string_view> kty, kid, alg, use, crv, x, y, d, k;
  for (auto [key, slot] : {std::pair{"kty", &kty}, {"kid", &kid}, {"alg", &alg}, {"use", &use}, {"crv", &crv},
                           {"x", &x}, {"y", &y}, {"d", &d}, {"k", &k}}) {
    if (!opt_string(obj, key, *slot))
      return KeyError{JwksStatus::bad_key, who + ": \"" + key + "\" must be a string"};
  }
  if (!kid) return KeyError{JwksStatus::missing_kid, who + " has no \"kid\""};
  if (!printable_kid(*kid))
    return KeyError{JwksStatus::bad_key, who + ": kid must be 1-128 printable ASCII characters"};
  who = "key \"" + std::string(*kid) + "\"";
  if (!kty) return KeyError{JwksStatus::bad_key, who + " has no \"kty\""};
  if (use && *use != "sig") return KeyError{JwksStatus::bad_key, who + ": \"use\" must be \"sig\""};

  Alg implied;
  if (*kty == "OKP") {
    if (!crv || *crv != "Ed25519") return KeyError{JwksStatus::unsupported_crv, who + ": OKP keys must be Ed25519"};
    implied = Alg::EdDSA;
  } else if (*kty == "EC") {
    if (!crv || *crv != "P-256") return KeyError{JwksStatus::unsupported_crv, who + ": EC keys must be P-256"};
    implied = Alg::ES256;
  } else if (*kty == "oct") {
    implied = Alg::HS256;
  } else {
    return KeyError{JwksStatus::unsupported_kty, who + ": kty must be OKP, EC or oct"};
  }
  if (alg && *alg != name(implied))
    return KeyError{JwksStatus::alg_mismatch, who + ": \"alg\" must be " + std::string(name(implied)) + " for its kty"};

  out.kid = std::string(*kid);
  out.alg = implied;
  WipedBytes priv;
  std::string xb, yb, why;
  switch (implied) {
    case Alg::HS256:
      if (!k) return KeyError{JwksStatus::bad_key, who + " has no \"k\""};
      if (!base64url_decode(*k, priv.bytes)) return KeyError{JwksStatus::bad_key, who + ": \"k\" is not base64url"};
      if (priv.bytes.size() < kMinOctBytes)
        return KeyError{JwksStatus::oct_too_short, who + ": HS256 secrets need at least 32 bytes"};
      out.secret = priv.bytes;
      out.has_private = true;
      return std::nullopt;
    case Alg::EdDSA:
      if (!x || !base64url_decode(*x, xb)) return KeyError{JwksStatus::bad_key, who + ": \"x\" missing or not base64url"};
      if (d && !base64url_decode(*d, priv.bytes)) return KeyError{JwksStatus::bad_key, who + ": \"d\" is not base64url"};
      out.pkey = okp_key(xb, d ? &priv.bytes : nullptr, why);
      break;
    case Alg::ES256:
      if (!x || !y || !base64url_decode(*x, xb) || !base64url_decode(*y, yb))
        return KeyError{JwksStatus::bad_key, who + ": \"x\"/\"y\" missing or not base64url"};
      if (d && !base64url_decode(*d, priv.bytes)) return KeyError{JwksStatus::bad_key, who + ": \"d\" is not base64url"};
      out.pkey = ec_key(xb, yb, d ? &priv.bytes : nullptr, why);
      break;
  }
  if (!out.pkey) return KeyError{JwksStatus::bad_key, who + ": " + why};
  out.has_private = d.has_value();
  return std::nullopt;
}

}  // namespace

JwksResult parse_jwks(std::string_view text) {
  JwksResult r;
  auto fail = [&r](JwksStatus s, std::string detail) {
    r.keys = KeySet{};
    r.status = s;
    r.detail = std::move(detail);
    return std::move(r);
  };
  if (text.size() > kMaxJwksBytes) return fail(JwksStatus::bad_json, "JWKS text is over 1 MiB");
  json::StrictParser parser(std::max<std::size_t>(text.size(), 64), 16);
  simdjson::dom::element root;
  if (auto s = parser.parse(text, root); s != json::Status::ok)
    return fail(JwksStatus::bad_json, "JWKS is not strict JSON: " + std::string(json::name(s)));
  simdjson::dom::array arr;
  if (root["keys"].get(arr) != simdjson::SUCCESS)
    return fail(JwksStatus::bad_json, "JWKS needs a \"keys\" array");
  if (arr.size() == 0) return fail(JwksStatus::no_keys, "JWKS has no keys");
  std::size_t index = 0;
  for (auto el : arr) {
    Key key;
    if (auto err = parse_key(el, index, key)) return fail(err->status, std::move(err->detail));
    std::string kid = key.kid;
    if (!r.keys.add(std::move(key))) return fail(JwksStatus::duplicate_kid, "kid \"" + kid + "\" appears twice");
    ++index;
  }
  return r;
}

std::optional<Key> make_oct_key(std::string kid, std::string_view secret) {
  if (secret.size() < kMinOctBytes) return std::nullopt;
  Key k;
  k.kid = std::move(kid);
  k.alg = Alg::HS256;
  k.secret = std::string(secret);
  k.has_private = true;
  return k;
}

Key generate_key(Alg alg, std::string kid) {
  Key k;
  k.kid = std::move(kid);
  k.alg = alg;
  k.has_private = true;
  switch (alg) {
    case Alg::EdDSA: k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); break;
    case Alg::ES256: k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); break;
    case Alg::HS256:
      k.secret.resize(32);
      if (RAND_bytes(reinterpret_cast<unsigned char*>(k.secret.data()), 32) != 1)
        throw std::runtime_error("RAND_bytes failed");
      return k;
  }
  if (!k.pkey) throw std::runtime_error("OpenSSL key generation failed");
  return k;
}

namespace {
void append_member(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  json::append_string(out, key);
  out += ':';
  json::append_string(out, value);
}

void append_b64_member(std::string& out, std::string_view key, std::string_view bytes) {
  out += ",\"";
  out += key;
  out += "\":\"";
  append_base64url(out, bytes);
  out += '"';
}

bool append_jwk(std::string& out, const Key& k, bool include_private) {
  std::string_view kty = k.alg == Alg::EdDSA ? "OKP" : k.alg == Alg::ES256 ? "EC" : "oct";
  std::string body = "{\"kty\":\"" + std::string(kty) + '"';
  append_member(body, "kid", k.kid);
  append_member(body, "alg", name(k.alg));
  append_member(body, "use", "sig");
  WipedBytes priv;
  if (k.alg == Alg::HS256) {
    append_b64_member(body, "k", k.secret);
  } else if (k.alg == Alg::EdDSA) {
    unsigned char pub[32];
    std::size_t len = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(k.pkey.get(), pub, &len) != 1) return false;
    append_member(body, "crv", "Ed25519");
    append_b64_member(body, "x", {reinterpret_cast<char*>(pub), len});
    if (include_private && k.has_private) {
      priv.bytes.resize(32);
      len = 32;
      if (EVP_PKEY_get_raw_private_key(k.pkey.get(), reinterpret_cast<unsigned char*>(priv.bytes.data()), &len) != 1)
        return false;
      append_b64_member(body, "d", priv.bytes);
    }
  } else {
    unsigned char point[65];
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(k.pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len) != 1 ||
        len != 65 || point[0] != 0x04)
      return false;
    append_member(body, "crv", "P-256");
    append_b64_member(body, "x", {reinterpret_cast<char*>(point + 1), 32});
    append_b64_member(body, "y", {reinterpret_cast<char*>(point + 33), 32});
    if (include_private && k.has_private) {
      BIGNUM* bn = nullptr;
      if (EVP_PKEY_get_bn_param(k.pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1) return false;
      priv.bytes.resize(32);
      int n = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(priv.bytes.data()), 32);
      BN_clear_free(bn);
      if (n != 32) return false;
      append_b64_member(body, "d", priv.bytes);
    }
  }
  body += '}';
  out += body;
  wipe(body);
  return true;
}
}  // namespace

std::string to_jwks(std::span<const Key* const> keys, bool include_private) {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const Key* k : keys) {
    if (!k || (k->alg == Alg::HS256 && !include_private)) continue;
    if (!first) out += ',';
    if (append_jwk(out, *k, include_private)) first = false;
    else if (!first) out.pop_back();
  }
  out += "]}";
  return out;
}

std::string to_jwks(const KeySet& keys, bool include_private) {
  std::vector<const Key*> ptrs;
  for (const Key& k : keys.keys()) ptrs.push_back(&k);
  return to_jwks(ptrs, include_private);
}

}  // namespace amo::token
