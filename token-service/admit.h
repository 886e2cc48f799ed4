#pragma once
// The gate in front of the portal-session endpoints (POST /api/realtime/token and
// /api/realtime/messages, DESIGN §7), in this order: the per-IP rate limit, the portal
// session (401), the per-user rate limit (429 with Retry-After). And the one way a refusal
// is answered: JSON error, Retry-After for 429, the metric by reason, an audit line (never
// the token or cookie).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/auth/portal_session.h"
#include "daemon/http/message.h"
#include "token-service/handler_context.h"
#include "token-service/refusal.h"

namespace amo::token_service {

struct Caller {
  auth::PortalSession session;
  std::string ip;
};

// Who the audit line of a refusal names (what is known at that point).
struct AuditFields {
  std::string_view what;  // "token", "message", "revoke"
  std::string_view amo, user, ip;
};

http::Response refuse(HandlerContext& c, Refusal why, std::string_view message, const AuditFields& who,
                      std::int64_t retry_after_s = 0);

std::int64_t unix_now() noexcept;

// `what` names the endpoint in audit lines; `per_user` is token_limit or message_limit.
std::variant<Caller, http::Response> admit(const http::Request& request, HandlerContext& c, RateLimiter& per_user,
                                           std::string_view what);

}  // namespace amo::token_service
