#include "token-service/issue/issue_token.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "core/acl/allowed_topics.h"
#include "core/ids.h"
#include "core/token/sign.h"
#include "daemon/log/log.h"
#include "token-service/admit.h"
#include "token-service/issue/token_request.h"
#include "token-service/users.h"

namespace amo::token_service {

namespace {

json::StrictParser& body_parser(std::size_t max_bytes) {
  thread_local json::StrictParser parser(max_bytes, 16);
  return parser;
}

}  // namespace

std::string new_client_id(std::string_view amo, std::string_view sub) {
  std::string random = token::new_jti();  // 22 base64url characters from the CSPRNG
  std::string cid = std::string(amo) + ":" + std::string(sub) + ":" + random.substr(0, 11);
  return is_valid_cid(cid) ? cid : random;
}

http::Response issue_token(const http::Request& request, HandlerContext& c) {
  const auto started = std::chrono::steady_clock::now();
  auto admitted = admit(request, c, c.token_limit, "token");
  if (auto* refused = std::get_if<http::Response>(&admitted)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(admitted);
  const auth::PortalSession& s = caller.session;
  const AuditFields who{"token", s.amo, s.sub, caller.ip};

  TokenRequest wanted;
  if (auto e = parse_token_request(request.body, body_parser(static_cast<std::size_t>(c.config.max_body)), wanted))
    return refuse(c, e->refusal, e->message, who);

  UserRecord user;
  try {
    user = with_db(c.db, [&](pqxx::connection& db) { return lookup_user(db, s.amo, s.sub, s.iat); });
  } catch (const DatabaseUnavailable&) {
    return refuse(c, Refusal::database_unavailable, "database unavailable", who);
  }
  if (auto r = user_refusal(user.found, user.active, user.revoked)) return refuse(c, *r, name(*r), who);

  std::vector<std::string> threads;
  if (wanted.names_threads) {
    for (const std::string& t : wanted.threads) {
      if (!std::binary_search(user.threads.begin(), user.threads.end(), t))
        return refuse(c, Refusal::not_member, "not a member of thread " + t, who);
    }
    threads = std::move(wanted.threads);
  } else {
    if (user.threads.size() > token::kMaxThreads) {
      return refuse(c, Refusal::too_many_threads,
                    "member of more than " + std::to_string(token::kMaxThreads) + " threads: name the ones needed",
                    who);
    }
    threads = std::move(user.threads);
  }

  const auto keys = c.keys.current();
  token::Claims claims;
  claims.iss = c.config.issuer;
  claims.aud = {c.config.audience};
  claims.sub = s.sub;
  claims.amo = s.amo;
  claims.iat = unix_now();
  claims.exp = claims.iat + c.config.token_ttl;
  claims.jti = token::new_jti();
  claims.cid = new_client_id(s.amo, s.sub);
  claims.threads = threads;
  claims.role = Role::user;
  claims.sess_exp = s.exp;
  const std::string token = keys && keys->signer ? token::sign(claims, *keys->signer) : std::string();
  if (token.empty()) {
    log::error("token issue failed: signing with signing_key_file failed");
    return http::Response::error(500, "signing failed");
  }

  const acl::AllowedTopics topics = acl::allowed_topics(s.amo, s.sub, threads);
  const auto shards = c.shard_map.current();  // the tenant's broker shard (DESIGN §9)
  const std::string& broker_url = shards->shard(shards->shard_of(s.amo)).public_broker_url;
  const nlohmann::json answer{{"token", token},
                              {"expires_at", claims.exp},
                              {"client_id", claims.cid},
                              {"broker_url", broker_url},
                              {"topics", {{"subscribe", topics.subscribe}, {"publish", topics.publish}}}};
  c.metrics.tokens_issued.inc();
  c.metrics.issue_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  log::audit("token issued amo=" + s.amo + " user=" + s.sub + " client_id=" + claims.cid + " jti=" + claims.jti +
             " threads=" + std::to_string(threads.size()) + " ip=" + caller.ip);
  http::Response r = http::Response::json(200, answer.dump());
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace amo::token_service
