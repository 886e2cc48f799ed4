#pragma once
// Strict base64url (RFC 4648 §5, no padding) as JWS uses it: one text for one byte string,
// so a token cannot be altered without changing its signing input.
#include <string>
#include <string_view>

namespace amo::token {

// Appends the base64url text of bytes to out (no padding).
void append_base64url(std::string& out, std::string_view bytes);
std::string base64url_encode(std::string_view bytes);

// Replaces out with the decoded bytes. Rejects '=' padding, characters outside the
// alphabet, a length of 4n+1 and non-zero trailing bits. Reuses out's capacity.
bool base64url_decode(std::string_view text, std::string& out) noexcept;

// Characters of the alphabet only (used for the `jti` grammar).
bool is_base64url_text(std::string_view text) noexcept;

}  // namespace amo::token
