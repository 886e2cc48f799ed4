// SIGHUP with offline sessions on a live broker (DESIGN §3): 2.0.11 re-runs BASIC_AUTH for
// every client it keeps, offline durable sessions included. Those are re-checked where they
// are: they stay offline, are not counted against the caps again and are not audited again as
// connects; a session the plugin does not track stays untracked.
#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

std::unique_ptr<TestClient> session(int port, const std::string& sub, const std::string& cid, int version, bool clean,
                                    int session_expiry) {
  ClientOptions o;
  o.port = port;
  o.client_id = cid;
  o.password = mint(user_claims(sub, "acme", cid, {"T1"}), key());
  o.mqtt_version = version;
  o.clean = clean;
  o.session_expiry = session_expiry;
  return std::make_unique<TestClient>(o);
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("offline sessions stay offline across SIGHUP: not counted against the cap, not audited again") {
  Mosquitto b(broker_options(keys(), {{"max_conn_per_user", "1"}}));
  const int port = b.port();
  struct Offline {
    std::string sub, cid;
    int version;
    bool clean;
    int session_expiry;
  };
  // Durable for the plugin (MQTT 5 clean start false, MQTT 3.1.1 clean session false), and an
  // MQTT 5 clean start with a session expiry: the broker keeps that one, the plugin does not.
  const std::vector<Offline> offline = {{"sam", "sam-durable-5", 5, false, 3600},
                                        {"sue", "sue-durable-3", 4, false, 0},
                                        {"sid", "sid-clean-expiry-5", 5, true, 3600}};
  for (const auto& o : offline) {
    auto c = session(port, o.sub, o.cid, o.version, o.clean, o.session_expiry);
    REQUIRE(c->connect() == 0);
    REQUIRE(c->subscribe({"amo/acme/user/" + o.sub + "/#"}, 1) == std::vector<int>{1});
    c->disconnect();
  }
  // Each user's one slot is free again: their sessions are offline.
  for (const auto& o : offline) {
    auto probe = session(port, o.sub, o.sub + "-probe-before", 5, true, 0);
    REQUIRE(probe->connect() == 0);
    probe->disconnect();
  }

  b.sighup();
  REQUIRE(b.wait_log("Reloading config", 5000ms));
  for (const auto& o : offline) {
    CAPTURE(o.cid);
    auto probe = session(port, o.sub, o.sub + "-probe-after", 5, true, 0);
    CHECK_MESSAGE(probe->connect() == 0, "SIGHUP brought an offline session back as a live one");
    CHECK(count_of(b.log(), "event=connect amo=acme user=" + o.sub + " cid=" + o.cid + " ") == 1);
  }

  // The durable sessions are still the broker's: back with a fresh token, the stored
  // subscription delivers again.
  auto relay = connect_service(port, key(), "relay");
  for (const auto& o : offline) {
    if (o.clean) continue;
    CAPTURE(o.cid);
    auto back = session(port, o.sub, o.cid, o.version, false, o.session_expiry);
    REQUIRE(back->connect() == 0);
    REQUIRE(accepted(relay->publish("amo/acme/user/" + o.sub + "/events", R"({"n":1})", 1)));
    const auto got = back->wait_messages(1, 3000ms);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == R"({"n":1})");
  }
  check_log_has_no_token(b);
}
