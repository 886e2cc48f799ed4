#pragma once
// Every reason the token service refuses a request (DESIGN §7): one list for the HTTP status,
// the JSON error, the audit line, the metric label and the test assertion.
#include <cstddef>
#include <string_view>

namespace amo::token_service {

// X(name, http status)
#define AMO_REFUSAL_LIST(X)    \
  X(no_session, 401)           \
  X(bad_session, 401)          \
  X(unknown_user, 403)         \
  X(inactive_user, 403)        \
  X(revoked_session, 403)      \
  X(not_member, 403)           \
  X(too_many_threads, 422)     \
  X(bad_body, 400)             \
  X(rate_limited_ip, 429)      \
  X(rate_limited_user, 429)    \
  X(bad_service_token, 401)    \
  X(not_service, 403)          \
  X(database_unavailable, 503) \
  X(starting, 503)

#define AMO_REFUSAL_ENUM_(n, status) n,
enum class Refusal : unsigned char { AMO_REFUSAL_LIST(AMO_REFUSAL_ENUM_) };
#undef AMO_REFUSAL_ENUM_
#define AMO_REFUSAL_ONE_(n, status) +1
inline constexpr std::size_t kRefusalCount = 0 AMO_REFUSAL_LIST(AMO_REFUSAL_ONE_);
#undef AMO_REFUSAL_ONE_

std::string_view name(Refusal r) noexcept;
int http_status(Refusal r) noexcept;

}  // namespace amo::token_service
