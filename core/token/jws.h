#pragma once
// The JWS compact layer (RFC 7515) under the connect-token rules: split, decode, header
// checks every use shares, and the signature check for the one algorithm a key allows.
#include <cstddef>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/token/jwks.h"
#include "core/token/status.h"

namespace amo::token {

inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

struct CompactParts {
  std::string_view header, payload, signature;  // base64url text
  std::string_view signing_input;               // header '.' payload
};

// Exactly three segments, header and payload non-empty; too_large over kMaxTokenBytes.
Status split_compact(std::string_view compact, CompactParts& out) noexcept;

// Members of a protected header that the checks read. read_header rejects a non-object,
// non-string alg/typ/kid (bad_header_json), a missing alg (bad_header_json) and the members
// RFC 8725 warns about: jku, x5u, jwk, x5c, crit (forbidden_header).
struct HeaderFields {
  std::string_view alg, typ, kid;
  bool has_typ = false, has_kid = false;
};
Status read_header(simdjson::dom::element header, HeaderFields& out) noexcept;

// "none" in any letter case (RFC 8725 §2.1 attacks use "None", "NONE").
bool is_alg_none(std::string_view header_alg) noexcept;
// alg_none for any spelling of "none"; alg_mismatch unless alg is exactly the key's.
Status check_alg(std::string_view header_alg, const Key& key) noexcept;

// Signature bytes (decoded) over signing_input with key's algorithm. ES256 signatures are
// the JWS raw r||s (64 bytes); HMAC tags compare in constant time. ctx is reused scratch.
Status verify_signature(const Key& key, std::string_view signing_input, std::string_view signature,
                        EVP_MD_CTX* ctx) noexcept;

// Bare JWS: size, segments, base64url, strict header JSON, alg against the key and the
// signature; no typ, kid or claims rules (portal session tokens, published vectors). On ok
// header_json and payload_json hold the decoded segments. Builds its parser per call: use
// Verifier on hot paths.
Status verify_jws(std::string_view compact, const Key& key, std::string& header_json, std::string& payload_json);

}  // namespace amo::token
