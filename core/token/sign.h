#pragma once
// Minting connect tokens (token service, demo, tests). Not a hot path.
#include <string>
#include <string_view>

#include "core/token/claims.h"
#include "core/token/jwks.h"

namespace amo::token {

// Compact JWS with header {"alg":<key's>,"typ":"amo-connect+jwt","kid":<key's>} and the
// claims as payload (aud as a string when there is one; threads, nbf, sess_exp only when
// set). Empty string if the key has no private part or OpenSSL fails.
std::string sign(const Claims& claims, const Key& private_key);

// Signs arbitrary header and payload text with the key's algorithm, whatever the header
// says (portal-session test tokens, deliberately malformed tokens in tests).
// Empty string on failure, as above.
std::string sign_jws(std::string_view header_json, std::string_view payload_json, const Key& private_key);

// 16 random bytes (RAND_bytes) as base64url: 22 characters. Throws std::runtime_error if
// the RNG fails (no token may go out with a guessable jti).
std::string new_jti();

}  // namespace amo::token
