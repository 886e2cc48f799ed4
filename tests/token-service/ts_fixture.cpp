#include "tests/token-service/ts_fixture.h"

#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/token/jwks.h"
#include "core/token/sign.h"

namespace amo::ts_test {

using harness::Daemon;
using harness::Mosquitto;

namespace {

std::string random_secret() {
  // 16 random bytes as base64url, twice: 44 characters of key material.
  return token::new_jti() + token::new_jti();
}

std::string toml_str(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

Stack::Stack() : Stack(Options{}) {}

Stack::Stack(Options options) {
  harness::migrate_up(pg, AMO_RELAY_PATH);
  if (options.setup) options.setup(pg);
  service_db_user = options.service_db_user;
  portal_secret = random_secret();
  portal_secret_path = files.write("portal_secret", portal_secret + "\n").string();
  secrets_.push_back(portal_secret);
  Mosquitto::Options o;
  o.websockets = false;
  const char* override_path = std::getenv("AMO_TEST_PLUGIN");  // a plugin built elsewhere
  o.plugin_path = override_path && *override_path ? override_path : AMO_PLUGIN_PATH;
  o.plugin_opts = {{"jwks_file", keys.path()}, {"issuer", harness::kIssuer}};
  for (auto& kv : options.plugin_opts) o.plugin_opts.push_back(kv);
  broker = std::make_unique<Mosquitto>(o);
  service = start_service(options.service_extra);
  if (options.relay) relay = start_relay(options.relay_extra);
  // /healthz answers before the daemons' MQTT connections (and the ingest's subscriptions) are
  // up; a chat published in that gap has no ingest to store it. /readyz waits for them.
  for (const auto* d : {service.get(), relay.get()})
    if (d) REQUIRE(d->wait_ready(30s));
}

Stack::~Stack() {
  // AMO_TS_KEEP_LOGS=<dir>: the daemons' and the broker's logs are copied there (debugging).
  const char* keep = std::getenv("AMO_TS_KEEP_LOGS");
  if (!keep || !*keep) return;
  std::filesystem::create_directories(keep);
  std::ofstream(std::filesystem::path(keep) / "token-service.log") << (service ? service->log() : "");
  std::ofstream(std::filesystem::path(keep) / "relay.log") << (relay ? relay->log() : "");
  std::ofstream(std::filesystem::path(keep) / "mosquitto.log") << (broker ? broker->log() : "");
}

std::string Stack::service_config(const std::string& extra, const Overrides& overrides) const {
  std::string url = pg.url();
  if (!service_db_user.empty()) url.replace(url.find("user=postgres"), 13, "user=" + service_db_user);
  Overrides keys_values{{"database_url", toml_str(url)},
                        {"broker_host", "\"127.0.0.1\""},
                        {"broker_port", std::to_string(broker->port())},
                        {"service_signing_key_file", toml_str(keys.private_path())},
                        {"signing_key_file", toml_str(keys.private_path())},
                        {"jwks_file", toml_str(keys.path())},
                        {"issuer", toml_str(harness::kIssuer)},
                        {"portal_secret_file", toml_str(portal_secret_path)},
                        {"public_broker_url", "\"ws://127.0.0.1:1/mqtt\""}};
  for (const auto& [key, value] : overrides) {
    bool replaced = false;
    for (auto& kv : keys_values) {
      if (kv.first == key) {
        kv.second = value;
        replaced = true;
      }
    }
    if (!replaced) keys_values.emplace_back(key, value);
  }
  std::string text;
  for (const auto& [key, value] : keys_values)
    if (!value.empty()) text += key + " = " + value + "\n";
  return text + extra;
}

std::unique_ptr<Daemon> Stack::start_service(const std::string& extra, const Overrides& overrides,
                                             std::vector<std::pair<std::string, std::optional<std::string>>> env,
                                             bool wait_ready) const {
  env.insert(env.begin(), {"APP_ENV", std::nullopt});  // development unless the test says otherwise
  return std::make_unique<Daemon>(Daemon::Options{.binary = AMO_TOKEN_SERVICE_PATH,
                                                  .config = service_config(extra, overrides),
                                                  .env = std::move(env),
                                                  .wait_ready = wait_ready});
}

std::unique_ptr<Daemon> Stack::start_relay(const std::string& extra) const {
  const std::string config = "database_url = " + toml_str(pg.url()) + "\n" +
                             "broker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker->port()) + "\n" +
                             "service_signing_key_file = " + toml_str(keys.private_path()) + "\n" +
                             "jwks_file = " + toml_str(keys.path()) + "\n" + "issuer = " + toml_str(harness::kIssuer) +
                             "\n" + extra;
  return std::make_unique<Daemon>(Daemon::Options{.binary = AMO_RELAY_PATH, .config = config});
}

std::string Stack::session(const std::string& amo, const std::string& user, std::int64_t iat_offset,
                           std::int64_t exp_offset) const {
  const auto key = token::make_oct_key("portal", portal_secret);
  REQUIRE(key);
  const std::int64_t now = harness::now_s();
  const json claims{{"sub", user}, {"amo_id", amo}, {"iat", now + iat_offset}, {"exp", now + exp_offset}};
  std::string s = token::sign_jws(R"({"alg":"HS256","typ":"JWT"})", claims.dump(), *key);
  REQUIRE_FALSE(s.empty());
  secrets_.push_back(s);
  return s;
}

void Stack::add_user(const std::string& amo, const std::string& user, const std::vector<std::string>& threads,
                     bool active) const {
  harness::add_realtime_user(pg, amo, user, threads, active);
}

std::string Stack::scalar(const std::string& sql) const {
  pqxx::connection c(pg.url());
  pqxx::nontransaction t(c);
  const auto r = t.exec1(sql);
  return r[0].is_null() ? std::string() : r[0].c_str();
}

harness::HttpResponse Stack::post(const std::string& path, const std::string& session, const std::string& body,
                                  harness::HttpHeaders extra) const {
  harness::HttpClient client(service->http_port());
  harness::HttpHeaders headers = std::move(extra);
  if (!session.empty()) headers.emplace_back("Authorization", "Bearer " + session);
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Connection", "close");
  return client.request("POST", path, headers, body);
}

json Stack::issue(const std::string& session, const std::string& body) const {
  const auto r = post("/api/realtime/token", session, body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  json answer = json::parse(r.body);
  secrets_.push_back(answer["token"].get<std::string>());
  return answer;
}

std::unique_ptr<harness::TestClient> Stack::mqtt_client(const json& answer, int* connack) const {
  harness::ClientOptions o;
  o.port = broker->port();
  o.client_id = answer["client_id"].get<std::string>();
  o.username = "browser";
  o.password = answer["token"].get<std::string>();
  auto c = std::make_unique<harness::TestClient>(o);
  const int code = c->connect();
  if (connack) *connack = code;
  return c;
}

std::string Stack::service_token(const std::string& name) const {
  std::string t = harness::mint(harness::service_claims(name, "system:" + name + ":1"), keys.key());
  secrets_.push_back(t);
  return t;
}

double Stack::metric(const std::string& series) const {
  return harness::scrape_metric(service->http_port(), series);
}

std::string chat_json(const std::string& client_msg_id, const std::string& text, const std::string& thread) {
  json e{{"v", 1}, {"kind", "chat.message"}, {"client_msg_id", client_msg_id}, {"payload", {{"text", text}}}};
  if (!thread.empty()) e["thread"] = thread;
  return e.dump();
}

std::string read_json(const std::string& client_msg_id, std::int64_t up_to_seq, const std::string& thread) {
  json e{{"v", 1}, {"kind", "chat.read"}, {"client_msg_id", client_msg_id}, {"payload", {{"up_to_seq", up_to_seq}}}};
  if (!thread.empty()) e["thread"] = thread;
  return e.dump();
}

void check_no_secret(const std::string& log, const std::vector<std::string>& secrets, const std::string& what) {
  CAPTURE(what);
  CHECK_FALSE(log.empty());
  std::size_t found = 0;
  for (const auto& s : secrets) {
    if (s.size() >= 16 && log.find(s) != std::string::npos) ++found;
    // A token's signature alone is as bad as the whole token.
    const auto dot = s.rfind('.');
    if (dot != std::string::npos && s.size() - dot > 20 && log.find(s.substr(dot + 1)) != std::string::npos) ++found;
  }
  CHECK(found == 0);
  CHECK(log.find("eyJ") == std::string::npos);  // no compact JWS at all
}

}  // namespace amo::ts_test
