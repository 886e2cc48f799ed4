#include "token-service/admit.h"

#include <chrono>

#include "core/json/write.h"
#include "daemon/log/log.h"
#include "token-service/client_ip.h"

namespace amo::token_service {

std::int64_t unix_now() noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

http::Response refuse(HandlerContext& c, Refusal why, std::string_view message, const AuditFields& who,
                      std::int64_t retry_after_s) {
  c.metrics.refused(why).inc();
  std::string line = std::string(who.what) + " refused reason=" + std::string(name(why));
  if (!who.amo.empty()) line += " amo=" + std::string(who.amo);
  if (!who.user.empty()) line += " user=" + std::string(who.user);
  if (!who.ip.empty()) line += " ip=" + std::string(who.ip);
  // Quoted and escaped: a message may quote the client (a body's member name), and a quote or
  // newline of its own must not end the field or the line.
  if (!message.empty()) {
    line += " detail=";
    json::append_string(line, message);
  }
  log::audit(line);
  http::Response r = http::Response::error(http_status(why), message.empty() ? name(why) : message);
  if (retry_after_s > 0) r.set("Retry-After", std::to_string(retry_after_s));
  r.set("Cache-Control", "no-store");
  return r;
}

std::variant<Caller, http::Response> admit(const http::Request& request, HandlerContext& c, RateLimiter& per_user,
                                           std::string_view what) {
  Caller caller;
  caller.ip = client_ip(request);
  if (auto d = c.ip_limit.take(caller.ip); !d.allowed) {
    return refuse(c, Refusal::rate_limited_ip, "too many requests from this address", {what, {}, {}, caller.ip},
                  d.retry_after_s);
  }
  auth::CredentialSource source = auth::CredentialSource::none;
  const auth::SessionStatus s =
      c.portal.authenticate(request, c.config.portal_session_cookie, unix_now(), caller.session, &source);
  if (s != auth::SessionStatus::ok) {
    const bool none = s == auth::SessionStatus::no_credential;
    return refuse(c, none ? Refusal::no_session : Refusal::bad_session,
                  none ? "no portal session" : "invalid portal session: " + std::string(auth::name(s)),
                  {what, {}, {}, caller.ip});
  }
  const std::string user_key = caller.session.amo + ":" + caller.session.sub;
  if (auto d = per_user.take(user_key); !d.allowed) {
    return refuse(c, Refusal::rate_limited_user, "too many requests for this user",
                  {what, caller.session.amo, caller.session.sub, caller.ip}, d.retry_after_s);
  }
  return caller;
}

}  // namespace amo::token_service
