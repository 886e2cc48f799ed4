#pragma once
// Broker shards (DESIGN §9) live: one throwaway Postgres with every migration, two Mosquitto
// brokers loading our plugin with the same JWKS (shard "default" = broker A, shard "b" =
// broker B), two amo-relay instances and one amo-token-service, all reading the same
// `shard_map_file`. Tenants AMO1, AMO2 start on default, AMO3, AMO4 on b.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/mqtt_client.h"
#include "tests/harness/postgres.h"
#include "tests/harness/temp_dir.h"
#include "tests/harness/wait.h"

namespace amo::scale_test {

using namespace std::chrono_literals;
using json = nlohmann::json;
using harness::wait_until;

// tenant → shard name ("default" or "b"); a tenant not listed is on default.
using TenantMap = std::map<std::string, std::string>;

class ShardStack {
 public:
  ShardStack();
  ~ShardStack();

  harness::Postgres pg;
  harness::KeyFile keys;
  harness::TempDir files{"amo-scale"};
  std::string portal_secret;
  std::string portal_secret_path;
  std::unique_ptr<harness::Mosquitto> broker_a;  // shard "default"
  std::unique_ptr<harness::Mosquitto> broker_b;  // shard "b"
  std::string map_path;
  std::unique_ptr<harness::Daemon> relay1, relay2, service;

  // The public_broker_url of each shard (what the token service answers): the brokers'
  // websockets listeners, ws://127.0.0.1:<ws port>/mqtt.
  std::string url_a() const;
  std::string url_b() const;

  // Rewrites the shard map atomically (temp file + rename), its size different from the
  // previous version's, so the daemons' mtime/size check sees it.
  void write_map(const TenantMap& tenants);

  // An HS256 portal session for the token service.
  std::string session(const std::string& amo, const std::string& user) const;
  // realtime_users row and thread memberships.
  void add_user(const std::string& amo, const std::string& user, const std::vector<std::string>& threads = {}) const;
  std::string scalar(const std::string& sql) const;
  long count(const std::string& sql) const { return std::stol(scalar(sql)); }
  // n events through realtime_emit on amo/<amo>/<suffix>, one transaction (notification on
  // user/ and broadcast/, entity.changed on thread/).
  void emit(const std::string& amo, const std::string& suffix, int n, const std::string& tag = "e") const;

  // POST to the token service with a Bearer credential (none if empty).
  harness::HttpResponse post(const std::string& path, const std::string& bearer, const std::string& body = {}) const;
  // POST /api/realtime/token; REQUIREs a 200 and returns its JSON.
  json issue(const std::string& session) const;
  // A service connect token (cid system:<name>:1).
  std::string service_token(const std::string& name) const;
  // A v5 client connected with an issued token to the broker its broker_url names; REQUIREs
  // CONNACK 0.
  std::unique_ptr<harness::TestClient> user_client(const json& answer) const;
  // The TCP port of the broker a broker_url names (its ws:// or tcp:// URL); FAILs for another.
  int port_of(const std::string& broker_url) const;

 private:
  std::string relay_config(const std::string& instance) const;
  std::string service_config() const;
  int map_version_ = 0;
};

// A service-token subscriber to `amo/#` on one broker, counting distinct envelope ids of
// `.../events` topics per tenant (duplicates, replay answers and commands left out).
class Observer {
 public:
  Observer(const ShardStack& stack, const harness::Mosquitto& broker, const std::string& name);
  // Takes what arrived so far into the counts.
  void collect();
  std::size_t distinct(const std::string& amo);  // collects first
  std::set<std::string> ids(const std::string& amo);
  // Waits (collecting) until `amo` has at least n distinct ids.
  bool wait_distinct(const std::string& amo, std::size_t n, std::chrono::milliseconds timeout);
  // Topics (with envelope ids) seen for a tenant.
  std::vector<std::pair<std::string, std::string>> messages(const std::string& amo);

 private:
  std::unique_ptr<harness::TestClient> client_;
  std::map<std::string, std::set<std::string>> ids_;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> messages_;
};

// The event ids written for a tenant's topic (realtime_outbox), as the database has them.
std::set<std::string> written_ids(const ShardStack& stack, const std::string& amo, const std::string& topic_like);

}  // namespace amo::scale_test
