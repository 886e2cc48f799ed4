// GET /api/events (DESIGN §6) against the real relay: resume by Last-Event-ID gets exactly
// what was missed, in order, once; every bad cursor class gives 200 + reset with the tenant's
// latest seq; another tenant's, another user's and a foreign thread's events never appear;
// caps give 429; a reader that stops reading is dropped without holding back another stream;
// catch-up hands over to live without a gap or a repeat; streams end at the token's exp and
// on revocation; SSE keeps serving through a broker outage.
#include <doctest/doctest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/harness/temp_dir.h"
#include "tests/relay/events/events_fixture.h"
#include "tests/relay/events/sse_client.h"

using namespace amo::drain_test;
using namespace amo::events_test;
using namespace amo::harness;
using json = nlohmann::json;

namespace {

// Reads frames until one whose data has `"title":"<marker>"`; returns the frames before it.
std::vector<Frame> read_until_marker(SseClient& sse, const std::string& marker) {
  std::vector<Frame> got;
  while (auto f = sse.next()) {
    if (f->data.find("\"title\": \"" + marker + "\"") != std::string::npos) return got;
    got.push_back(*f);
  }
  FAIL("the stream ended before the marker " << marker);
  return got;
}

}  // namespace

TEST_CASE("resume by Last-Event-ID: exactly the missed events of the caller's scope, in order, once") {
  Stack stack;
  auto relay = stack.start_relay();
  emit_to(stack, "T01", "broadcast/events", 3, "b");
  emit_to(stack, "T01", "user/alice/events", 2, "mine");
  emit_to(stack, "T01", "user/bob/events", 2, "bobs");
  emit_to(stack, "T01", "thread/TH1/events", 2, "th1");
  emit_to(stack, "T01", "thread/TH2/events", 2, "th2");
  emit_to(stack, "T02", "broadcast/events", 2, "other-tenant");
  emit_to(stack, "T02", "user/alice/events", 2, "other-tenant-alice");
  wait_claimed(stack);
  const std::string token = user_token(stack, "T01", "alice", {"TH1"});

  std::vector<Frame> first;
  {
    SseClient sse(relay->http_port(), "/api/events", {{"Authorization", "Bearer " + token}, {"Last-Event-ID", "0"}});
    REQUIRE(sse.response().status == 200);
    CHECK(sse.response().header("content-type") == "text/event-stream");
    CHECK(sse.response().header("cache-control") == "no-store");
    CHECK(sse.response().header("x-accel-buffering") == "no");
    for (int i = 0; i < 4; ++i) first.push_back(*sse.next());
    CHECK(sse.retry_seen());
  }
  // Missed while away: 3 more of the first batch, and 2 new ones.
  emit_to(stack, "T01", "user/alice/events", 2, "new");
  emit_to(stack, "T01", "user/bob/events", 1, "bobs");
  emit_to(stack, "T01", "broadcast/events", 1, "marker");
  wait_claimed(stack);
  SseClient again(relay->http_port(), "/api/events?last_event_id=" + first.back().id, bearer(token));
  auto rest = read_until_marker(again, "marker");

  std::vector<Frame> all = first;
  all.insert(all.end(), rest.begin(), rest.end());
  REQUIRE(all.size() == 9);  // 3 broadcast + 2 own + 2 TH1, then 2 new own
  std::set<std::string> ids;
  long last = 0;
  for (const auto& f : all) {
    const auto env = json::parse(f.data);
    CHECK(env["amo"] == "T01");
    CHECK(std::stol(f.id) == env["seq"].get<long>());
    CHECK(std::stol(f.id) > last);
    last = std::stol(f.id);
    CHECK(f.event == env["kind"]);
    CHECK(ids.insert(env["id"].get<std::string>()).second);
    const std::string title = env["payload"].value("title", env["payload"].value("entity_id", ""));
    CHECK((title == "b" || title == "mine" || title == "th1" || title == "new"));
  }
}

TEST_CASE("every bad cursor gives 200, a reset frame with the tenant's latest seq, then live events") {
  Stack stack;
  auto relay = stack.start_relay();
  emit_to(stack, "T01", "broadcast/events", 6);
  wait_claimed(stack);
  const std::string token = user_token(stack, "T01", "alice");
  const long latest_seq = latest(stack, "T01");
  for (const std::string cursor : {"abc", "-1", "1.5", "99999", "9223372036854775808", "%20"}) {
    CAPTURE(cursor);
    SseClient sse(relay->http_port(), "/api/events?last_event_id=" + cursor, bearer(token));
    REQUIRE(sse.response().status == 200);
    const auto f = sse.next();
    REQUIRE(f);
    CHECK(f->event == "reset");
    CHECK(f->id == std::to_string(latest_seq));
    const auto env = json::parse(f->data);
    CHECK(env["kind"] == "reset");
    CHECK(env["amo"] == "T01");
    CHECK(env["payload"]["latest"] == latest_seq);
    CHECK_FALSE(env["payload"]["reason"].get<std::string>().empty());
  }
  // Expired: retention removed seq 1..3, so cursor 1 lost seq 2 and 3.
  stack.pg.exec("DELETE FROM realtime_outbox WHERE amo_id = 'T01' AND seq <= 3");
  {
    SseClient sse(relay->http_port(), "/api/events", {{"Authorization", "Bearer " + token}, {"Last-Event-ID", "1"}});
    const auto f = sse.next();
    REQUIRE(f);
    CHECK(f->event == "reset");
    // ... then live: a new event arrives on the same stream.
    emit_to(stack, "T01", "broadcast/events", 1, "after-reset");
    const auto live = sse.next();
    REQUIRE(live);
    CHECK(live->id == std::to_string(latest_seq + 1));
  }
  {
    // Cursor 2 is oldest kept (4) - 2 too: reset; cursor 3 resumes (nothing lost).
    SseClient sse(relay->http_port(), "/api/events?last_event_id=3", bearer(token));
    const auto f = sse.next();
    REQUIRE(f);
    CHECK(f->event == "notification");
    CHECK(f->id == "4");
  }
}

TEST_CASE("credentials: 401 without or with a bad token, 403 for a service token; ?token= works and is never logged") {
  Stack stack;
  auto relay = stack.start_relay();
  HttpClient c(relay->http_port());
  auto r = c.get("/api/events");
  CHECK(r.status == 401);
  CHECK(json::parse(r.body).contains("error"));
  CHECK(HttpClient(relay->http_port()).get("/api/events", bearer("not.a.token")).status == 401);
  auto other_keys = KeyFile();
  const std::string foreign = mint(user_claims("alice", "T01", "c-x-1"), other_keys.key());
  CHECK(HttpClient(relay->http_port()).get("/api/events", bearer(foreign)).status == 401);
  const std::string service = mint(service_claims("svc", "system:svc:1"), stack.keys.key());
  CHECK(HttpClient(relay->http_port()).get("/api/events", bearer(service)).status == 403);

  const std::string token = user_token(stack, "T01", "alice");
  emit_to(stack, "T01", "broadcast/events", 1);
  wait_claimed(stack);
  SseClient sse(relay->http_port(), "/api/events?last_event_id=0&token=" + token);
  REQUIRE(sse.response().status == 200);
  CHECK(sse.next());
  CHECK(relay->log().find(token) == std::string::npos);
  CHECK(relay->log().find(token.substr(token.rfind('.') + 1)) == std::string::npos);
}

TEST_CASE("caps: sse_per_user and sse_total give 429; a closed stream frees its place at once") {
  Stack stack;
  auto relay = stack.start_relay("sse_per_user = 2\nsse_total = 3\n");
  const std::string alice = user_token(stack, "T01", "alice");
  const std::string bob = user_token(stack, "T01", "bob");
  auto a1 = std::make_unique<SseClient>(relay->http_port(), "/api/events", bearer(alice));
  SseClient a2(relay->http_port(), "/api/events", bearer(alice));
  CHECK(a1->response().status == 200);
  CHECK(a2.response().status == 200);
  auto refused = HttpClient(relay->http_port()).get("/api/events", bearer(alice));
  CHECK(refused.status == 429);
  CHECK(refused.header("retry-after") != "");
  SseClient b1(relay->http_port(), "/api/events", bearer(bob));
  CHECK(b1.response().status == 200);
  CHECK(HttpClient(relay->http_port()).get("/api/events", bearer(bob)).status == 429);  // sse_total
  a1.reset();                                                                           // the peer goes away
  CHECK(wait_until([&] { return metric(*relay, "amo_sse_streams") == 2; }, 5s));
  SseClient b2(relay->http_port(), "/api/events", bearer(bob));
  CHECK(b2.response().status == 200);
}

TEST_CASE("a reader that stops reading is held back, then dropped; another stream gets every event") {
  Stack stack;
  auto relay = stack.start_relay();
  const std::string token = user_token(stack, "T01", "alice");
  // Never reads past its head, with a small receive window so the relay sees it stall.
  SseClient stalled(relay->http_port(), "/api/events", bearer(token), {.receive_buffer = 4096});
  SseClient reader(relay->http_port(), "/api/events", bearer(token));
  // ~2 KB per event: 10 MB, past the stalled reader's socket buffers (the relay's send buffer
  // grows to a few MB on loopback) and what the relay queues for it (256 KiB); after 15 s of
  // that it is dropped.
  const std::string body(1900, 'x');
  stack.pg.exec(
      "SELECT realtime_emit('T01', 'amo/T01/broadcast/events', 'notification', "
      "jsonb_build_object('title', 'big', 'body', '" +
      body +
      "', 'level', 'info')) "
      "FROM generate_series(1, 5000)");
  int got = 0;
  while (got < 5000) {
    const auto f = reader.next();
    REQUIRE(f);
    ++got;
  }
  CHECK(got == 5000);
  // Still not reading, past the 15 s the relay holds a slow reader back (reading here would
  // make it a reader again).
  CHECK(relay->wait_log("sse stream ended (slow reader)", 40s));
  CHECK(stalled.http().wait_closed(20s));
}

TEST_CASE("catch-up hands over to live with no seq missed or repeated, events arriving meanwhile") {
  Stack stack;
  auto relay = stack.start_relay();
  emit_to(stack, "T01", "broadcast/events", 3000);
  wait_claimed(stack);
  const std::string token = user_token(stack, "T01", "alice");
  SseClient sse(relay->http_port(), "/api/events", {{"Authorization", "Bearer " + token}, {"Last-Event-ID", "0"}});
  std::thread more([&] {
    for (int i = 0; i < 10; ++i) emit_to(stack, "T01", "broadcast/events", 50);
  });
  long expect = 1;
  while (expect <= 3500) {
    const auto f = sse.next();
    REQUIRE(f);
    REQUIRE(f->id == std::to_string(expect));
    ++expect;
  }
  more.join();
  CHECK(expect == 3501);
}

TEST_CASE("a stream ends at its token's exp; a revoked or deactivated user's streams end") {
  Stack stack;
  auto relay = stack.start_relay();
  stack.pg.exec("INSERT INTO realtime_users (amo_id, user_id) VALUES ('T01', 'alice'), ('T01', 'bob')");
  {
    SseClient sse(relay->http_port(), "/api/events", bearer(user_token(stack, "T01", "carol", {}, 2)));
    REQUIRE(sse.response().status == 200);
    CHECK_FALSE(sse.next());  // the stream ends (not a timeout: the client waits 10 s)
    CHECK(relay->log().find("sse stream ended (credential expired)") != std::string::npos);
  }
  SseClient alice(relay->http_port(), "/api/events", bearer(user_token(stack, "T01", "alice")));
  SseClient bob(relay->http_port(), "/api/events", bearer(user_token(stack, "T01", "bob")));
  std::this_thread::sleep_for(1100ms);  // the token's iat must be before the revocation second
  auto t0 = std::chrono::steady_clock::now();
  stack.pg.exec("UPDATE realtime_users SET token_revoked_at = now() WHERE user_id = 'alice'");
  CHECK_FALSE(alice.next());
  MESSAGE("revocation to stream end: "
          << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
          << " ms");
  t0 = std::chrono::steady_clock::now();
  stack.pg.exec("UPDATE realtime_users SET is_active = false WHERE user_id = 'bob'");
  CHECK_FALSE(bob.next());
  MESSAGE("deactivation to stream end: "
          << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
          << " ms");
  CHECK(metric(*relay, "amo_sse_ended_total{reason=\"revoked\"}") == 2);
}

TEST_CASE("SSE keeps serving while the broker is down") {
  Stack stack;
  auto relay = stack.start_relay();
  SseClient sse(relay->http_port(), "/api/events", bearer(user_token(stack, "T01", "alice")));
  stack.broker->kill();
  emit_to(stack, "T01", "broadcast/events", 5);
  for (int i = 1; i <= 5; ++i) {
    const auto f = sse.next();
    REQUIRE(f);
    CHECK(f->id == std::to_string(i));
  }
}

TEST_CASE("the portal session cookie: known active users only; it resumes a stream whose token expired") {
  Stack stack;
  TempDir dir("amo-portal");
  const std::string secret = "portal-secret-for-the-relay-tests-0123456789";
  const auto secret_file = dir.write("portal_secret", secret + "\n");
  auto relay = stack.start_relay("portal_secret_file = \"" + secret_file.string() + "\"\n");
  stack.pg.exec(
      "INSERT INTO realtime_users (amo_id, user_id) VALUES ('T01', 'alice'), ('T01', 'bob');"
      "INSERT INTO realtime_users (amo_id, user_id, is_active) VALUES ('T01', 'dave', false);"
      "INSERT INTO realtime_thread_members VALUES ('T01', 'TH1', 'alice')");
  const std::int64_t now = now_s();
  auto cookie = [&](const std::string& sub, std::int64_t iat = 0) {
    return HttpHeaders{{"Cookie", "session=" + portal_session(secret, "T01", sub, iat ? iat : now - 5, now + 600)}};
  };
  CHECK(HttpClient(relay->http_port()).get("/api/events", cookie("dave")).status == 403);  // inactive
  CHECK(HttpClient(relay->http_port()).get("/api/events", cookie("erin")).status == 403);  // unknown
  CHECK(HttpClient(relay->http_port()).get("/api/events", {{"Cookie", "session=forged.x.y"}}).status == 401);
  CHECK(HttpClient(relay->http_port())
            .get("/api/events", {{"Cookie", "session=" + portal_session("another-secret-another-secret-0000", "T01",
                                                                        "alice", now - 5, now + 600)}})
            .status == 401);
  stack.pg.exec("UPDATE realtime_users SET token_revoked_at = now() WHERE user_id = 'bob'");
  CHECK(HttpClient(relay->http_port()).get("/api/events", cookie("bob", now - 5)).status == 403);  // revoked after iat

  // A stream on a short connect token ends at its exp; the page reconnects with the cookie
  // and its Last-Event-ID and gets what it missed, its thread included (from the members table).
  std::string last_id;
  {
    SseClient sse(relay->http_port(), "/api/events", bearer(user_token(stack, "T01", "alice", {}, 2)));
    emit_to(stack, "T01", "broadcast/events", 2, "first");
    last_id = sse.next()->id;
    CHECK(sse.next());
    CHECK_FALSE(sse.next());  // ended at exp
  }
  emit_to(stack, "T01", "thread/TH1/events", 1, "thread-event");
  emit_to(stack, "T01", "user/bob/events", 1, "not-alices");
  emit_to(stack, "T01", "broadcast/events", 1, "marker");
  auto headers = cookie("alice");
  headers.emplace_back("Last-Event-ID", last_id);
  SseClient again(relay->http_port(), "/api/events", headers);
  REQUIRE(again.response().status == 200);
  std::vector<std::string> kinds;
  while (auto f = again.next()) {
    kinds.push_back(f->event);
    if (f->data.find("\"title\": \"marker\"") != std::string::npos) break;
  }
  CHECK(kinds == std::vector<std::string>{"notification", "entity.changed", "notification"});
  CHECK(relay->log().find(secret) == std::string::npos);
}
