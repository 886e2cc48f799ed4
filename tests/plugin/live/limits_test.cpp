// Connection caps and publish rate limits on a live broker (DESIGN §3): per-user and
// per-tenant caps (0x87 / 5 in 2.0.11, counted as user_cap / tenant_cap), same-client-id
// reconnects not counted twice, rate drops and the abuse kick (no reset by reconnecting);
// services are exempt.
#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

Mosquitto& limits_broker() {
  static Mosquitto b(broker_options(keys(), {{"max_conn_per_user", "2"},
                                             {"max_conn_per_tenant", "3"},
                                             {"publish_rate", "2"},
                                             {"publish_burst", "3"}}));
  return b;
}

std::unique_ptr<TestClient> user(const std::string& sub, const std::string& amo, const std::string& cid,
                                 int version = 5) {
  return make_client(limits_broker().port(), cid, mint(user_claims(sub, amo, cid, {"T1"}), key()), version);
}

}  // namespace

TEST_CASE("the per-user cap holds; refused connects and same-client-id reconnects do not skew the count") {
  auto stats = connect_service(limits_broker().port(), key(), "stats");
  REQUIRE(stats->subscribe({kStatsTopic}, 0) == std::vector<int>{0});
  auto h1 = user("hank", "ua", "hank-1");
  auto h2 = user("hank", "ua", "hank-2", 4);
  REQUIRE(h1->connect() == 0);
  REQUIRE(h2->connect() == 0);
  auto h3 = user("hank", "ua", "hank-3");
  CHECK(h3->connect() == kNotAuthorized);
  auto h3v3 = user("hank", "ua", "hank-3", 4);
  CHECK(h3v3->connect() == kV3Refused);
  CHECK(h1->connected());
  CHECK(h2->connected());

  // Same client id again: replaces the old session, not a third one.
  auto h2b = user("hank", "ua", "hank-2");
  CHECK(h2b->connect() == 0);
  CHECK(h2->wait_disconnected(3000ms));
  CHECK(h1->connected());
  // Still two live sessions (h1, h2b): a new client id is refused...
  auto h4 = user("hank", "ua", "hank-4");
  CHECK(h4->connect() == kNotAuthorized);
  // ...and one free slot appears when one leaves, exactly one.
  h1->disconnect();
  std::this_thread::sleep_for(200ms);
  auto h5 = user("hank", "ua", "hank-5");
  CHECK(h5->connect() == 0);
  auto h6 = user("hank", "ua", "hank-6");
  CHECK(h6->connect() == kNotAuthorized);

  const json doc = wait_stats(*stats, [](const json& d) { return count_at(d, "auth_denied", "user_cap") >= 4; });
  CAPTURE(doc.dump());
  CHECK(count_at(doc, "auth_denied", "user_cap") >= 4);
}

TEST_CASE("the per-tenant cap holds, is per tenant, and a same-client-id reconnect is not counted twice") {
  auto stats = connect_service(limits_broker().port(), key(), "stats");
  REQUIRE(stats->subscribe({kStatsTopic}, 0) == std::vector<int>{0});
  auto a = user("u1", "tb", "tb-u1");
  auto b = user("u2", "tb", "tb-u2", 4);
  auto c = user("u3", "tb", "tb-u3");
  REQUIRE(a->connect() == 0);
  REQUIRE(b->connect() == 0);
  REQUIRE(c->connect() == 0);
  auto d = user("u4", "tb", "tb-u4");
  CHECK(d->connect() == kNotAuthorized);
  auto d3 = user("u4", "tb", "tb-u4", 4);
  CHECK(d3->connect() == kV3Refused);
  // Another tenant is not affected, nor are services.
  auto other = user("u4", "tc", "tc-u4");
  CHECK(other->connect() == 0);
  auto svc = connect_service(limits_broker().port(), key(), "relay");
  CHECK(svc->connected());
  // At the cap, u1 reconnecting with its own client id is a replacement.
  auto a2 = user("u1", "tb", "tb-u1");
  CHECK(a2->connect() == 0);
  CHECK(a->wait_disconnected(3000ms));
  auto d4 = user("u4", "tb", "tb-u4");
  CHECK(d4->connect() == kNotAuthorized);
  CHECK(b->connected());
  CHECK(c->connected());

  const json doc = wait_stats(*stats, [](const json& x) { return count_at(x, "auth_denied", "tenant_cap") >= 3; });
  CAPTURE(doc.dump());
  CHECK(count_at(doc, "auth_denied", "tenant_cap") >= 3);
}

TEST_CASE("the publish rate limit drops the excess and sustained abuse gets the client kicked") {
  auto ingest = connect_service(limits_broker().port(), key(), "ingest");
  REQUIRE(ingest->subscribe({"amo/+/thread/+/typing"}, 1) == std::vector<int>{1});
  auto stats = connect_service(limits_broker().port(), key(), "stats");
  REQUIRE(stats->subscribe({kStatsTopic}, 0) == std::vector<int>{0});
  auto rita = user("rita", "rd", "rita-1");
  REQUIRE(rita->connect() == 0);

  int passed = 0, refused = 0;
  for (int i = 0; i < 30 && rita->connected(); ++i) {
    const int rc = rita->publish("amo/rd/thread/T1/typing", typing(), 1);
    if (rc == 0) ++passed;
    if (rc == kNotAuthorized) ++refused;
    if (rc < 0) break;
  }
  CHECK(passed >= 3);  // the burst
  CHECK(passed <= 5);  // not much more than the burst (2/s refill during the loop)
  CHECK(refused >= 1);
  CHECK(rita->wait_disconnected(1500ms));  // kicked for abuse

  std::this_thread::sleep_for(300ms);
  const auto delivered = ingest->take_messages();
  CHECK(static_cast<int>(delivered.size()) == passed);

  const json doc = wait_stats(*stats, [](const json& d) {
    return d.value("rate_dropped", std::int64_t{0}) >= 1 && count_at(d, "kicked", "abuse") >= 1;
  });
  CAPTURE(doc.dump());
  CHECK(doc.value("rate_dropped", std::int64_t{0}) >= 1);
  CHECK(count_at(doc, "kicked", "abuse") == 1);
}

TEST_CASE("after an abuse kick, reconnecting (same or another client id) does not refill the user's bucket") {
  auto ingest = connect_service(limits_broker().port(), key(), "ingest");
  REQUIRE(ingest->subscribe({"amo/+/thread/+/typing"}, 1) == std::vector<int>{1});
  auto rob = user("rob", "rf", "rob-1");
  REQUIRE(rob->connect() == 0);
  for (int i = 0; i < 30 && rob->connected(); ++i) {
    if (rob->publish("amo/rf/thread/T1/typing", typing(), 1) < 0) break;
  }
  REQUIRE(rob->wait_disconnected(3000ms));  // kicked for abuse
  std::this_thread::sleep_for(300ms);
  const std::size_t passed = ingest->take_messages().size();

  // The cooldown is RateLimit::kAbuseCooldownNs (10 s); all of this takes a fraction of it.
  for (const std::string cid : {"rob-1", "rob-2"}) {
    CAPTURE(cid);
    auto again = user("rob", "rf", cid);
    REQUIRE(again->connect() == 0);
    CHECK(again->publish("amo/rf/thread/T1/typing", typing(), 1) == kNotAuthorized);
    CHECK(again->connected());  // dropped, not kicked again for one publish
  }
  auto other = user("ron", "rf", "ron-1");
  REQUIRE(other->connect() == 0);
  CHECK(accepted(other->publish("amo/rf/thread/T1/typing", typing(), 1)));
  const auto got = ingest->wait_messages(1, 3000ms);
  CHECK(got.size() == 1);
  CHECK(passed >= 3);  // rob's burst went through before the kick
}

TEST_CASE("a publisher within the rate is never dropped; services are not rate limited") {
  auto ingest = connect_service(limits_broker().port(), key(), "ingest");
  REQUIRE(ingest->subscribe({"amo/+/thread/+/typing"}, 1) == std::vector<int>{1});
  auto sam = user("sam", "re", "sam-1");
  REQUIRE(sam->connect() == 0);
  for (int i = 0; i < 4; ++i) {
    CHECK(accepted(sam->publish("amo/re/thread/T1/typing", typing(), 1)));
    std::this_thread::sleep_for(600ms);  // 2/s allowed
  }
  auto svc = connect_service(limits_broker().port(), key(), "relay");
  for (int i = 0; i < 30; ++i) CHECK(accepted(svc->publish("amo/re/thread/T1/typing", typing(), 1)));
  const auto got = ingest->wait_messages(34, 3000ms);
  CHECK(got.size() == 34);
  CHECK(sam->connected());
  CHECK(svc->connected());
}

TEST_CASE("the broker log never contains a token") {
  CHECK(limits_broker().running());
  check_log_has_no_token(limits_broker());
}
