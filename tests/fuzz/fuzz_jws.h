#pragma once
// Shared by the token targets: a token the code under test accepted must be three canonical
// base64url segments (decoded here for the caller's own check of who signed it).
#include <string>
#include <string_view>

#include "core/token/base64url.h"
#include "tests/fuzz/fuzz_check.h"

namespace amo::fuzz {

inline bool canonical_base64url(std::string_view seg, std::string& decoded) {
  return token::base64url_decode(seg, decoded) && token::base64url_encode(decoded) == seg;
}

inline void check_canonical_jws(std::string_view token, std::string& header, std::string& payload, std::string& sig) {
  const std::size_t a = token.find('.');
  AMO_FUZZ_CHECK(a != std::string_view::npos);
  const std::size_t b = token.find('.', a + 1);
  AMO_FUZZ_CHECK(b != std::string_view::npos && token.find('.', b + 1) == std::string_view::npos);
  AMO_FUZZ_CHECK(canonical_base64url(token.substr(0, a), header));
  AMO_FUZZ_CHECK(canonical_base64url(token.substr(a + 1, b - a - 1), payload));
  AMO_FUZZ_CHECK(canonical_base64url(token.substr(b + 1), sig));
}

}  // namespace amo::fuzz
