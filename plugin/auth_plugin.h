#pragma once
// The plugin's state and decisions, one method per Mosquitto event. No Mosquitto calls here:
// plugin.cpp translates events in and effects (username, kicks, publishes, logs) out.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/acl/check.h"
#include "core/envelope/schema_set.h"
#include "core/envelope/validate.h"
#include "core/stats/broker_stats.h"
#include "core/token/jwks.h"
#include "core/token/verify.h"
#include "plugin/options.h"
#include "plugin/revocations.h"
#include "plugin/sessions.h"

namespace amo::plugin {

struct Clock {
  std::int64_t now_s = 0;   // unix seconds
  std::int64_t now_ms = 0;  // unix milliseconds (envelope ts)
  std::int64_t mono_ns = 0; // monotonic, for rate limits and intervals
  static Clock read() noexcept;
};

struct AuthResult {
  bool ok = false;
  std::string username;  // "<amo>:<sub>" to set on success; empty: leave the username as it is
};

struct MessageResult {
  bool ok = false;
  bool replace = false;      // false: deliver unchanged (services)
  std::string_view payload;  // the stamped envelope to deliver instead; valid until the next message
};

struct Kick {
  std::string cid;
  stats::KickReason reason;
};

using LogFn = std::function<void(LogLevel, const std::string&)>;

class AuthPlugin {
 public:
  // Throws std::runtime_error with a clear message on a bad JWKS or schema set: the broker
  // must refuse to start (DESIGN §3).
  AuthPlugin(Options options, std::string jwks_text, std::vector<envelope::SchemaFile> schema_files,
             LogFn log, std::int64_t start_mono_ns);

  AuthResult on_basic_auth(const void* client, std::string_view client_id, std::string_view password,
                           const Clock& now);
  bool on_acl(const void* client, acl::Access access, std::string_view topic, int qos, bool retain);
  MessageResult on_message(const void* client, std::string_view topic, std::string_view payload,
                           const Clock& now);
  // durable: Mosquitto keeps the client's session (clean session / clean start false).
  void on_disconnect(const void* client, bool durable);
  // Returns the sessions to kick now; their ACL checks already deny. Never an offline one.
  std::vector<Kick> on_tick(const Clock& now);
  // SIGHUP: 2.0.11 fires RELOAD, then re-runs BASIC_AUTH for every client it keeps (offline
  // durable sessions too), then TICK, all in one pass of its loop: until that TICK every
  // BASIC_AUTH is such a re-check, never a new connection. Without TICK there is no such
  // pass to rely on (and every connection is refused anyway, no_tick).
  void on_reload() noexcept { reauth_pass_ = tick_seen_; }
  // $CONTROL/amo-realtime/v1/revoke; false (and nothing changed) for bad input or a non-service.
  bool on_revoke(const void* client, std::string_view payload);

  // A new JWKS text (SIGHUP or file change). Keeps the current keys if it is bad.
  bool reload_keys(std::string_view jwks_text);

  bool stats_due(const Clock& now);
  std::string stats_json() const { return stats::to_json(stats_, sessions_.size()); }
  const Options& options() const noexcept { return options_; }

 private:
  void audit(LogLevel level, std::string_view event, const Session* s, std::string_view reason,
             std::string_view extra = {});
  // Counts the reason in stats and writes the audit line (never the token).
  template <typename Reason>
  AuthResult refuse(Reason reason, std::string_view cid, const token::Claims* c);
  AuthResult reauth(const void* client, std::string_view client_id, std::string_view password);
  AuthResult recheck(Session& s, std::string_view client_id, std::string_view password);
  template <typename Reason>
  AuthResult refuse_reauth(Session& s, Reason reason);
  // Ends a session for `reason`: a live one is denied everything and queued for a kick in
  // `out`; an offline one is forgotten (see close()).
  void close(Session& s, stats::KickReason reason, std::vector<Kick>& out);
  RateLimit rate_for(std::string_view cid, std::string_view user_key, std::int64_t now_ns);

  Options options_;
  LogFn log_;
  token::KeySet keys_;
  // Bumped when a reload drops or changes a key; a session verified in the current epoch
  // needs no new signature check on SIGHUP (10,000 Ed25519 checks stall the broker ~1 s).
  std::uint32_t keys_epoch_ = 0;
  token::Verifier verifier_;
  token::Claims claims_;  // reused across connects
  std::unique_ptr<envelope::SchemaSet> schemas_;
  envelope::Validator validator_;
  std::string stamped_;
  RateLimit::Limits rate_limits_;
  SessionTable sessions_;
  Revocations revocations_;
  std::vector<Kick> pending_kicks_;
  stats::BrokerStats stats_;
  std::int64_t start_mono_ns_;
  bool tick_seen_ = false;
  bool reauth_pass_ = false;  // between RELOAD and the next TICK (on_reload)
  bool no_tick_logged_ = false;
  std::int64_t next_stats_ns_ = 0;
  std::int64_t next_prune_s_ = 0;
  std::int64_t next_rate_prune_ns_ = 0;
};

}  // namespace amo::plugin
