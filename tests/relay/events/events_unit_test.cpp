// The pure parts of history replay (relay/events): cursors, scope, history parameters, frames.
#include <doctest/doctest.h>

#include "relay/events/cursor.h"
#include "relay/events/frames.h"
#include "relay/events/history_params.h"
#include "relay/events/scope.h"

using namespace amo::relay;

TEST_CASE("cursor parsing: only plain non-negative integers up to 2^63-1") {
  CHECK(parse_cursor(std::nullopt).kind == Cursor::Kind::none);
  CHECK(parse_cursor("").kind == Cursor::Kind::none);
  CHECK(parse_cursor("0").kind == Cursor::Kind::valid);
  CHECK(parse_cursor("9223372036854775807").seq == 9223372036854775807);
  for (const char* bad : {"-1", "+1", "1.5", "1e3", " 1", "1 ", "abc", "9223372036854775808", "0x10", "١"})
    CHECK_MESSAGE(parse_cursor(bad).kind == Cursor::Kind::bad, bad);
}

TEST_CASE("where a stream starts") {
  using K = Start::Kind;
  CHECK(decide_start(parse_cursor(std::nullopt), 10, 1).kind == K::live);
  CHECK(decide_start(parse_cursor(std::nullopt), 10, 1).after == 10);
  CHECK(decide_start(parse_cursor("4"), 10, 1).kind == K::resume);
  CHECK(decide_start(parse_cursor("4"), 10, 1).after == 4);
  CHECK(decide_start(parse_cursor("0"), 10, 1).kind == K::resume);   // oldest - 1
  CHECK(decide_start(parse_cursor("10"), 10, 1).kind == K::resume);  // nothing missed
  const auto ahead = decide_start(parse_cursor("11"), 10, 1);
  CHECK(ahead.kind == K::reset);
  CHECK(ahead.after == 10);
  CHECK(decide_start(parse_cursor("2"), 10, 4).kind == K::reset);  // pruned: 3 and below are gone
  CHECK(decide_start(parse_cursor("3"), 10, 4).kind == K::resume);
  CHECK(decide_start(parse_cursor("9"), 10, std::nullopt).kind == K::reset);  // all pruned
  CHECK(decide_start(parse_cursor("10"), 10, std::nullopt).kind == K::resume);
  CHECK(decide_start(parse_cursor("x"), 10, 1).kind == K::reset);
  CHECK(decide_start(parse_cursor("0"), 0, std::nullopt).kind == K::resume);  // a new tenant
}

TEST_CASE("scope: own user topic, own threads, broadcast; nothing else") {
  const Scope s = make_scope("A1", "u1", {"T2", "T1", "T1"});
  CHECK(s.topics == std::vector<std::string>{"amo/A1/broadcast/events", "amo/A1/thread/T1/events",
                                             "amo/A1/thread/T2/events", "amo/A1/user/u1/events"});
  CHECK(s.allows("amo/A1/user/u1/events"));
  CHECK_FALSE(s.allows("amo/A1/user/u2/events"));
  CHECK_FALSE(s.allows("amo/A2/broadcast/events"));
  CHECK_FALSE(s.allows("amo/A1/thread/T3/events"));
  CHECK_FALSE(s.allows("amo/A1/thread/T1/chat"));
  CHECK_FALSE(s.allows("amo/A1/user/u1/#"));
}

TEST_CASE("history parameters are checked strictly") {
  const auto ok = parse_history_params(
      "after=5&limit=20&kind=notification&entity=wo&entity_id=W-1&since=2026-11-29T10:00:00Z"
      "&until=2026-11-29T11:00:00.5%2B01:00&token=abc");
  REQUIRE(ok.error.empty());
  CHECK(ok.query.after == 5);
  CHECK(ok.query.limit == 20);
  CHECK(ok.query.kind == "notification");
  CHECK(ok.query.until == "2026-11-29T11:00:00.5+01:00");
  CHECK(parse_history_params("").query.limit == 100);
  for (const char* bad : {"limit=0", "limit=501", "limit=x", "after=-1", "after=abc", "after=1.0", "after=",
                          "since=yesterday", "since=2026-13-01T00:00:00Z", "until=2026-11-29", "kind=a%20b", "kind=",
                          "entity="
                          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                          "after=1&after=2", "offset=10", "limit=%zz"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_history_params(bad).error.empty());
  }
  CHECK(parse_history_params("nope=1").error == "query: unknown parameter nope");
}

TEST_CASE("SSE frames and relay envelopes") {
  CHECK(sse_event(7, "notification", "{\"a\":1}") == "id: 7\nevent: notification\ndata: {\"a\":1}\n\n");
  CHECK(sse_retry() == "retry: 3000\n\n");
  const std::string reset = reset_envelope("A1", 42, "cursor is ahead of the latest event");
  CHECK(reset.starts_with("{\"v\":1,\"id\":\""));
  CHECK(reset.find("\"kind\":\"reset\",\"amo\":\"A1\"") != std::string::npos);
  CHECK(reset.ends_with("\"payload\":{\"reason\":\"cursor is ahead of the latest event\",\"latest\":42}}"));
  CHECK(replay_done_envelope("A1", 9).ends_with("\"payload\":{\"last\":9}}"));
}
