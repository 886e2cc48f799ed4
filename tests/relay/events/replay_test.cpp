// MQTT replay (DESIGN §6) through the real broker and plugin: a user's replay.request gets
// the missed envelopes of its scope in seq order (at most 500), then replay.done, all with
// the request's correlation data; a bad cursor gets reset; the threads come from the token.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/harness/mqtt_client.h"
#include "tests/relay/events/events_fixture.h"

using namespace amo::drain_test;
using namespace amo::events_test;
using namespace amo::harness;
using json = nlohmann::json;

namespace {

std::unique_ptr<TestClient> user_client(const Stack& stack, const std::string& amo, const std::string& sub,
                                        std::vector<std::string> threads) {
  const std::string cid = "c-" + sub + "-replay";
  auto claims = user_claims(sub, amo, cid, std::move(threads));
  auto c = std::make_unique<TestClient>(ClientOptions{
      .port = stack.broker->port(), .client_id = cid, .username = sub, .password = mint(claims, stack.keys.key())});
  REQUIRE(c->connect() == 0);
  REQUIRE(c->subscribe({"amo/" + amo + "/user/" + sub + "/replay"}) == std::vector<int>{1});
  return c;
}

std::string request(long after) {
  return "{\"v\":1,\"kind\":\"replay.request\",\"client_msg_id\":\"replay-0001\",\"payload\":{\"after\":" +
         std::to_string(after) + "}}";
}

// Everything up to and including the replay.done (or reset) of one answer.
std::vector<json> answer(TestClient& c) {
  std::vector<json> out;
  while (true) {
    auto got = c.wait_messages(1, 10s);
    REQUIRE(!got.empty());
    for (auto& m : got) {
      CHECK(m.correlation_data == "tab-1");
      out.push_back(json::parse(m.payload));
      if (out.back()["kind"] == "replay.done" || out.back()["kind"] == "reset") return out;
    }
  }
}

}  // namespace

TEST_CASE("replay answers the missed envelopes of the token's scope, then replay.done, with the correlation data") {
  Stack stack;
  auto relay = stack.start_relay();
  emit_to(stack, "T01", "broadcast/events", 2, "b");
  emit_to(stack, "T01", "thread/TH1/events", 2, "th1");
  emit_to(stack, "T01", "thread/TH2/events", 2, "th2");
  emit_to(stack, "T01", "user/bob/events", 2, "bobs");
  emit_to(stack, "T02", "user/alice/events", 2, "other-tenant");
  wait_claimed(stack);
  REQUIRE(wait_until([&] { return metric(*relay, "amo_mqtt_up") == 1; }, 10s));
  auto alice = user_client(stack, "T01", "alice", {"TH1"});
  alice->take_messages();

  REQUIRE(alice->publish("amo/T01/user/alice/cmd/replay", request(0), 1, false, {}, "tab-1") == 0);
  auto got = answer(*alice);
  REQUIRE(got.size() == 5);  // 2 broadcast + 2 TH1, then done
  long last = 0;
  for (std::size_t i = 0; i + 1 < got.size(); ++i) {
    CHECK(got[i]["amo"] == "T01");
    CHECK(got[i]["seq"].get<long>() > last);
    last = got[i]["seq"].get<long>();
    CHECK(got[i].value("thread", "TH1") == "TH1");
  }
  CHECK(got.back()["kind"] == "replay.done");
  CHECK(got.back()["payload"]["last"] == latest(stack, "T01"));

  // A cursor ahead of the tenant: reset with the latest seq.
  REQUIRE(alice->publish("amo/T01/user/alice/cmd/replay", request(99999), 1, false, {}, "tab-1") == 0);
  auto reset = answer(*alice);
  REQUIRE(reset.size() == 1);
  CHECK(reset[0]["kind"] == "reset");
  CHECK(reset[0]["payload"]["latest"] == latest(stack, "T01"));
}

TEST_CASE("at most 500 per answer; asking again from `last` gets the rest") {
  Stack stack;
  auto relay = stack.start_relay();
  emit_to(stack, "T01", "broadcast/events", 620);
  wait_claimed(stack);
  REQUIRE(wait_until([&] { return metric(*relay, "amo_mqtt_up") == 1; }, 10s));
  auto alice = user_client(stack, "T01", "alice", {});
  REQUIRE(alice->publish("amo/T01/user/alice/cmd/replay", request(0), 1, false, {}, "tab-1") == 0);
  auto first = answer(*alice);
  REQUIRE(first.size() == 501);
  CHECK(first.back()["payload"]["last"] == 500);
  REQUIRE(alice->publish("amo/T01/user/alice/cmd/replay", request(500), 1, false, {}, "tab-1") == 0);
  auto second = answer(*alice);
  REQUIRE(second.size() == 121);
  CHECK(second.front()["seq"] == 501);
  CHECK(second.back()["payload"]["last"] == 620);
}
