#include "tests/scale/shard_fixture.h"

#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/token/jwks.h"
#include "core/token/sign.h"

namespace amo::scale_test {

using harness::Daemon;
using harness::Mosquitto;

namespace {

std::string toml_str(const std::string& s) {
  return "\"" + s + "\"";
}

std::unique_ptr<Mosquitto> start_broker(const harness::KeyFile& keys) {
  Mosquitto::Options o;
  // Browsers reach the brokers over websockets (public_broker_url must be ws:// or wss://);
  // the harness' TestClient and the daemons use the TCP listener.
  o.websockets = true;
  const char* override_path = std::getenv("AMO_TEST_PLUGIN");  // a plugin built elsewhere
  o.plugin_path = override_path && *override_path ? override_path : AMO_PLUGIN_PATH;
  // stats every second: the tests read kicked.revoked from $SYS/broker/amo-realtime/stats.
  o.plugin_opts = {{"jwks_file", keys.path()}, {"issuer", harness::kIssuer}, {"stats_interval", "1"}};
  // The counting observers must not lose messages to 2.0.11's per-client queue limit.
  o.extra_config = "max_queued_messages 0\n";
  return std::make_unique<Mosquitto>(o);
}

}  // namespace

ShardStack::ShardStack() {
  harness::migrate_up(pg, AMO_RELAY_PATH);
  portal_secret = token::new_jti() + token::new_jti();
  portal_secret_path = files.write("portal_secret", portal_secret + "\n").string();
  broker_a = start_broker(keys);
  broker_b = start_broker(keys);
  map_path = (files.path() / "shards.toml").string();
  write_map({{"AMO3", "b"}, {"AMO4", "b"}});
  relay1 = std::make_unique<Daemon>(Daemon::Options{.binary = AMO_RELAY_PATH, .config = relay_config("relay-1")});
  relay2 = std::make_unique<Daemon>(Daemon::Options{.binary = AMO_RELAY_PATH, .config = relay_config("relay-2")});
  service = std::make_unique<Daemon>(Daemon::Options{
      .binary = AMO_TOKEN_SERVICE_PATH, .config = service_config(), .env = {{"APP_ENV", std::nullopt}}});
  // /healthz answers before the MQTT connections are up; /readyz once the database and every
  // shard's broker are (subscriptions in place): a chat published earlier has no ingest yet.
  for (const auto* d : {relay1.get(), relay2.get(), service.get()}) {
    INFO(d->log());
    REQUIRE(d->wait_ready(30s));
  }
}

ShardStack::~ShardStack() {
  // AMO_SCALE_KEEP_LOGS=<dir>: every daemon's and broker's log is copied to <dir>/stack-<n>
  // (n counts the stacks of this process: one per test case).
  static int stacks = 0;
  const char* keep = std::getenv("AMO_SCALE_KEEP_LOGS");
  if (!keep || !*keep) return;
  const std::filesystem::path dir = std::filesystem::path(keep) / ("stack-" + std::to_string(++stacks));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token-service.log") << (service ? service->log() : "");
  std::ofstream(dir / "relay-1.log") << (relay1 ? relay1->log() : "");
  std::ofstream(dir / "relay-2.log") << (relay2 ? relay2->log() : "");
  std::ofstream(dir / "mosquitto-a.log") << (broker_a ? broker_a->log() : "");
  std::ofstream(dir / "mosquitto-b.log") << (broker_b ? broker_b->log() : "");
  std::ofstream(dir / "shards.toml") << harness::read_file(map_path);
}

std::string ShardStack::url_a() const {
  return "ws://127.0.0.1:" + std::to_string(broker_a->ws_port()) + "/mqtt";
}

std::string ShardStack::url_b() const {
  return "ws://127.0.0.1:" + std::to_string(broker_b->ws_port()) + "/mqtt";
}

void ShardStack::write_map(const TenantMap& tenants) {
  ++map_version_;
  std::string text = "# shard map version " + std::to_string(map_version_) + "\n";
  // A padding line one byte longer each version: the size always changes.
  text += "#" + std::string(static_cast<std::size_t>(map_version_), '-') + "\n";
  text += "[shards.b]\nbroker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker_b->port()) +
          "\npublic_broker_url = " + toml_str(url_b()) + "\n\n[tenants]\n";
  for (const auto& [amo, shard] : tenants) text += amo + " = " + toml_str(shard) + "\n";
  const auto tmp = files.write("shards.toml.tmp", text);
  std::filesystem::rename(tmp, map_path);
}

std::string ShardStack::relay_config(const std::string& instance) const {
  return "database_url = " + toml_str(pg.url()) + "\n" +                     //
         "broker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker_a->port()) + "\n" +
         "service_signing_key_file = " + toml_str(keys.private_path()) + "\n" +  //
         "jwks_file = " + toml_str(keys.path()) + "\n" +                          //
         "issuer = " + toml_str(harness::kIssuer) + "\n" +                         //
         "instance_id = " + toml_str(instance) + "\n" +                            //
         "shard_map_file = " + toml_str(map_path) + "\n";
}

std::string ShardStack::service_config() const {
  return "database_url = " + toml_str(pg.url()) + "\n" +  //
         "broker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker_a->port()) + "\n" +
         "service_signing_key_file = " + toml_str(keys.private_path()) + "\n" +  //
         "signing_key_file = " + toml_str(keys.private_path()) + "\n" +          //
         "jwks_file = " + toml_str(keys.path()) + "\n" +                          //
         "issuer = " + toml_str(harness::kIssuer) + "\n" +                         //
         "portal_secret_file = " + toml_str(portal_secret_path) + "\n" +          //
         "public_broker_url = " + toml_str(url_a()) + "\n" +                       //
         "instance_id = \"ts-1\"\n" +                                              //
         "shard_map_file = " + toml_str(map_path) + "\n" +
         "token_rate = 10000\ntoken_burst = 10000\nip_rate = 10000\nip_burst = 10000\n"
         "message_rate = 10000\nmessage_burst = 10000\n";
}

std::string ShardStack::session(const std::string& amo, const std::string& user) const {
  const auto key = token::make_oct_key("portal", portal_secret);
  REQUIRE(key);
  const std::int64_t now = harness::now_s();
  const json claims{{"sub", user}, {"amo_id", amo}, {"iat", now - 5}, {"exp", now + 3600}};
  std::string s = token::sign_jws(R"({"alg":"HS256","typ":"JWT"})", claims.dump(), *key);
  REQUIRE_FALSE(s.empty());
  return s;
}

void ShardStack::add_user(const std::string& amo, const std::string& user,
                          const std::vector<std::string>& threads) const {
  harness::add_realtime_user(pg, amo, user, threads, true);
}

std::string ShardStack::scalar(const std::string& sql) const {
  pqxx::connection c(pg.url());
  pqxx::nontransaction t(c);
  const auto r = t.exec1(sql);
  return r[0].is_null() ? std::string() : r[0].c_str();
}

void ShardStack::emit(const std::string& amo, const std::string& suffix, int n, const std::string& tag) const {
  const bool thread = suffix.starts_with("thread/");
  const std::string kind = thread ? "entity.changed" : "notification";
  const std::string payload =
      thread ? "jsonb_build_object('entity', 'wo', 'entity_id', '" + tag + "', 'action', 'updated')"
             : "jsonb_build_object('title', '" + tag + "', 'body', 'b', 'level', 'info')";
  pg.exec("SELECT realtime_emit('" + amo + "', 'amo/" + amo + "/" + suffix + "', '" + kind + "', " + payload +
          ") FROM generate_series(1, " + std::to_string(n) + ")");
}

harness::HttpResponse ShardStack::post(const std::string& path, const std::string& bearer,
                                       const std::string& body) const {
  harness::HttpClient client(service->http_port());
  harness::HttpHeaders headers;
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Connection", "close");
  return client.request("POST", path, headers, body);
}

json ShardStack::issue(const std::string& session) const {
  const auto r = post("/api/realtime/token", session);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

std::string ShardStack::service_token(const std::string& name) const {
  return harness::mint(harness::service_claims(name, "system:" + name + ":1"), keys.key());
}

int ShardStack::port_of(const std::string& broker_url) const {
  INFO(broker_url);
  for (const auto* b : {broker_a.get(), broker_b.get()}) {
    if (broker_url == "ws://127.0.0.1:" + std::to_string(b->ws_port()) + "/mqtt") return b->port();
    if (broker_url == "tcp://127.0.0.1:" + std::to_string(b->port())) return b->port();
  }
  FAIL("broker_url names neither broker");
  return 0;
}

std::unique_ptr<harness::TestClient> ShardStack::user_client(const json& answer) const {
  harness::ClientOptions o;
  o.port = port_of(answer["broker_url"].get<std::string>());
  o.client_id = answer["client_id"].get<std::string>();
  o.username = "browser";
  o.password = answer["token"].get<std::string>();
  auto c = std::make_unique<harness::TestClient>(o);
  REQUIRE(c->connect() == 0);
  return c;
}

Observer::Observer(const ShardStack& stack, const harness::Mosquitto& broker, const std::string& name) {
  harness::ClientOptions o;
  o.port = broker.port();
  o.client_id = "system:" + name + ":1";
  o.username = name;
  o.password = stack.service_token(name);
  client_ = std::make_unique<harness::TestClient>(o);
  REQUIRE(client_->connect() == 0);
  REQUIRE(client_->subscribe({"amo/#"}) == std::vector<int>{1});
}

void Observer::collect() {
  for (auto& m : client_->take_messages()) {
    // amo/<amo>/<ns>/.../events
    const auto first = m.topic.find('/');
    const auto second = m.topic.find('/', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    if (!m.topic.ends_with("/events")) continue;
    const std::string amo = m.topic.substr(first + 1, second - first - 1);
    std::string id;
    try {
      id = json::parse(m.payload).value("id", "");
    } catch (const std::exception&) {
    }
    ids_[amo].insert(id);
    messages_[amo].emplace_back(m.topic, id);
  }
}

std::size_t Observer::distinct(const std::string& amo) {
  collect();
  return ids_[amo].size();
}

std::set<std::string> Observer::ids(const std::string& amo) {
  collect();
  return ids_[amo];
}

bool Observer::wait_distinct(const std::string& amo, std::size_t n, std::chrono::milliseconds timeout) {
  return wait_until([&] { return distinct(amo) >= n; }, timeout, 50ms);
}

std::vector<std::pair<std::string, std::string>> Observer::messages(const std::string& amo) {
  collect();
  return messages_[amo];
}

std::set<std::string> written_ids(const ShardStack& stack, const std::string& amo, const std::string& topic_like) {
  pqxx::connection c(stack.pg.url());
  pqxx::nontransaction t(c);
  std::set<std::string> out;
  for (const auto& row :
       t.exec_params("SELECT event_id::text FROM realtime_outbox WHERE amo_id = $1 AND topic LIKE $2", amo, topic_like))
    out.insert(row[0].c_str());
  return out;
}

}  // namespace amo::scale_test
