// The ACL table of DESIGN §3 on a live broker: SUBACK failures for every denied filter
// (MQTT 3.1.1 and 5), exact delivery of service events, inbound-only topics, no retained
// user publishes, user publishes outside the table refused.
#include <algorithm>

#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Everything that arrives within `quiet` after at least `n` messages (or the timeout).
std::vector<std::string> received_topics(TestClient& c, std::size_t n) {
  auto got = c.wait_messages(n, 3000ms);
  std::this_thread::sleep_for(300ms);
  for (auto& m : c.take_messages()) got.push_back(std::move(m));
  return sorted(topics_of(got));
}

}  // namespace

TEST_CASE("SUBACK fails for every denied filter, v5 (0x87) and v3.1.1 (0x80); allowed ones are granted") {
  const std::vector<std::string> denied = {
      "amo/beta/user/alice/#",            // cross-tenant
      "amo/beta/broadcast/#",             // cross-tenant broadcast
      "amo/beta/thread/T1/#",             // own thread id, other tenant
      "amo/acme/user/bob/#",              // cross-user
      "amo/acme/user/bob",                //
      "amo/acme/user/+/#",                // wildcard over users
      "amo/acme/user/+",                  //
      "amo/acme/+/alice/#",               //
      "amo/#",                            // wide
      "amo/acme/#",                       //
      "amo/+/user/alice/#",               // wildcard tenant
      "+/acme/user/alice/#",              //
      "#",                                //
      "+",                                //
      "amo/acme/thread/+/events",         // threads not in the token
      "amo/acme/thread/#",                //
      "amo/acme/thread/T3/#",             //
      "amo/acme/thread/T3/events",        //
      "$SYS/#",                           // $SYS
      "$SYS/broker/amo-realtime/stats",   //
      "$SYS/broker/clients/connected",    //
      "$CONTROL/#",                       //
      "$CONTROL/amo-realtime/v1/revoke",  //
      "$share/g/amo/acme/user/alice/#",   // $share, even of an own topic
      "$share/g/amo/acme/thread/T1/events",
      "amo/acme/user/alice//x",                       // empty level
      "amo/acme/user/alice/a/b/c/d/e/f/g/h/i",        // 13 levels
      "amo/acme/user/alice/" + std::string(240, 'x'),  // over 256 bytes
  };
  const std::vector<std::string> allowed = {"amo/acme/user/alice/#", "amo/acme/user/alice",
                                            "amo/acme/user/alice/events", "amo/acme/thread/T1/#",
                                            "amo/acme/thread/T2/events", "amo/acme/broadcast/#",
                                            "amo/acme/thread/T1/chat"};
  for (int version : {5, 4}) {
    CAPTURE(version);
    auto alice = connect_user(broker().port(), key(), "alice", "acme", {"T1", "T2"}, version);
    const int fail = version == 5 ? kNotAuthorized : kV3SubFail;
    for (const auto& f : denied) {
      CAPTURE(f);
      CHECK(alice->subscribe({f}, 1) == std::vector<int>{fail});
    }
    for (const auto& f : allowed) {
      CAPTURE(f);
      CHECK(alice->subscribe({f}, 1) == std::vector<int>{1});
    }
    // Several filters in one SUBSCRIBE: each gets its own answer.
    CHECK(alice->subscribe({"amo/acme/user/alice/#", "amo/acme/user/bob/#", "amo/acme/broadcast/#"}, 1) ==
          std::vector<int>{1, fail, 1});
    CHECK(alice->connected());
  }
}

TEST_CASE("a service subscribes under amo/#, $share/<g>/amo/... and $SYS/broker/amo-realtime/# only") {
  auto svc = connect_service(broker().port(), key(), "ingest");
  CHECK(svc->subscribe({"amo/#"}, 1) == std::vector<int>{1});
  CHECK(svc->subscribe({"$share/ingest/amo/+/thread/+/chat"}, 1) == std::vector<int>{1});
  CHECK(svc->subscribe({"$SYS/broker/amo-realtime/#"}, 1) == std::vector<int>{1});
  CHECK(svc->subscribe({"$SYS/#"}, 1) == std::vector<int>{kNotAuthorized});
  CHECK(svc->subscribe({"#"}, 1) == std::vector<int>{kNotAuthorized});
  CHECK(svc->subscribe({"other/topic"}, 1) == std::vector<int>{kNotAuthorized});
  CHECK(svc->subscribe({"$share/g/#"}, 1) == std::vector<int>{kNotAuthorized});
  CHECK(svc->subscribe({"$CONTROL/#"}, 1) == std::vector<int>{kNotAuthorized});
}

TEST_CASE("a service-published event reaches exactly the users it should") {
  const int port = broker().port();
  auto alice = connect_user(port, key(), "alice", "acme", {"T1"}, 5);
  auto alice3 = connect_user(port, key(), "alice", "acme", {"T1"}, 4);
  auto bob = connect_user(port, key(), "bob", "acme", {"T2"}, 5);
  auto carol = connect_user(port, key(), "carol", "beta", {"T1"}, 5);
  for (auto* c : {alice.get(), alice3.get()})
    REQUIRE(c->subscribe({"amo/acme/user/alice/#", "amo/acme/thread/T1/#", "amo/acme/broadcast/#"}, 1) ==
            std::vector<int>{1, 1, 1});
  REQUIRE(bob->subscribe({"amo/acme/user/bob/#", "amo/acme/thread/T2/#", "amo/acme/broadcast/#"}, 1) ==
          std::vector<int>{1, 1, 1});
  REQUIRE(carol->subscribe({"amo/beta/user/carol/#", "amo/beta/thread/T1/#", "amo/beta/broadcast/#"}, 1) ==
          std::vector<int>{1, 1, 1});

  auto svc = connect_service(port, key(), "relay");
  const std::string body = R"({"v":1,"kind":"notification","payload":{"title":"t","body":"b","level":"info"}})";
  for (const char* t : {"amo/acme/user/alice/events", "amo/acme/user/bob/events", "amo/acme/thread/T1/events",
                        "amo/acme/thread/T2/events", "amo/acme/broadcast/events", "amo/beta/thread/T1/events",
                        "amo/beta/broadcast/events", "amo/beta/user/alice/events",
                        // Inbound-only topics are never read by users, even from a service.
                        "amo/acme/thread/T1/chat", "amo/acme/thread/T1/read", "amo/acme/thread/T2/chat",
                        // typing is read directly.
                        "amo/acme/thread/T1/typing"}) {
    CAPTURE(t);
    REQUIRE(accepted(svc->publish(t, body, 1)));
  }
  const std::vector<std::string> alice_expect = sorted({"amo/acme/user/alice/events", "amo/acme/thread/T1/events",
                                                        "amo/acme/broadcast/events", "amo/acme/thread/T1/typing"});
  CHECK(received_topics(*alice, alice_expect.size()) == alice_expect);
  CHECK(received_topics(*alice3, alice_expect.size()) == alice_expect);
  const std::vector<std::string> bob_expect =
      sorted({"amo/acme/user/bob/events", "amo/acme/thread/T2/events", "amo/acme/broadcast/events"});
  CHECK(received_topics(*bob, bob_expect.size()) == bob_expect);
  const std::vector<std::string> carol_expect = sorted({"amo/beta/thread/T1/events", "amo/beta/broadcast/events"});
  CHECK(received_topics(*carol, carol_expect.size()) == carol_expect);
}

TEST_CASE("users publish only to their own thread chat/typing/read and cmd/replay") {
  const int port = broker().port();
  auto watcher = connect_service(port, key(), "watcher");
  REQUIRE(watcher->subscribe({"amo/#"}, 1) == std::vector<int>{1});
  auto alice = connect_user(port, key(), "alice", "acme", {"T1"}, 5);
  const std::string chat_body = chat("cmid-denied-1");
  for (const char* t : {"amo/acme/thread/T3/chat", "amo/acme/thread/T1/events", "amo/acme/user/alice/events",
                        "amo/acme/user/bob/cmd/replay", "amo/acme/broadcast/events", "amo/beta/thread/T1/chat",
                        "other/topic", "$SYS/broker/amo-realtime/stats"}) {
    CAPTURE(t);
    CHECK(alice->publish(t, chat_body, 1) == kNotAuthorized);
  }
  // QoS 2 is not for users.
  CHECK(alice->publish("amo/acme/thread/T1/chat", chat_body, 2) >= 0x80);
  // The positive case: the same body to the own thread's chat is accepted and seen by the service.
  CHECK(accepted(alice->publish("amo/acme/thread/T1/chat", chat_body, 1)));
  const auto got = watcher->wait_messages(1, 3000ms);
  std::this_thread::sleep_for(300ms);
  auto all = got;
  for (auto& m : watcher->take_messages()) all.push_back(m);
  CHECK(topics_of(all) == std::vector<std::string>{"amo/acme/thread/T1/chat"});
  CHECK(alice->connected());
}

TEST_CASE("retained publishes by users are not stored") {
  const int port = broker().port();
  auto alice = connect_user(port, key(), "alice", "acme", {"T1"}, 5);
  auto alice3 = connect_user(port, key(), "alice", "acme", {"T1"}, 4);
  CHECK(alice->publish("amo/acme/thread/T1/typing", typing("start"), 1, true) == kNotAuthorized);
  CHECK(accepted(alice3->publish("amo/acme/thread/T1/typing", typing("stop"), 1, true)));  // v3: no feedback
  CHECK(alice->publish("amo/acme/thread/T1/chat", chat("retained-chat-1"), 1, true) == kNotAuthorized);

  // A service's retained event is stored (the broker does retain), the users' were not.
  auto svc = connect_service(port, key(), "relay-retain");
  REQUIRE(accepted(svc->publish("amo/acme/thread/T1/events", R"({"marker":1})", 1, true)));

  auto later = connect_user(port, key(), "alice", "acme", {"T1"}, 5);
  REQUIRE(later->subscribe({"amo/acme/thread/T1/#"}, 1) == std::vector<int>{1});
  auto later_svc = connect_service(port, key(), "late-ingest");
  REQUIRE(later_svc->subscribe({"amo/acme/thread/T1/#"}, 1) == std::vector<int>{1});
  for (auto* c : {later.get(), later_svc.get()}) {
    auto got = c->wait_messages(2, 1500ms);
    REQUIRE(got.size() == 1);
    CHECK(got[0].topic == "amo/acme/thread/T1/events");
    CHECK(got[0].retained);
  }
  REQUIRE(accepted(svc->publish("amo/acme/thread/T1/events", "", 1, true)));  // clear
}

TEST_CASE("the broker log never contains a token") {
  CHECK(broker().running());
  check_log_has_no_token(broker());
}
