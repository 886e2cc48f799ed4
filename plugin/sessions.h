#pragma once
// Live sessions the plugin admitted, keyed by Mosquitto's client pointer (ACL checks) and by
// client id (takeover, kicks). 2.0.11 has no API to list clients, so this is the only record.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/identity.h"
#include "core/stats/broker_stats.h"
#include "plugin/rate_carry.h"
#include "plugin/rate_limit.h"
#include "plugin/token_digest.h"

namespace amo::plugin {

// One per connected (or durably offline) client: keep it small, there are tens of thousands.
struct Session {
  const void* client = nullptr;  // Mosquitto's struct mosquitto*, never dereferenced here
  std::string cid;
  std::string ident;  // "<amo>:<sub> <jti>": one allocation for three ids (see identity())
  std::vector<std::string> threads;
  std::int64_t iat = 0, exp = 0;
  std::int64_t sess_exp = 0;  // 0: none (services)
  RateLimit rate;
  Role role = Role::user;
  bool closing = false;  // set before a kick so every ACL check denies from then on
  // false: a durable session whose client left; still read-checked (messages queue for it),
  // never written for (its Will), not counted, never kicked
  bool online = true;
  std::uint32_t keys_epoch = 0;  // AuthPlugin's key epoch when this session's signature was last checked
  TokenDigest token{};           // of the token it was admitted with (SIGHUP re-checks compare)

  // Ids never contain ':' or ' ' and a jti is base64url (DESIGN §2), so ident splits unambiguously.
  static std::string identity(std::string_view amo, std::string_view sub, std::string_view jti) {
    std::string out;
    out.reserve(amo.size() + sub.size() + jti.size() + 2);
    out.append(amo).append(":").append(sub).append(" ").append(jti);
    return out;
  }
  std::string_view user_key() const noexcept { return std::string_view(ident).substr(0, ident.find(' ')); }
  std::string_view jti() const noexcept { return std::string_view(ident).substr(ident.find(' ') + 1); }
  std::string_view amo() const noexcept { return std::string_view(ident).substr(0, ident.find(':')); }
  std::string_view sub() const noexcept { return amo_sub().second; }
  // Both in one pass over ident: the READ check needs them on every delivery.
  std::pair<std::string_view, std::string_view> amo_sub() const noexcept {
    const std::string_view id(ident);
    const std::size_t colon = id.find(':'), space = id.find(' ', colon + 1);
    return {id.substr(0, colon), id.substr(colon + 1, space - colon - 1)};
  }
  // When the plugin must end it: sess_exp for users, the token's exp for an offline service.
  std::int64_t due() const noexcept { return sess_exp > 0 ? sess_exp : (online ? 0 : exp); }
};

class SessionTable {
 public:
  // Caps count live user sessions; a live session with the same cid of the same user is
  // about to be taken over (2.0.11 authenticates before the takeover) and is not counted.
  stats::ConnectStatus admit(std::string_view cid, std::string_view user_key, std::int64_t max_per_user,
                             std::int64_t max_per_tenant) const;
  // Adds s, replacing (and forgetting the client pointer of) a session with the same cid.
  Session& add(Session s);
  // The publish bucket a new session of this cid and user starts with: the one of the session
  // it replaces, or the one a session of that cid left lately; nullopt: start fresh. The
  // cooldown after an abuse kick is the caller's (cooldown_until).
  std::optional<RateLimit> rate_for(std::string_view cid, std::string_view user_key);
  void cool_down(std::string_view user_key, std::int64_t until_ns) { carry_.cool_down(user_hash(user_key), until_ns); }
  std::int64_t cooldown_until(std::string_view user_key) const { return carry_.cooldown_until(user_hash(user_key)); }
  void prune_rates(const RateLimit::Limits& limits, std::int64_t now_ns) { carry_.prune(limits, now_ns); }
  std::size_t carried_rates() const noexcept { return carry_.size(); }
  Session* find(const void* client) noexcept;
  Session* find_cid(std::string_view cid) noexcept;
  // Forgets the session of this client pointer, if it is still the current one; a user's
  // publish bucket stays behind for its cid.
  void remove(const void* client);
  // The client left but Mosquitto keeps its durable session and queues messages for it (with
  // READ checks): keep the identity, stop counting it. Offline services are reported by
  // expired() at their token's exp; offline users at their sess_exp as usual.
  void set_offline(const void* client);

  std::vector<Session*> of_user(std::string_view user_key);
  std::vector<Session*> with_jti(std::string_view jti);
  // Sessions past due() and not closing yet. Scans only once the earliest due time is reached.
  std::vector<Session*> expired(std::int64_t now);
  std::size_t size() const noexcept { return by_client_.size(); }

 private:
  static std::size_t user_hash(std::string_view user_key) noexcept { return std::hash<std::string_view>{}(user_key); }
  void count(const Session& s, int delta);
  void note_due(const Session& s) noexcept;

  std::unordered_map<const void*, Session> by_client_;         // owns the sessions (stable nodes)
  std::unordered_map<std::string_view, Session*> by_cid_;     // key views the session's own cid
  // Live user sessions per user and per tenant. Users are keyed by the hash of user_key: keys
  // come from verified tokens, and a string per user would cost more than the count it keys.
  std::unordered_map<std::size_t, std::int64_t> per_user_;
  std::unordered_map<std::string, std::int64_t> per_tenant_;
  std::int64_t next_due_ = std::numeric_limits<std::int64_t>::max();
  RateCarry carry_;
};

}  // namespace amo::plugin
