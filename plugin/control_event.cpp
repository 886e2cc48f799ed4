#include "plugin/auth_plugin.h"

#include "core/ids.h"
#include "core/json/strict_parse.h"

namespace amo::plugin {
namespace {

bool valid_user_key(std::string_view key) {
  const auto colon = key.find(':');
  return colon != std::string_view::npos && is_valid_id(key.substr(0, colon)) && is_valid_id(key.substr(colon + 1));
}

}  // namespace

// {"user":"<amo>:<sub>","before":<unix s>} or {"jti":"…","exp":<unix s>}, from a service only.
bool AuthPlugin::on_revoke(const void* client, std::string_view payload) {
  const Session* sender = sessions_.find(client);
  if (!sender || sender->role != Role::service || sender->closing) {
    log_(LogLevel::warning, "amo-realtime: revoke refused: sender is not a service session");
    return false;
  }
  json::StrictParser parser(4096, 2);
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (parser.parse(payload, root) != json::Status::ok || root.get(obj) != simdjson::SUCCESS || obj.size() != 2) {
    log_(LogLevel::warning, "amo-realtime: revoke refused: expected {\"user\",\"before\"} or {\"jti\",\"exp\"}");
    return false;
  }
  std::string_view user, jti;
  std::int64_t before = 0, exp = 0;
  if (obj["user"].get(user) == simdjson::SUCCESS && obj["before"].get(before) == simdjson::SUCCESS &&
      valid_user_key(user)) {
    revocations_.revoke_user(user, before);
    for (Session* s : sessions_.of_user(user))
      if (s->iat <= before) close(*s, stats::KickReason::revoked, pending_kicks_);
    audit(LogLevel::info, "revoke", sender, "user", "target=" + std::string(user) + " before=" + std::to_string(before));
    return true;
  }
  if (obj["jti"].get(jti) == simdjson::SUCCESS && obj["exp"].get(exp) == simdjson::SUCCESS && is_valid_jti(jti)) {
    revocations_.revoke_jti(jti, exp);
    for (Session* s : sessions_.with_jti(jti)) close(*s, stats::KickReason::revoked, pending_kicks_);
    audit(LogLevel::info, "revoke", sender, "jti", "target_jti=" + std::string(jti));
    return true;
  }
  log_(LogLevel::warning, "amo-realtime: revoke refused: expected {\"user\",\"before\"} or {\"jti\",\"exp\"}");
  return false;
}

}  // namespace amo::plugin
