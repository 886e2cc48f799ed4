// GET /api/events/history (DESIGN §6) against the real relay: seek pages with `next`,
// filters, ETag and 304, 400 with a JSON error for every bad parameter, and the caller's
// scope whatever the parameters say.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/relay/events/events_fixture.h"

using namespace amo::drain_test;
using namespace amo::events_test;
using namespace amo::harness;
using json = nlohmann::json;

TEST_CASE("pages, filters, ETag and 304, scope") {
  Stack stack;
  auto relay = stack.start_relay();
  emit_to(stack, "T01", "broadcast/events", 5, "b");
  emit_to(stack, "T01", "thread/TH1/events", 3, "W-7");
  emit_to(stack, "T01", "user/bob/events", 4, "bobs");
  emit_to(stack, "T02", "broadcast/events", 4, "other");
  emit_to(stack, "T01", "thread/TH2/events", 2, "W-9");
  wait_claimed(stack);
  const auto auth = bearer(user_token(stack, "T01", "alice", {"TH1"}));
  const int port = relay->http_port();

  // 8 events in scope (5 broadcast + 3 TH1) over pages of 3.
  std::vector<long> seqs;
  std::string after = "0";
  int pages = 0;
  while (true) {
    auto r = HttpClient(port).get("/api/events/history?limit=3&after=" + after, auth);
    REQUIRE(r.status == 200);
    CHECK(r.header("cache-control") == "private, max-age=15");
    const auto page = json::parse(r.body);
    ++pages;
    for (const auto& e : page["events"]) {
      CHECK(e["amo"] == "T01");
      seqs.push_back(e["seq"].get<long>());
    }
    if (page["next"].is_null()) {
      CHECK(page["events"].size() < 3);
      break;
    }
    CHECK(page["events"].size() == 3);
    after = std::to_string(page["next"].get<long>());
  }
  CHECK(pages == 3);
  CHECK(seqs == std::vector<long>{1, 2, 3, 4, 5, 6, 7, 8});

  // Filters.
  auto by_kind = json::parse(HttpClient(port).get("/api/events/history?kind=entity.changed", auth).body);
  CHECK(by_kind["events"].size() == 3);
  auto by_entity = json::parse(HttpClient(port).get("/api/events/history?entity=wo&entity_id=W-7", auth).body);
  CHECK(by_entity["events"].size() == 3);
  CHECK(json::parse(HttpClient(port).get("/api/events/history?entity_id=W-9", auth).body)["events"].empty());
  CHECK(
      json::parse(HttpClient(port).get("/api/events/history?since=2999-01-01T00:00:00Z", auth).body)["events"].empty());
  CHECK(
      json::parse(HttpClient(port).get("/api/events/history?until=2000-01-01T00:00:00Z", auth).body)["events"].empty());
  CHECK(json::parse(HttpClient(port).get("/api/events/history?since=2000-01-01T00:00:00%2B02:00", auth).body)["events"]
            .size() == 8);

  // ETag: the same page twice has the same tag; If-None-Match gives 304; a new event changes it.
  auto first = HttpClient(port).get("/api/events/history", auth);
  const std::string tag = first.header("etag");
  CHECK_FALSE(tag.empty());
  auto headers = auth;
  headers.emplace_back("If-None-Match", tag);
  auto cached = HttpClient(port).get("/api/events/history", headers);
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());
  emit_to(stack, "T01", "broadcast/events", 1);
  wait_claimed(stack);
  CHECK(HttpClient(port).get("/api/events/history", headers).status == 200);

  // Bob's own page holds his four and the broadcasts; never T02's, never a thread he is not in.
  auto bobs =
      json::parse(HttpClient(port).get("/api/events/history?limit=500", bearer(user_token(stack, "T01", "bob"))).body);
  CHECK(bobs["events"].size() == 10);
  for (const auto& e : bobs["events"]) CHECK(e.value("thread", "") == "");
}

TEST_CASE("every bad parameter is a 400 with a JSON error; no credentials 401") {
  Stack stack;
  auto relay = stack.start_relay();
  const auto auth = bearer(user_token(stack, "T01", "alice"));
  for (const std::string q :
       {"limit=0", "limit=501", "after=-1", "after=abc", "since=yesterday", "until=2026-11-29", "kind=a%20b",
        "after=1&after=2", "offset=10", "amo=T02", "topic=amo/T02/broadcast/events"}) {
    CAPTURE(q);
    auto r = HttpClient(relay->http_port()).get("/api/events/history?" + q, auth);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body).contains("error"));
  }
  CHECK(HttpClient(relay->http_port()).get("/api/events/history").status == 401);
}
