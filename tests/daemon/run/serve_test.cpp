// The serve() loop both daemons run (daemon/run/serve.cpp), driven through the real amo-relay
// binary against a real Postgres and a real Mosquitto with our plugin: readiness follows the
// database and the broker through restarts, SIGTERM exits 0, and no secret reaches the log
// whatever path a line takes.
#include <doctest/doctest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/harness/daemon.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/postgres.h"

using namespace amo::harness;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

Mosquitto::Options broker_with_plugin(const KeyFile& keys) {
  Mosquitto::Options o;
  o.websockets = false;
  o.plugin_path = AMO_PLUGIN_PATH;
  o.plugin_opts = {{"jwks_file", keys.path()}, {"issuer", kIssuer}};
  return o;
}

std::string relay_config(const Postgres& pg, const Mosquitto& broker, const KeyFile& keys) {
  return "database_url = \"" + pg.url() + "\"\n" +                      //
         "broker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker.port()) + "\n" +
         "service_signing_key_file = \"" + keys.private_path() + "\"\n" +  //
         "jwks_file = \"" + keys.path() + "\"\n" +                         //
         "issuer = \"" + std::string(kIssuer) + "\"\n";
}

// Polls /readyz until its status is `want`.
bool wait_ready_status(const Daemon& d, int want, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_get(d.http_port(), "/readyz").status == want) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace

TEST_CASE("readyz follows the database and the broker through restarts; SIGTERM exits 0") {
  Postgres pg;
  KeyFile keys;
  Mosquitto broker(broker_with_plugin(keys));
  Daemon relay({.binary = AMO_RELAY_PATH, .config = relay_config(pg, broker, keys)});

  REQUIRE(wait_ready_status(relay, 200, 10s));
  auto ready = json::parse(http_get(relay.http_port(), "/readyz").body);
  CHECK(ready == json{{"database", "up"}, {"broker", "up"}});
  // The relay connected with the minted service token's cid (DESIGN §8).
  CHECK(broker.wait_log("system:amo-relay:", 2s));

  SUBCASE("broker restart") {
    broker.kill();
    REQUIRE(wait_ready_status(relay, 503, 10s));
    CHECK(json::parse(http_get(relay.http_port(), "/readyz").body)["broker"] == "down");
    broker.restart();
    CHECK(wait_ready_status(relay, 200, 20s));
  }
  SUBCASE("database restart") {
    pg.kill();
    REQUIRE(wait_ready_status(relay, 503, 10s));
    CHECK(json::parse(http_get(relay.http_port(), "/readyz").body)["database"] == "down");
    pg.start();
    CHECK(wait_ready_status(relay, 200, 20s));
  }
  CHECK(http_get(relay.http_port(), "/healthz").status == 200);
  relay.signal(SIGTERM);
  CHECK(relay.wait_exit(15s) == 0);
  CHECK(relay.log().find("stopped") != std::string::npos);
}

TEST_CASE("no password, bearer token, token= value or cookie reaches the log, whatever path the line takes") {
  Postgres pg;
  KeyFile keys;
  Mosquitto broker(broker_with_plugin(keys));
  const std::string password = "Sup3rSecretDbPassw0rd";
  // A URL the database refuses (wrong password for a trust cluster is accepted, so point at a
  // closed port): libpq's error text then passes through the database path of the log.
  const std::string bad_url = "postgresql://amo:" + password + "@127.0.0.1:1/amo";
  std::string config = relay_config(pg, broker, keys);
  config.replace(config.find(pg.url()), pg.url().size(), bad_url);
  Daemon relay({.binary = AMO_RELAY_PATH, .config = config, .env = {{"APP_ENV", std::nullopt}}});

  const std::string bearer = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA";
  const std::string query_token = "qTokenValueThatIsSecret123";
  const std::string cookie = "cookieValueThatIsSecret456";
  // Through the HTTP access log: the query string and headers; through readiness: the database.
  http_get(relay.http_port(), "/readyz?token=" + query_token + "&x=1");
  http_get(relay.http_port(), "/nowhere?access_token=" + bearer);
  http_raw(relay.http_port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + bearer +
                                  "\r\nCookie: session=" + cookie + "\r\nConnection: close\r\n\r\n");
  CHECK(relay.wait_log("database unreachable", 10s));
  relay.signal(SIGTERM);
  REQUIRE(relay.wait_exit(15s) == 0);
  const std::string log = relay.log();
  INFO(log);
  CHECK(log.find("request_id=") != std::string::npos);
  for (const auto& secret : {password, bearer, query_token, cookie, std::string("c2lnbmF0dXJlLXNlY3JldA")})
    CHECK_MESSAGE(log.find(secret) == std::string::npos, secret);
}

TEST_CASE("production logs are one JSON object per line") {
  Postgres pg;
  KeyFile keys;
  Mosquitto broker(broker_with_plugin(keys));
  Daemon relay({.binary = AMO_RELAY_PATH,
                .config = relay_config(pg, broker, keys),
                .env = {{"APP_ENV", "production"}}});
  http_get(relay.http_port(), "/metrics");
  relay.signal(SIGTERM);
  REQUIRE(relay.wait_exit(15s) == 0);
  std::istringstream lines(relay.log());
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    INFO(line);
    const auto doc = json::parse(line, nullptr, false);
    REQUIRE(doc.is_object());
    CHECK(doc["daemon"] == "amo-relay");
    CHECK(doc.contains("ts"));
    CHECK(doc.contains("level"));
    ++n;
  }
  CHECK(n >= 3);
}
