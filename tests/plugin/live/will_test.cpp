// Wills on a live broker (DESIGN §3): 2.0.11 publishes a Will with only a WRITE check, after
// the DISCONNECT event and without MESSAGE, so nothing would validate or stamp it. A user's
// Will never reaches anyone: not from a durable session (MQTT 3.1.1 clean session false, MQTT 5
// clean start false with a session expiry), not from a clean one.
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>

#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

struct WillClient {
  std::string cid;
  int version = 5;
  bool durable = true;
  std::string will_topic, will_payload;
};

// Connects with a Will, then drops the TCP connection without DISCONNECT, as a crashed client
// does; returns the CONNACK code (negative: none arrived). Plain libmosquitto, because the
// harness client always disconnects cleanly.
int connect_then_drop(int port, const WillClient& w, const std::string& token) {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
  struct Connack {
    std::atomic<int> rc{-1};
  } connack;
  mosquitto* m = mosquitto_new(w.cid.c_str(), !w.durable, &connack);
  REQUIRE(m != nullptr);
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, w.version);
  mosquitto_connect_v5_callback_set(m, [](mosquitto*, void* obj, int rc, int, const mosquitto_property*) {
    static_cast<Connack*>(obj)->rc = rc;
  });
  mosquitto_username_pw_set(m, "u", token.c_str());
  REQUIRE(mosquitto_will_set_v5(m, w.will_topic.c_str(), static_cast<int>(w.will_payload.size()),
                                w.will_payload.data(), 1, false, nullptr) == MOSQ_ERR_SUCCESS);
  mosquitto_property* props = nullptr;
  if (w.version == 5 && w.durable) mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 3600);
  int rc = mosquitto_connect_bind_v5(m, "127.0.0.1", port, 60, nullptr, props);
  mosquitto_property_free_all(&props);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (rc == MOSQ_ERR_SUCCESS && connack.rc < 0 && std::chrono::steady_clock::now() < deadline)
    rc = mosquitto_loop(m, 50, 1);
  const int result = connack.rc;
  ::shutdown(mosquitto_socket(m), SHUT_RDWR);
  mosquitto_destroy(m);
  return result;
}

bool forged(const TestClient::Received& m) { return m.payload.find("forged") != std::string::npos; }

}  // namespace

TEST_CASE("a user's Will never reaches a subscriber: durable and clean sessions, MQTT 5 and 3.1.1") {
  const int port = broker().port();
  auto ingest = connect_service(port, key(), "ingest");
  REQUIRE(ingest->subscribe({"amo/acme/#"}, 1) == std::vector<int>{1});
  auto erin = connect_user(port, key(), "erin", "acme", {"TW"}, 5);
  REQUIRE(erin->subscribe({"amo/acme/thread/TW/typing"}, 1) == std::vector<int>{1});

  const json forged_chat{{"v", 1},           {"kind", "chat.message"}, {"client_msg_id", "cmid-forged-01"},
                         {"sender", "alice"}, {"seq", 5},               {"id", "00000000-0000-4000-8000-000000000000"},
                         {"payload", {{"text", "forged"}}}};
  const json forged_typing{{"v", 1}, {"kind", "chat.typing"}, {"sender", "alice"}, {"payload", {{"state", "forged"}}}};
  const json forged_replay{{"v", 1}, {"kind", "replay.request"}, {"threads", {"T-secret"}}, {"payload", {{"forged", 0}}}};
  std::vector<WillClient> wills;
  for (int version : {5, 4}) {
    const std::string v = std::to_string(version);
    wills.push_back({"will-chat-" + v, version, true, "amo/acme/thread/TW/chat", forged_chat.dump()});
    wills.push_back({"will-typing-" + v, version, true, "amo/acme/thread/TW/typing", forged_typing.dump()});
    wills.push_back({"will-replay-" + v, version, true, "amo/acme/user/mallory/cmd/replay", forged_replay.dump()});
    wills.push_back({"will-clean-" + v, version, false, "amo/acme/thread/TW/typing", forged_typing.dump()});
  }
  for (const auto& w : wills) {
    CAPTURE(w.cid);
    const std::string token = mint(user_claims("mallory", "acme", w.cid, {"TW"}), key());
    REQUIRE(connect_then_drop(port, w, token) == 0);
    // The broker logs this line and sends (or drops) the Will in the same step.
    REQUIRE(broker().wait_log("Client " + w.cid + " closed its connection.", 5000ms));
  }

  // Published after every Will was handled: whatever a Will delivered arrives before it.
  REQUIRE(accepted(ingest->publish("amo/acme/thread/TW/typing", R"({"marker":1})", 1)));
  for (TestClient* sub : {ingest.get(), erin.get()}) {
    std::vector<TestClient::Received> got;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline &&
           (got.empty() || got.back().payload != R"({"marker":1})")) {
      for (auto& m : sub->wait_messages(1, 200ms)) got.push_back(std::move(m));
    }
    REQUIRE_FALSE(got.empty());
    CHECK(got.back().payload == R"({"marker":1})");
    for (const auto& m : got) CHECK_MESSAGE(!forged(m), "a Will was delivered on " << m.topic << ": " << m.payload);
  }
  CHECK(ingest->connected());
  CHECK(erin->connected());
}

TEST_CASE("the broker log never contains a token") {
  CHECK(broker().running());
  check_log_has_no_token(broker());
}
