#pragma once
// Shared helpers for the live-broker plugin tests: keys and a JWKS file, token minting (every
// token is remembered so the broker log can be searched for it), broker options, clients,
// the stats document.
#include <doctest/doctest.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/token/claims.h"
#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/mqtt_client.h"
#include "tests/harness/temp_dir.h"

namespace amo::live {

using namespace std::chrono_literals;
using harness::ClientOptions;
using harness::Mosquitto;
using harness::TestClient;
using json = nlohmann::json;

using harness::kIssuer;
using harness::KeyFile;
using harness::now_s;
using harness::service_claims;
using harness::user_claims;
inline constexpr const char* kStatsTopic = "$SYS/broker/amo-realtime/stats";
inline constexpr const char* kRevokeTopic = "$CONTROL/amo-realtime/v1/revoke";
inline constexpr int kNotAuthorized = 0x87;  // v5 CONNACK/PUBACK/SUBACK
inline constexpr int kV3Refused = 5;         // v3.1.1 CONNACK "not authorized"
inline constexpr int kV3SubFail = 0x80;      // v3.1.1 SUBACK failure

// A PUBACK that let the message through: 0, or 0x10 "no matching subscribers" (MQTT 5).
inline bool accepted(int puback) { return puback == 0 || puback == 0x10; }

inline double now_f() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Every token a test produced, so the log check can look for each one.
inline std::vector<std::string>& minted() {
  static std::vector<std::string> all;
  return all;
}

inline std::string remember(std::string token) {
  minted().push_back(token);
  return token;
}

inline std::string mint(const token::Claims& c, const token::Key& key) {
  return remember(harness::mint(c, key));
}

inline Mosquitto::Options broker_options(const KeyFile& keys,
                                         std::vector<std::pair<std::string, std::string>> extra = {}) {
  Mosquitto::Options o;
  o.websockets = false;
  o.plugin_path = AMO_PLUGIN_PATH;
  o.plugin_opts = {{"jwks_file", keys.path()}, {"issuer", kIssuer}, {"stats_interval", "1"}};
  for (auto& kv : extra) o.plugin_opts.push_back(std::move(kv));
  return o;
}

inline std::unique_ptr<TestClient> make_client(int port, std::string cid, std::string password, int version = 5,
                                               std::string username = "u") {
  ClientOptions o;
  o.port = port;
  o.client_id = std::move(cid);
  o.password = std::move(password);
  o.username = std::move(username);
  o.mqtt_version = version;
  o.timeout = 5000ms;
  return std::make_unique<TestClient>(o);
}

// A connected client for a fresh user token; REQUIREs the connect to succeed.
inline std::unique_ptr<TestClient> connect_user(int port, const token::Key& key, const std::string& sub,
                                                const std::string& amo, std::vector<std::string> threads,
                                                int version = 5, std::string cid = {}) {
  if (cid.empty()) cid = amo + "-" + sub + "-" + std::to_string(version) + "-" + token::new_jti().substr(0, 6);
  auto c = make_client(port, cid, mint(user_claims(sub, amo, cid, std::move(threads)), key), version);
  REQUIRE(c->connect() == 0);
  return c;
}

inline std::unique_ptr<TestClient> connect_service(int port, const token::Key& key, const std::string& name) {
  const std::string cid = name + "-" + token::new_jti().substr(0, 6);
  auto c = make_client(port, cid, mint(service_claims(name, cid), key));
  REQUIRE(c->connect() == 0);
  return c;
}

// Latest stats documents until one satisfies `pred` (or the timeout); the last one seen.
inline json wait_stats(TestClient& stats_sub, const std::function<bool(const json&)>& pred,
                       std::chrono::milliseconds timeout = 4000ms) {
  json last;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& m : stats_sub.wait_messages(1, 300ms)) {
      if (m.topic != kStatsTopic) continue;
      last = json::parse(m.payload, nullptr, false);
      if (!last.is_discarded() && pred(last)) return last;
    }
  }
  return last;
}

inline std::int64_t count_at(const json& doc, const std::string& group, const std::string& key) {
  if (!doc.is_object() || !doc.contains(group) || !doc[group].is_object() || !doc[group].contains(key)) return 0;
  return doc[group][key].get<std::int64_t>();
}

// The broker log holds none of the tokens this process minted (nor their signature part).
inline void check_log_has_no_token(const Mosquitto& broker) {
  const std::string log = broker.log();
  REQUIRE_FALSE(log.empty());
  for (const auto& t : minted()) {
    const auto dot = t.rfind('.');
    CHECK_MESSAGE(log.find(t) == std::string::npos, "token in broker log");
    if (dot != std::string::npos && t.size() - dot > 16) {
      CHECK_MESSAGE(log.find(t.substr(dot + 1)) == std::string::npos, "token signature in broker log");
    }
  }
}

inline std::string revoke_user_json(const std::string& user_key, std::int64_t before) {
  return json{{"user", user_key}, {"before", before}}.dump();
}

// UUIDv5 in the RFC 4122 URL namespace, computed here independently of core/envelope.
inline std::string uuid_v5_url(std::string_view name) {
  const unsigned char ns[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  std::string input(reinterpret_cast<const char*>(ns), 16);
  input.append(name);
  unsigned char h[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), h);
  h[6] = static_cast<unsigned char>((h[6] & 0x0f) | 0x50);
  h[8] = static_cast<unsigned char>((h[8] & 0x3f) | 0x80);
  std::string out;
  char buf[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(buf, sizeof buf, "%02x", h[i]);
    out += buf;
  }
  return out;
}

inline std::string chat(const std::string& client_msg_id, const std::string& text = "hi") {
  return json{{"v", 1}, {"kind", "chat.message"}, {"client_msg_id", client_msg_id}, {"payload", {{"text", text}}}}
      .dump();
}

inline std::string typing(const std::string& state = "start") {
  return json{{"v", 1}, {"kind", "chat.typing"}, {"payload", {{"state", state}}}}.dump();
}

// Topics of what arrived, for exact-set comparisons.
inline std::vector<std::string> topics_of(const std::vector<TestClient::Received>& ms) {
  std::vector<std::string> t;
  for (const auto& m : ms) t.push_back(m.topic);
  return t;
}

// One key file and one broker with default options per test executable, started on first
// use and shared by its test cases (option-specific cases start their own).
inline KeyFile& keys() {
  static KeyFile k;
  return k;
}
inline Mosquitto& broker() {
  static Mosquitto b(broker_options(keys()));
  return b;
}
inline const token::Key& key() { return keys().key(0); }

}  // namespace amo::live
