#include "token-service/ingest/post_message.h"

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "token-service/admit.h"
#include "token-service/ingest/chat_store.h"
#include "token-service/users.h"

namespace amo::token_service {

namespace {

// One checker per HTTP worker thread (the validator is not thread-safe).
ChatCheck& checker(const envelope::SchemaSet& schemas) {
  thread_local const envelope::SchemaSet* for_set = nullptr;
  thread_local std::unique_ptr<ChatCheck> check;
  if (!check || for_set != &schemas) {
    check = std::make_unique<ChatCheck>(schemas);
    for_set = &schemas;
  }
  return *check;
}

struct Outcome {
  std::optional<Refusal> refusal;
  std::string id;
  bool duplicate = false;
};

}  // namespace

http::Response post_message(const http::Request& request, HandlerContext& c) {
  auto admitted = admit(request, c, c.message_limit, "message");
  if (auto* refused = std::get_if<http::Response>(&admitted)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(admitted);
  const auth::PortalSession& s = caller.session;
  const AuditFields who{"message", s.amo, s.sub, caller.ip};

  InboundChat chat;
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (const std::string_view reason = checker(c.schemas).from_client(request.body, s.amo, s.sub, now_ms, chat);
      !reason.empty())
    return refuse(c, Refusal::bad_body, "invalid envelope: " + std::string(reason), who);

  Outcome outcome;
  try {
    outcome = with_db(c.db, [&](pqxx::connection& db) {
      Outcome o;
      const MemberRecord m = lookup_member(db, s.amo, s.sub, s.iat, chat.thread);
      if (auto r = user_refusal(m.found, m.active, m.revoked)) {
        o.refusal = r;
        return o;
      }
      if (!m.member) {
        o.refusal = Refusal::not_member;
        return o;
      }
      const InboundChat* one[] = {&chat};
      const std::vector<std::string> stored = store_chats(db, one);
      if (!stored.empty()) {
        o.id = stored.front();
        return o;
      }
      o.duplicate = true;
      o.id = stored_event_id(db, chat);
      return o;
    });
  } catch (const DatabaseUnavailable&) {
    return refuse(c, Refusal::database_unavailable, "database unavailable", who);
  }
  if (outcome.refusal) {
    const std::string message =
        *outcome.refusal == Refusal::not_member ? "not a member of thread " + chat.thread : std::string();
    return refuse(c, *outcome.refusal, message, who);
  }
  (outcome.duplicate ? c.metrics.chat_duplicate_http : c.metrics.chat_created_http).inc();
  const nlohmann::json body{{"id", outcome.id}, {"duplicate", outcome.duplicate}};
  return http::Response::json(outcome.duplicate ? 200 : 201, body.dump());
}

}  // namespace amo::token_service
