#pragma once
// Live sessions the plugin admitted, keyed by Mosquitto's client pointer (ACL checks) and by
// client id (takeover, kicks). 2.0.11 has no API to list clients, so this is the only record.
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/identity.h"
#include "core/stats/broker_stats.h"
#include "plugin/rate_limit.h"

namespace amo::plugin {

struct Session {
  const void* client = nullptr;  // Mosquitto's struct mosquitto*, never dereferenced here
  std::string cid, user_key /* "<amo>:<sub>", also the username */, amo, sub, jti;
  std::vector<std::string> threads;
  Role role = Role::user;
  std::int64_t iat = 0, exp = 0;
  std::int64_t sess_exp = 0;  // 0: none (services)
  bool closing = false;       // set before a kick so every ACL check denies from then on
  RateLimit rate;
  bool online = true;  // false: a durable session whose client left; still read-checked, not counted
};

class SessionTable {
 public:
  // Caps count live user sessions; a live session with the same cid of the same user is
  // about to be taken over (2.0.11 authenticates before the takeover) and is not counted.
  stats::ConnectStatus admit(const std::string& cid, const std::string& user_key, const std::string& amo,
              std::int64_t max_per_user, std::int64_t max_per_tenant) const;
  // Adds s, replacing (and forgetting the client pointer of) a session with the same cid.
  Session& add(Session s);
  Session* find(const void* client) noexcept;
  Session* find_cid(const std::string& cid) noexcept;
  // Forgets the session of this client pointer, if it is still the current one.
  void remove(const void* client);
  // The client left but Mosquitto keeps its durable session and queues messages for it (with
  // READ checks): keep the identity, stop counting it. Offline services are forgotten at their
  // token's exp (reported by expired()); offline users at their sess_exp as usual.
  void set_offline(const void* client);

  std::vector<Session*> of_user(const std::string& user_key);
  std::vector<Session*> with_jti(std::string_view jti);
  // Sessions whose sess_exp (offline services: exp) is at or before now and not closing yet.
  std::vector<Session*> expired(std::int64_t now);
  std::size_t size() const noexcept { return by_cid_.size(); }

 private:
  struct Expiry {
    std::int64_t at;
    std::string cid;
    std::uint64_t generation;
    bool operator>(const Expiry& o) const noexcept { return at > o.at; }
  };
  struct Entry {
    std::unique_ptr<Session> session;
    std::uint64_t generation;
  };
  void count(const Session& s, int delta);

  std::unordered_map<std::string, Entry> by_cid_;
  std::unordered_map<const void*, Session*> by_client_;
  std::unordered_map<std::string, std::int64_t> per_user_, per_tenant_;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
  std::uint64_t next_generation_ = 1;
};

}  // namespace amo::plugin
