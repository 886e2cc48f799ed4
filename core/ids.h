#pragma once
// Identifier grammars of DESIGN §2 and §4, checked before an id reaches a topic or a row.
#include <string_view>

namespace amo {

// `amo`, `sub`, thread ids: ^[A-Za-z0-9_-]{1,64}$
bool is_valid_id(std::string_view s) noexcept;
// `cid`: ^[A-Za-z0-9_.:-]{1,128}$
bool is_valid_cid(std::string_view s) noexcept;
// `client_msg_id`: ^[A-Za-z0-9_-]{8,64}$
bool is_valid_client_msg_id(std::string_view s) noexcept;
// `jti`: base64url, ≥ 16 random bytes (22 characters), at most 128 characters.
bool is_valid_jti(std::string_view s) noexcept;

}  // namespace amo
