#pragma once
// The connect-token verifier (DESIGN §2): every rule, in a fixed order, one Status out.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "core/json/strict_parse.h"
#include "core/token/claims.h"
#include "core/token/jwks.h"
#include "core/token/status.h"

namespace amo::token {

struct VerifyPolicy {
  std::string issuer;
  std::string audience = "amo-realtime";
  std::int64_t max_token_ttl = 300, max_service_token_ttl = 86400, leeway = kLeewaySeconds;
};

// Owns its JSON parser, decode buffers and EVP context, so steady-state verification
// allocates nothing beyond what `out`'s strings need. Not thread-safe: one per thread.
// Never logs; the token text goes nowhere but the checks.
class Verifier {
 public:
  explicit Verifier(VerifyPolicy policy);
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // Order: size ≤ 16 KiB, 3 segments, base64url of all three, header (strict JSON,
  // jku/x5u/jwk/x5c/crit, typ "amo-connect+jwt", alg present and not none, kid known,
  // alg == the key's), signature, then check_claims. On failure `out` is unspecified.
  Status verify(std::string_view token, const KeySet& keys, std::int64_t now, Claims& out) noexcept;

  // The claims rules alone, on decoded payload JSON (after the signature has been checked).
  // iss, aud, sub, amo, role, ids, iat/exp/nbf with leeway, lifetime per role, jti, cid,
  // threads, sess_exp. amo "system" is required for role service and refused for role user.
  // Unknown claims are ignored.
  Status check_claims(std::string_view payload_json, std::int64_t now, Claims& out) noexcept;

  const VerifyPolicy& policy() const noexcept { return policy_; }

 private:
  VerifyPolicy policy_;
  json::StrictParser parser_;
  std::string header_, payload_, signature_;
  EVP_MD_CTX* md_ctx_;
};

}  // namespace amo::token
