#include "token-service/revoke/revoke_endpoint.h"

#include <memory>

#include "core/ids.h"
#include "core/json/strict_parse.h"
#include "core/token/verify.h"
#include "daemon/auth/portal_session.h"
#include "daemon/auth/verify_policy.h"
#include "daemon/log/log.h"
#include "token-service/admit.h"
#include "token-service/client_ip.h"
#include "token-service/revoke/revoke_publisher.h"
#include "token-service/users.h"

namespace amo::token_service {

namespace {

token::Verifier& verifier(const config::Config& config) {
  thread_local std::unique_ptr<token::Verifier> v;
  if (!v) {
    v = std::make_unique<token::Verifier>(auth::verify_policy(config));
  }
  return *v;
}

struct Target {
  std::string amo, user;
};

// {"amo":"<id>","user":"<id>"} and nothing else.
std::optional<Target> parse_target(std::string_view body) {
  thread_local json::StrictParser parser(4096, 4);
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (parser.parse(body, root) != json::Status::ok || root.get(obj) != simdjson::SUCCESS || obj.size() != 2)
    return std::nullopt;
  std::string_view amo, user;
  if (obj["amo"].get(amo) != simdjson::SUCCESS || obj["user"].get(user) != simdjson::SUCCESS || !is_valid_id(amo) ||
      !is_valid_id(user))
    return std::nullopt;
  return Target{std::string(amo), std::string(user)};
}

}  // namespace

http::Response revoke_endpoint(const http::Request& request, HandlerContext& c) {
  const std::string ip = client_ip(request);
  if (auto d = c.ip_limit.take(ip); !d.allowed)
    return refuse(c, Refusal::rate_limited_ip, "too many requests from this address", {"revoke", {}, {}, ip},
                  d.retry_after_s);
  // Bearer only: the portal cookie is never a service credential.
  std::string bearer;
  auth::CredentialSource source = auth::CredentialSource::none;
  if (auth::extract_session_token(request, "", bearer, source) != auth::SessionStatus::ok ||
      source != auth::CredentialSource::bearer)
    return refuse(c, Refusal::bad_service_token, "a service connect token is required as Bearer",
                  {"revoke", {}, {}, ip});
  const auto keys = c.keys.current();
  token::Claims caller;
  const token::Status status = verifier(c.config).verify(bearer, keys->verifying, unix_now(), caller);
  if (status != token::Status::ok)
    return refuse(c, Refusal::bad_service_token, "invalid service token: " + std::string(token::name(status)),
                  {"revoke", {}, {}, ip});
  if (caller.role != Role::service)
    return refuse(c, Refusal::not_service, "not a service token", {"revoke", caller.amo, caller.sub, ip});

  const auto target = parse_target(request.body);
  if (!target)
    return refuse(c, Refusal::bad_body, "the body must be {\"amo\":<id>,\"user\":<id>}",
                  {"revoke", {}, caller.sub, ip});

  std::optional<std::int64_t> before;
  bool recorded = true;
  try {
    before = with_db(c.db, [&](pqxx::connection& db) { return revoke_user(db, target->amo, target->user); });
  } catch (const DatabaseUnavailable&) {
    recorded = false;
  }
  // The broker hears of it whatever the database said: live sessions close now.
  const Revocation r{target->amo + ":" + target->user, before.value_or(unix_now()), RevokeCause::api};
  c.revokes.publish(r);
  log::audit("revocation requested by=" + caller.sub + " client_id=" + caller.cid + " jti=" + caller.jti +
             " user=" + r.user + " before=" + std::to_string(r.before) + (before ? "" : " row=absent") +
             (recorded ? "" : " database=unavailable"));
  if (!recorded)
    return refuse(c, Refusal::database_unavailable, "revocation published, but not recorded",
                  {"revoke", target->amo, target->user, ip});
  http::Response ok;
  ok.status = 204;
  return ok;
}

}  // namespace amo::token_service
