#pragma once
// Pure: masks secrets in a line of text before it is logged (DESIGN §8). Masked: the value
// after `Bearer `, the value of a `token=` / `access_token=` / `password=` pair (query
// strings and libpq keyword strings), the password of a `scheme://user:password@host`
// URL, the value of a `Cookie:` / `Set-Cookie:` header, and anything shaped like a compact
// JWS (`eyJ….….…`).
#include <string>
#include <string_view>

namespace amo::log {

inline constexpr std::string_view kRedacted = "[redacted]";

std::string redact(std::string_view text);

}  // namespace amo::log
