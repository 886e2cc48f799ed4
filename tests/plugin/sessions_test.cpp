#include <doctest/doctest.h>

#include "plugin/sessions.h"

using namespace amo::plugin;
using amo::stats::ConnectStatus;

namespace {
int clients[16];
Session make(int client, std::string cid, std::string amo, std::string sub, std::int64_t sess_exp = 0,
             amo::Role role = amo::Role::user) {
  Session s{&clients[client], cid, Session::identity(amo, sub, "jti-" + cid), {}, 100, 200, sess_exp, RateLimit({20, 40}, 0),
            role};
  return s;
}
}  // namespace

TEST_CASE("caps count users and tenants; a same-cid reconnect is not counted twice") {
  SessionTable t;
  CHECK(t.admit("c1", "A:u", 2, 3) == ConnectStatus::ok);
  t.add(make(0, "c1", "A", "u"));
  t.add(make(1, "c2", "A", "u"));
  CHECK(t.admit("c3", "A:u", 2, 3) == ConnectStatus::user_cap);
  CHECK(t.admit("c1", "A:u", 2, 3) == ConnectStatus::ok);  // takeover of c1
  t.add(make(2, "c1", "A", "u"));                                // replaces client 0
  CHECK(t.size() == 2);
  CHECK(t.find(&clients[0]) == nullptr);
  CHECK(t.find(&clients[2]) != nullptr);
  t.add(make(3, "c4", "A", "v"));
  CHECK(t.admit("c5", "A:w", 2, 3) == ConnectStatus::tenant_cap);
  CHECK(t.admit("c5", "B:w", 2, 3) == ConnectStatus::ok);
  CHECK(t.admit("c4", "A:u", 9, 9) == ConnectStatus::client_id_in_use);
}

TEST_CASE("disconnect of a replaced client changes nothing; of the current one frees its slot") {
  SessionTable t;
  t.add(make(0, "c1", "A", "u"));
  t.add(make(1, "c1", "A", "u"));
  t.remove(&clients[0]);  // the old connection's DISCONNECT after the takeover
  CHECK(t.size() == 1);
  CHECK(t.admit("c2", "A:u", 2, 10) == ConnectStatus::ok);
  t.remove(&clients[1]);
  CHECK(t.size() == 0);
  t.remove(&clients[7]);  // never admitted (auth failed): nothing to decrement
  CHECK(t.admit("c2", "A:u", 1, 1) == ConnectStatus::ok);
}

TEST_CASE("services are not counted against caps") {
  SessionTable t;
  t.add(make(0, "relay", "system", "amo-relay", 0, amo::Role::service));
  CHECK(t.admit("c1", "system:x", 1, 1) == ConnectStatus::ok);
}

TEST_CASE("expired() yields sessions due until they close, skipping replaced ones") {
  SessionTable t;
  t.add(make(0, "c1", "A", "u", 150));
  t.add(make(1, "c2", "A", "u", 120));
  t.add(make(2, "c2", "A", "u", 300));  // replaced c2: its 120 is gone with it
  CHECK(t.expired(100).empty());
  auto due = t.expired(160);
  REQUIRE(due.size() == 1);
  CHECK(due[0]->cid == "c1");
  CHECK(due[0]->amo() == "A");
  CHECK(due[0]->sub() == "u");
  CHECK(due[0]->user_key() == "A:u");
  CHECK(due[0]->jti() == "jti-c1");
  due[0]->closing = true;  // what the plugin does before kicking
  CHECK(t.expired(160).empty());
  CHECK(t.expired(300).size() == 1);
}

TEST_CASE("of_user and with_jti find live sessions") {
  SessionTable t;
  t.add(make(0, "c1", "A", "u"));
  t.add(make(1, "c2", "A", "u"));
  t.add(make(2, "c3", "A", "v"));
  CHECK(t.of_user("A:u").size() == 2);
  CHECK(t.with_jti("jti-c3").size() == 1);
  CHECK(t.with_jti("nope").empty());
}

TEST_CASE("an offline durable session keeps its identity but frees its cap slot") {
  SessionTable t;
  t.add(make(0, "c1", "A", "u"));
  t.set_offline(&clients[0]);
  REQUIRE(t.find(&clients[0]) != nullptr);
  CHECK_FALSE(t.find(&clients[0])->online);
  CHECK(t.admit("c2", "A:u", 1, 1) == ConnectStatus::ok);
  CHECK(t.admit("c1", "A:v", 9, 9) == ConnectStatus::client_id_in_use);
  t.add(make(1, "c1", "A", "u"));  // the client comes back: its new connection takes over
  CHECK(t.find(&clients[0]) == nullptr);
  CHECK(t.admit("c2", "A:u", 1, 9) == ConnectStatus::user_cap);
  t.remove(&clients[1]);
  CHECK(t.admit("c2", "A:u", 1, 1) == ConnectStatus::ok);
}

TEST_CASE("an offline service session is reported at its token's exp") {
  SessionTable t;
  t.add(make(0, "svc", "system", "relay", 0, amo::Role::service));  // exp 200
  CHECK(t.expired(500).empty());  // online services never expire here
  t.set_offline(&clients[0]);
  CHECK(t.expired(199).empty());
  CHECK(t.expired(200).size() == 1);
}

TEST_CASE("a user's bucket follows its cid: a replacing session, then a session that left, hand it on") {
  SessionTable t;
  const RateLimit::Limits limits{20, 40};
  Session first = make(0, "c1", "A", "u");
  first.rate.cool_down(limits, 0, 5'000'000'000);  // an emptied bucket, told apart from a fresh one
  t.add(std::move(first));
  auto handed = t.rate_for("c1", "A:u");  // the takeover case: the live session's bucket
  REQUIRE(handed.has_value());
  CHECK(handed->take(limits, 1) == RateLimit::Verdict::drop);
  CHECK_FALSE(t.rate_for("c1", "A:v").has_value());  // never another user's
  t.remove(&clients[0]);
  CHECK_FALSE(t.rate_for("c1", "B:u").has_value());  // another user's ask drops it
  Session again = make(1, "c2", "A", "u");
  again.rate.cool_down(limits, 0, 5'000'000'000);
  t.add(std::move(again));
  t.remove(&clients[1]);  // left: the bucket stays behind for c2
  auto kept = t.rate_for("c2", "A:u");
  REQUIRE(kept.has_value());
  CHECK(kept->take(limits, 1) == RateLimit::Verdict::drop);
  CHECK_FALSE(t.rate_for("c2", "A:u").has_value());  // handed out once
  t.add(make(2, "svc", "system", "relay", 0, amo::Role::service));
  t.remove(&clients[2]);
  CHECK(t.carried_rates() == 0);  // services are not rate limited: nothing kept
}
