#pragma once
// Keys of DESIGN §2: a JWKS (RFC 7517) parsed from text the caller read. Each key fixes
// one algorithm (OKP/Ed25519 → EdDSA, EC/P-256 → ES256, oct → HS256); a token's header
// never chooses it.
#include "core/enum_list.h"
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

namespace amo::token {

// The JWS "alg" names; name(Alg) returns them as written here.
#define AMO_TOKEN_ALG(X) \
  X(EdDSA)               \
  X(ES256)               \
  X(HS256)

AMO_ENUM(Alg, AMO_TOKEN_ALG)
std::optional<Alg> alg_from_name(std::string_view s) noexcept;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct Key {
  std::string kid;
  Alg alg = Alg::EdDSA;
  PkeyPtr pkey;        // EdDSA, ES256
  std::string secret;  // HS256 key bytes; wiped when the key goes away
  bool has_private = false;

  Key() = default;
  Key(Key&&) noexcept;
  Key& operator=(Key&&) noexcept;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key();
};

class KeySet {
 public:
  KeySet() = default;
  KeySet(KeySet&&) noexcept = default;
  KeySet& operator=(KeySet&&) noexcept = default;

  const Key* find(std::string_view kid) const noexcept;
  // The last key with a private part (DESIGN §2: the service signs with the last key).
  const Key* signing_key() const noexcept;
  std::size_t size() const noexcept { return keys_.size(); }
  std::span<const Key> keys() const noexcept { return keys_; }
  // False (and nothing added) if the kid is already present.
  bool add(Key k);
  // True if every key of `older` is here with the same kid, algorithm and key material: a
  // signature that verified under `older` still verifies here (append-only rotation).
  bool contains_all(const KeySet& older) const noexcept;

 private:
  std::vector<Key> keys_;
};

#define AMO_JWKS_STATUS(X) \
  X(ok)                    \
  X(bad_json)              \
  X(no_keys)               \
  X(bad_key)               \
  X(oct_too_short)         \
  X(unsupported_kty)       \
  X(unsupported_crv)       \
  X(duplicate_kid)         \
  X(missing_kid)           \
  X(alg_mismatch)

AMO_ENUM(JwksStatus, AMO_JWKS_STATUS)

struct JwksResult {
  KeySet keys;
  JwksStatus status = JwksStatus::ok;
  std::string detail;  // names the key by kid or position, never its material
};

// Parses {"keys":[...]}. Any bad or unsupported key fails the whole set, so a config
// mistake is loud and a reload keeps the previous keys. A JWK's "use", if present, must be
// "sig"; its "alg", if present, must be the one its type implies. A private part (d, or k
// for oct) sets has_private; an EC or OKP private part must match its public part.
JwksResult parse_jwks(std::string_view text);

// HS256 key from raw secret bytes (e.g. a secret file's content); nullopt under 32 bytes.
std::optional<Key> make_oct_key(std::string kid, std::string_view secret);

// Fresh key for tests, the demo and the token service (HS256: 32 random bytes).
// Throws std::runtime_error only if OpenSSL cannot generate (no entropy).
Key generate_key(Alg alg, std::string kid);

// {"keys":[...]} with "kid", "alg" and "use":"sig". Without include_private, oct keys are
// left out altogether (a shared secret has no public half).
std::string to_jwks(std::span<const Key* const> keys, bool include_private);
std::string to_jwks(const KeySet& keys, bool include_private);

}  // namespace amo::token
