// HTTP abuse against both daemons at once (issue 13): slow headers, oversized headers (431,
// a Last-Event-ID above the header limit included) and bodies (413), 10,000 SSE connects past
// the caps (429) and malformed cursors (200 + reset). Throughout, a well-behaved client keeps
// getting tokens and history pages, and a live SSE stream gets every event emitted meanwhile:
// the test ends by counting both, and by finding each abuse in the daemons' metrics.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "tests/relay/events/sse_client.h"
#include "tests/token-service/ts_fixture.h"

using namespace amo::ts_test;
using amo::events_test::SseClient;
using amo::harness::HttpClient;
using amo::harness::HttpHeaders;

namespace {

constexpr int kSlowPerDaemon = 150;
constexpr int kOversized = 200;
constexpr int kCapConnects = 10000;
constexpr int kBadCursors = 200;

HttpHeaders bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// GET with a fresh connection; status 0 if the connection failed.
int status_of(int port, const std::string& target, const HttpHeaders& headers) {
  try {
    HttpClient c(port);
    return c.get(target, headers).status;
  } catch (const std::exception&) {
    return 0;
  }
}

struct Probe {
  std::atomic<long> ok{0}, failed{0};
  std::atomic<long> worst_ms{0};
};

}  // namespace

TEST_CASE("HTTP abuse against both daemons: each refused with its status, well-behaved clients served throughout") {
  ::signal(SIGPIPE, SIG_IGN);
  Stack stack({.relay = true, .relay_extra = "sse_per_user = 5\nsse_total = 40\n"});
  stack.add_user("A1", "alice", {"TH1"});
  stack.add_user("A1", "bob", {"TH1"});
  const std::string alice_session = stack.session("A1", "alice");
  const std::string alice = stack.issue(alice_session)["token"];
  const int ts = stack.service->http_port();
  const int relay = stack.relay->http_port();
  REQUIRE(wait_until([&] { return status_of(relay, "/readyz", {}) == 200; }, 30s));

  // The well-behaved side: a live stream and a client asking for tokens and history pages.
  SseClient live(relay, "/api/events?last_event_id=0", bearer(alice), {.timeout = 60s});
  REQUIRE(live.response().status == 200);
  std::atomic<bool> stop{false};
  std::atomic<long> emitted{0};
  std::thread emitter([&] {
    while (!stop) {
      stack.scalar("SELECT realtime_emit('A1', 'amo/A1/user/alice/events', 'notification', "
                   "'{\"title\":\"t\",\"body\":\"b\",\"level\":\"info\"}'::jsonb)");
      ++emitted;
      std::this_thread::sleep_for(100ms);
    }
  });
  Probe probe;
  std::thread prober([&] {
    while (!stop) {
      const auto t0 = std::chrono::steady_clock::now();
      bool good = false;
      try {
        HttpClient c(ts, {.timeout = 30s});
        const auto token = c.request("POST", "/api/realtime/token", {{"Authorization", "Bearer " + alice_session}});
        HttpClient h(relay, {.timeout = 30s});
        good = token.status == 200 && h.get("/api/events/history?limit=10", bearer(alice)).status == 200;
      } catch (const std::exception&) {
      }
      const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      probe.worst_ms = std::max(probe.worst_ms.load(), ms);
      ++(good ? probe.ok : probe.failed);
      std::this_thread::sleep_for(50ms);
    }
  });

  // 1. Slow headers: half a request, then a byte a second. Each must be cut off (408 after
  //    the read timeout), on both daemons, while the rest goes on.
  std::vector<HttpClient> slow;
  for (const int port : {ts, relay})
    for (int i = 0; i < kSlowPerDaemon; ++i) {
      slow.emplace_back(port, amo::harness::HttpClientOptions{.timeout = 5s});
      slow.back().send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    }
  std::thread dripper([&] {
    for (int second = 0; second < 40 && !stop; ++second) {
      for (auto& c : slow) try {
          if (c.is_open()) c.send("a");
        } catch (const std::exception&) {
        }
      std::this_thread::sleep_for(1s);
    }
  });

  // 2. Oversized headers (431): both daemons, and a Last-Event-ID above the header limit.
  const std::string huge(16 * 1024, 'h');
  int over_431 = 0;
  for (int i = 0; i < kOversized; ++i) {
    over_431 += status_of(ts, "/healthz", {{"X-Big", huge}}) == 431;
    over_431 += status_of(relay, "/api/events", {{"Authorization", "Bearer " + alice}, {"Last-Event-ID", huge}}) == 431;
  }
  CHECK(over_431 == 2 * kOversized);

  // 3. Oversized bodies (413) on the token endpoint and the messages endpoint.
  const std::string big_body(64 * 1024, '{');
  int over_413 = 0;
  for (int i = 0; i < kOversized; ++i) {
    for (const char* path : {"/api/realtime/token", "/api/realtime/messages"}) {
      try {
        HttpClient c(ts);
        over_413 += c.request("POST", path, {{"Authorization", "Bearer " + alice_session},
                                             {"Content-Type", "application/json"}},
                              big_body)
                        .status == 413;
      } catch (const std::exception&) {
      }
    }
  }
  CHECK(over_413 == 2 * kOversized);

  // 4. Malformed cursors: 200 and a reset frame, never an error status.
  const std::vector<std::string> cursors = {"abc", "-1", "1.5", "99999999999999999999999", "0x10", "7;drop", "+5",
                                            "18446744073709551616"};
  int resets = 0;
  for (int i = 0; i < kBadCursors; ++i) {
    SseClient s(relay, "/api/events", {{"Authorization", "Bearer " + alice}, {"Last-Event-ID", cursors[i % cursors.size()]}});
    if (s.response().status != 200) continue;
    const auto f = s.next();
    resets += f && f->event == "reset";
  }
  CHECK(resets == kBadCursors);

  // 5. 10,000 connects past the caps: bob fills his sse_per_user, then every further one is 429.
  const std::string bob = stack.issue(stack.session("A1", "bob"))["token"];
  std::vector<std::unique_ptr<SseClient>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(std::make_unique<SseClient>(relay, "/api/events", bearer(bob)));
    REQUIRE(held.back()->response().status == 200);
  }
  std::atomic<int> refused{0}, other{0};
  std::vector<std::thread> connectors;
  for (int t = 0; t < 4; ++t)
    connectors.emplace_back([&] {
      for (int i = 0; i < kCapConnects / 4; ++i) {
        const int s = status_of(relay, "/api/events", bearer(bob));
        ++(s == 429 ? refused : other);
      }
    });
  for (auto& t : connectors) t.join();
  CHECK(refused == kCapConnects);
  CHECK(other == 0);
  held.clear();

  // Every slow connection was cut off by the daemons (not by us).
  int cut = 0;
  for (auto& c : slow) cut += c.wait_closed(30s);
  CHECK(cut == 2 * kSlowPerDaemon);
  stop = true;
  dripper.join();
  prober.join();
  emitter.join();

  // Counting: the live stream got every event emitted during the abuse, in order, once.
  long got = 0, last = 0;
  bool ordered = true;
  while (got < emitted) {
    const auto f = live.next();
    if (!f) break;
    if (f->event == "reset") continue;
    const long id = std::stol(f->id);
    ordered = ordered && id == last + 1;
    last = id;
    ++got;
  }
  MESSAGE("live stream: " << got << " of " << emitted.load() << " events; probes ok " << probe.ok << ", failed "
                          << probe.failed.load() << ", slowest probe " << probe.worst_ms.load() << " ms");
  CHECK(got == emitted);
  CHECK(ordered);
  CHECK(probe.failed == 0);
  CHECK(probe.ok > 0);
  CHECK(stack.service->running());
  CHECK(stack.relay->running());
  // Each abuse is in the metrics.
  const auto relay_metric = [&](const std::string& series) { return amo::harness::scrape_metric(relay, series); };
  CHECK(relay_metric("amo_sse_refused_total") >= kCapConnects);
  CHECK(relay_metric("http_requests_total{code=\"4xx\"}") >= kCapConnects + kOversized + kSlowPerDaemon);
  CHECK(stack.metric("http_requests_total{code=\"4xx\"}") >= 3 * kOversized + kSlowPerDaemon);
}
