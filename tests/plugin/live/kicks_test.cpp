// TICK and CONTROL on a live broker (DESIGN §3): kicks at sess_exp (durable sessions lose
// their subscriptions), sess_exp capped at max_session, revocation by user and by jti.
#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

// Seconds (wall clock, fractional) until the client is seen disconnected; -1 if not within `limit`.
double disconnected_within(TestClient& c, std::chrono::milliseconds limit) {
  const double start = now_f();
  return c.wait_disconnected(limit) ? now_f() - start : -1;
}

void sleep_until_wall(double t) {
  const double d = t - now_f();
  if (d > 0) std::this_thread::sleep_for(std::chrono::duration<double>(d));
}

}  // namespace

TEST_CASE("a session is kicked within 1 s of sess_exp (MQTT 5 and 3.1.1), and that token is refused afterwards") {
  const std::int64_t sess_exp = now_s() + 3;
  std::vector<std::unique_ptr<TestClient>> clients;
  std::vector<std::string> tokens;
  for (int version : {5, 4}) {
    const std::string cid = "sess-exp-" + std::to_string(version);
    auto c = user_claims("ivan", "acme", cid, {});
    c.sess_exp = sess_exp;
    tokens.push_back(mint(c, key()));
    clients.push_back(make_client(broker().port(), cid, tokens.back(), version));
    REQUIRE(clients.back()->connect() == 0);
  }
  sleep_until_wall(static_cast<double>(sess_exp) - 0.8);
  for (auto& c : clients) CHECK(c->connected());  // not kicked early
  sleep_until_wall(static_cast<double>(sess_exp));
  for (auto& c : clients) {
    // Kicked by sess_exp + 1 s (0.5 s of slack for a loaded machine).
    CHECK(c->wait_disconnected(std::chrono::milliseconds(1500)));
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const int version = i == 0 ? 5 : 4;
    auto again = make_client(broker().port(), "sess-exp-" + std::to_string(version), tokens[i], version);
    CHECK(again->connect() == (version == 5 ? kNotAuthorized : kV3Refused));
  }
}

TEST_CASE("a durable session (clean=false, session expiry > 0) kicked at sess_exp loses its subscriptions") {
  const int port = broker().port();
  const std::string cid = "durable-judy";
  const std::string topic = "amo/acme/user/judy/events";
  auto svc = connect_service(port, key(), "relay");
  auto durable = [&](std::optional<std::int64_t> sess_exp) {
    ClientOptions o;
    o.port = port;
    o.client_id = cid;
    auto c = user_claims("judy", "acme", cid, {});
    c.sess_exp = sess_exp;
    o.password = mint(c, key());
    o.clean = false;
    o.session_expiry = 300;
    return std::make_unique<TestClient>(o);
  };

  // Control: without a kick the stored subscription survives a disconnect and delivers again.
  // (Messages published while it is offline are not queued: the plugin's READ check has no
  // session for an offline client, so that is not what this test looks at.)
  {
    auto a = durable(std::nullopt);
    REQUIRE(a->connect() == 0);
    REQUIRE(a->subscribe({"amo/acme/user/judy/#"}, 1) == std::vector<int>{1});
    a->disconnect();
    auto b = durable(std::nullopt);
    REQUIRE(b->connect() == 0);
    REQUIRE(accepted(svc->publish(topic, R"({"n":1})", 1)));
    auto got = b->wait_messages(1, 2000ms);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == R"({"n":1})");
    b->disconnect();
  }

  const std::int64_t sess_exp = now_s() + 2;
  auto c = durable(sess_exp);
  REQUIRE(c->connect() == 0);
  REQUIRE(c->subscribe({"amo/acme/user/judy/#"}, 1) == std::vector<int>{1});
  sleep_until_wall(static_cast<double>(sess_exp));
  REQUIRE(c->wait_disconnected(1500ms));

  auto d = durable(std::nullopt);
  REQUIRE(d->connect() == 0);
  REQUIRE(accepted(svc->publish(topic, R"({"n":3})", 1)));
  const auto got = d->wait_messages(1, 1500ms);
  CHECK_MESSAGE(got.empty(), "the stored subscription survived the kick");
}

TEST_CASE("a durable service session gets the QoS 1 messages published while it was offline") {
  // The ingest and relay may keep a session across reconnects; MQTT queues QoS 1 messages for
  // it meanwhile. The READ check runs when the message is queued, with no live connection.
  const int port = broker().port();
  const std::string cid = "durable-ingest";
  auto durable = [&] {
    ClientOptions o;
    o.port = port;
    o.client_id = cid;
    o.password = mint(service_claims("ingest", cid), key());
    o.clean = false;
    o.session_expiry = 300;
    return std::make_unique<TestClient>(o);
  };
  auto a = durable();
  REQUIRE(a->connect() == 0);
  REQUIRE(a->subscribe({"amo/acme/thread/+/events"}, 1) == std::vector<int>{1});
  a->disconnect();
  auto relay = connect_service(port, key(), "relay");
  REQUIRE(accepted(relay->publish("amo/acme/thread/T1/events", R"({"offline":1})", 1)));
  auto b = durable();
  REQUIRE(b->connect() == 0);
  const auto got = b->wait_messages(1, 2000ms);
  CHECK_MESSAGE(got.size() == 1, "a QoS 1 message queued for an offline durable session was dropped");
}

TEST_CASE("sess_exp is capped at max_session") {
  Mosquitto capped(broker_options(keys(), {{"max_session", "3"}}));
  auto far = user_claims("kim", "acme", "kim-far", {});
  far.sess_exp = now_s() + 3600;
  auto absent = user_claims("kim", "acme", "kim-absent", {});
  auto a = make_client(capped.port(), far.cid, mint(far, key()));
  auto b = make_client(capped.port(), absent.cid, mint(absent, key()), 4);
  const double connected_at = now_f();
  REQUIRE(a->connect() == 0);
  REQUIRE(b->connect() == 0);
  sleep_until_wall(connected_at + 2.0);
  CHECK(a->connected());
  CHECK(b->connected());
  // Kicked at connect + 3 s, within a second (0.5 s slack); the wait covers the integer-second clock.
  sleep_until_wall(connected_at + 3.0);
  CHECK(a->wait_disconnected(2000ms));
  CHECK(b->wait_disconnected(2000ms));
  CHECK(now_f() - connected_at < 5.5);
  check_log_has_no_token(capped);
}

TEST_CASE("a revoke command kicks all of the user's sessions within 1 s; old tokens are refused, newer ones work") {
  const int port = broker().port();
  auto svc = connect_service(port, key(), "token-service");
  // The client's username is irrelevant: the plugin names the session "acme:alice".
  const std::string cid5 = "rev-alice-5", cid3 = "rev-alice-3";
  const std::string t5 = mint(user_claims("alice", "acme", cid5, {"T1"}), key());
  const std::string t3 = mint(user_claims("alice", "acme", cid3, {"T1"}), key());
  auto a5 = make_client(port, cid5, t5, 5, "evil");
  auto a3 = make_client(port, cid3, t3, 4, "acme:bob");
  REQUIRE(a5->connect() == 0);
  REQUIRE(a3->connect() == 0);
  auto bob = connect_user(port, key(), "bob", "acme", {"T1"}, 5);
  auto other_tenant_alice = connect_user(port, key(), "alice", "beta", {"T1"}, 5);

  const std::int64_t before = now_s();
  REQUIRE(accepted(svc->publish(kRevokeTopic, revoke_user_json("acme:alice", before), 1)));
  CHECK(disconnected_within(*a5, 1500ms) >= 0);
  CHECK(disconnected_within(*a3, 1500ms) >= 0);
  CHECK(bob->connected());
  CHECK(other_tenant_alice->connected());

  auto again5 = make_client(port, cid5, t5, 5);
  CHECK(again5->connect() == kNotAuthorized);
  auto again3 = make_client(port, cid3, t3, 4);
  CHECK(again3->connect() == kV3Refused);
  // A token issued after `before` is not revoked.
  auto newer = user_claims("alice", "acme", cid5, {"T1"});
  newer.iat = before + 1;
  newer.exp = newer.iat + 120;
  auto fresh = make_client(port, cid5, mint(newer, key()), 5);
  CHECK(fresh->connect() == 0);
  CHECK(bob->connected());
}

TEST_CASE("a {\"jti\"} revoke refuses that token only") {
  const int port = broker().port();
  auto svc = connect_service(port, key(), "token-service");
  auto c1 = user_claims("grace", "acme", "grace-1", {});
  auto c2 = user_claims("grace", "acme", "grace-2", {});
  const std::string t1 = mint(c1, key()), t2 = mint(c2, key());
  auto g1 = make_client(port, c1.cid, t1);
  auto g2 = make_client(port, c2.cid, t2);
  REQUIRE(g1->connect() == 0);
  REQUIRE(g2->connect() == 0);
  REQUIRE(accepted(svc->publish(kRevokeTopic, json{{"jti", c1.jti}, {"exp", c1.exp}}.dump(), 1)));
  CHECK(disconnected_within(*g1, 1500ms) >= 0);
  std::this_thread::sleep_for(300ms);
  CHECK(g2->connected());
  auto again1 = make_client(port, c1.cid, t1);
  CHECK(again1->connect() == kNotAuthorized);
  // The same user with another token still gets in, on the revoked token's client id too.
  auto g3 = make_client(port, c1.cid, mint(user_claims("grace", "acme", c1.cid, {}), key()));
  CHECK(g3->connect() == 0);
  CHECK(g2->connected());
}

TEST_CASE("users cannot revoke; malformed revoke commands change nothing") {
  const int port = broker().port();
  auto bob = connect_user(port, key(), "bob", "acme", {}, 5);
  auto mallory = connect_user(port, key(), "mallory", "acme", {}, 5);
  CHECK(mallory->publish(kRevokeTopic, revoke_user_json("acme:bob", now_s()), 1) == kNotAuthorized);
  CHECK(mallory->connected());
  for (const std::string& bad : {std::string("not json"), json{{"user", "acme:bob"}}.dump(),
                                 json{{"user", "acme/bob"}, {"before", now_s()}}.dump(),
                                 json{{"user", "acme:bob"}, {"before", "now"}}.dump(),
                                 json{{"jti", "short"}, {"exp", now_s() + 60}}.dump()}) {
    CAPTURE(bad);
    // A fresh service session per command: a refused command must not cost the sender its
    // connection (2.0.11 drops the sender when a CONTROL callback returns an error).
    auto svc = connect_service(port, key(), "token-service");
    CHECK(svc->publish(kRevokeTopic, bad, 1) >= 0);
    std::this_thread::sleep_for(200ms);
    if (!svc->connected()) {
      const std::string log = broker().log();
      MESSAGE("broker log tail: " << log.substr(log.size() > 700 ? log.size() - 700 : 0));
    }
    CHECK_MESSAGE(svc->connected(), "a malformed revoke disconnected the service that sent it");
  }
  std::this_thread::sleep_for(1000ms);
  CHECK(bob->connected());
  CHECK(mallory->connected());
}

TEST_CASE("kicks are counted in the stats document") {
  auto stats = connect_service(broker().port(), key(), "stats");
  REQUIRE(stats->subscribe({kStatsTopic}, 0) == std::vector<int>{0});
  const json doc = wait_stats(*stats, [](const json& d) {
    return count_at(d, "kicked", "expired") >= 3 && count_at(d, "kicked", "revoked") >= 3;
  });
  CAPTURE(doc.dump());
  CHECK(count_at(doc, "kicked", "expired") >= 3);  // two at sess_exp, one durable
  CHECK(count_at(doc, "kicked", "revoked") >= 3);  // two by user, one by jti
  CHECK(count_at(doc, "auth_denied", "revoked") >= 3);
  CHECK(count_at(doc, "auth_denied", "session_expired") + count_at(doc, "auth_denied", "expired") >= 2);
}

TEST_CASE("the broker log never contains a token") {
  CHECK(broker().running());
  check_log_has_no_token(broker());
}
