#pragma once
// The token service's live tests (DESIGN §7): a throwaway Postgres with every migration,
// Mosquitto with our plugin (AMO_TEST_PLUGIN overrides the build's), the real
// amo-token-service (and amo-relay where chat must reach subscribers), portal sessions
// signed with the test's portal secret, and an MQTT client that connects with an issued token.
// Every token, session and secret the fixture makes is remembered for the log checks.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/mqtt_client.h"
#include "tests/harness/postgres.h"
#include "tests/harness/temp_dir.h"
#include "tests/harness/wait.h"

namespace amo::ts_test {

using namespace std::chrono_literals;
using json = nlohmann::json;

// A PUBACK that let the message through: 0, or 0x10 "no matching subscribers" (MQTT 5).
inline bool accepted(int puback) {
  return puback == 0 || puback == 0x10;
}
inline constexpr int kNotAuthorized = 0x87;

// Rates high enough that only the rate-limit tests meet them.
inline constexpr const char* kGenerousRates =
    "token_rate = 10000\ntoken_burst = 10000\nip_rate = 10000\nip_burst = 10000\n"
    "message_rate = 10000\nmessage_burst = 10000\n";

struct Stack {
  struct Options {
    bool relay = false;
    std::string relay_extra{};  // appended to the relay's TOML
    std::string service_extra = kGenerousRates;  // appended to the token service's TOML
    std::vector<std::pair<std::string, std::string>> plugin_opts{};
    // Run after the migrations, before any daemon starts (e.g. views over portal tables).
    std::function<void(const harness::Postgres&)> setup{};
    // The Postgres role the token service connects as ("" = the superuser postgres).
    std::string service_db_user{};
  };
  Stack();
  explicit Stack(Options options);
  ~Stack();

  harness::Postgres pg;
  std::string service_db_user;
  harness::KeyFile keys;  // signs user and service tokens; jwks.json is the broker's jwks_file
  harness::TempDir files{"amo-ts"};
  std::string portal_secret;
  std::string portal_secret_path;
  std::unique_ptr<harness::Mosquitto> broker;
  std::unique_ptr<harness::Daemon> service;
  std::unique_ptr<harness::Daemon> relay;

  // The token service's TOML: this stack's keys, database and broker; `overrides` replace
  // (or, with an empty value, remove) a key's TOML value; `extra` lines are appended.
  using Overrides = std::vector<std::pair<std::string, std::string>>;
  std::string service_config(const std::string& extra, const Overrides& overrides = {}) const;
  std::unique_ptr<harness::Daemon> start_service(
      const std::string& extra, const Overrides& overrides = {},
      std::vector<std::pair<std::string, std::optional<std::string>>> env = {}, bool wait_ready = true) const;
  std::unique_ptr<harness::Daemon> start_relay(const std::string& extra = {}) const;

  // An HS256 portal session: iat = now + iat_offset, exp = now + exp_offset.
  std::string session(const std::string& amo, const std::string& user, std::int64_t iat_offset = -5,
                      std::int64_t exp_offset = 3600) const;
  // realtime_users row and thread memberships.
  void add_user(const std::string& amo, const std::string& user, const std::vector<std::string>& threads = {},
                bool active = true) const;
  std::string scalar(const std::string& sql) const;
  long count(const std::string& sql) const { return std::stol(scalar(sql)); }

  // POST to the token service with a Bearer session (or none if empty).
  harness::HttpResponse post(const std::string& path, const std::string& session, const std::string& body = {},
                             harness::HttpHeaders extra = {}) const;
  // POST /api/realtime/token; REQUIREs a 200 and returns its JSON.
  json issue(const std::string& session, const std::string& body = {}) const;
  // A v5 client connected with an issued token (CONNACK in `connack`).
  std::unique_ptr<harness::TestClient> mqtt_client(const json& answer, int* connack = nullptr) const;
  // A service connect token of this test's keys.
  std::string service_token(const std::string& name) const;

  // The token service's metric (first series of that exact text, labels included), -1 if absent.
  double metric(const std::string& series) const;

  // Every secret the fixture handed out: tokens, sessions, the portal secret.
  std::vector<std::string>& secrets() const { return secrets_; }

 private:
  mutable std::vector<std::string> secrets_;
};

using harness::wait_until;

// A valid client envelope for each kind the tests publish.
std::string chat_json(const std::string& client_msg_id, const std::string& text = "hi", const std::string& thread = {});
std::string read_json(const std::string& client_msg_id, std::int64_t up_to_seq, const std::string& thread = {});

// CHECKs that none of `secrets` (nor any Bearer value or session cookie) is in `log`.
void check_no_secret(const std::string& log, const std::vector<std::string>& secrets, const std::string& what);

}  // namespace amo::ts_test
