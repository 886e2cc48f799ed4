#include "daemon/metrics/registry.h"

#include <doctest/doctest.h>

#include <array>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daemon/log/log.h"
#include "daemon/metrics/daemon_metrics.h"

using namespace amo::metrics;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::int64_t>::is_always_lock_free,
              "inc(), set() and observe() must not take a lock");

TEST_CASE("renders every type in text format 0.0.4") {
  Registry r;
  r.counter("amo_things_total", "Things seen.\nSecond line with \\ backslash.", {{"reason", "a\"b\\c\nd"}}).inc(3);
  r.gauge("amo_level", "A level.").set(-5);
  constexpr std::array bounds{0.00001, 0.5, 1.0, 2.5};
  auto& h = r.histogram("amo_wait_seconds", "Waits.", bounds, {{"route", "/x"}});
  for (const double v : {0.000001, 0.5, 0.75, 3.0}) h.observe(v);
  CHECK(r.render() ==
        "# HELP amo_things_total Things seen.\\nSecond line with \\\\ backslash.\n"
        "# TYPE amo_things_total counter\n"
        "amo_things_total{reason=\"a\\\"b\\\\c\\nd\"} 3\n"
        "# HELP amo_level A level.\n"
        "# TYPE amo_level gauge\n"
        "amo_level -5\n"
        "# HELP amo_wait_seconds Waits.\n"
        "# TYPE amo_wait_seconds histogram\n"
        "amo_wait_seconds_bucket{route=\"/x\",le=\"1e-05\"} 1\n"
        "amo_wait_seconds_bucket{route=\"/x\",le=\"0.5\"} 2\n"
        "amo_wait_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
        "amo_wait_seconds_bucket{route=\"/x\",le=\"2.5\"} 3\n"
        "amo_wait_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
        "amo_wait_seconds_sum{route=\"/x\"} 4.250001\n"
        "amo_wait_seconds_count{route=\"/x\"} 4\n");
}

TEST_CASE("a family is rendered once, with series added later grouped under it") {
  Registry r;
  r.counter("amo_a_total", "A.", {{"k", "1"}}).inc();
  r.gauge("amo_b", "B.").set(1);
  r.counter("amo_a_total", "A.", {{"k", "2"}}).inc(2);
  CHECK(r.render() ==
        "# HELP amo_a_total A.\n# TYPE amo_a_total counter\namo_a_total{k=\"1\"} 1\namo_a_total{k=\"2\"} 2\n"
        "# HELP amo_b B.\n# TYPE amo_b gauge\namo_b 1\n");
}

TEST_CASE("the same name and labels are the same series, in any label order") {
  Registry r;
  Counter& a = r.counter("amo_c_total", "C.", {{"x", "1"}, {"y", "2"}});
  Counter& b = r.counter("amo_c_total", "C.", {{"y", "2"}, {"x", "1"}});
  Counter& other = r.counter("amo_c_total", "C.", {{"x", "1"}, {"y", "3"}});
  CHECK(&a == &b);
  CHECK(&a != &other);
  CHECK(&r.gauge("amo_g", "G.") == &r.gauge("amo_g", "G."));
  CHECK(&r.histogram("amo_h", "H.", kLatencyBuckets) == &r.histogram("amo_h", "H.", kLatencyBuckets));
  CHECK(r.render().find("amo_c_total{x=\"1\",y=\"2\"} 0\n") != std::string::npos);
}

TEST_CASE("misuse is refused") {
  Registry r;
  r.counter("amo_x_total", "X.");
  CHECK_THROWS_AS(r.gauge("amo_x_total", "X."), std::logic_error);
  CHECK_THROWS_AS(r.histogram("amo_x_total", "X.", kLatencyBuckets), std::logic_error);
  r.histogram("amo_h", "H.", kLatencyBuckets, {{"a", "1"}});
  constexpr std::array other{1.0, 2.0};
  CHECK_THROWS_AS(r.histogram("amo_h", "H.", other, {{"a", "2"}}), std::logic_error);
  CHECK_THROWS_AS(r.histogram("amo_h", "H.", kLatencyBuckets, {{"le", "1"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("9starts_with_digit", "."), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("has-dash", "."), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("", "."), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("amo_ok_total", ".", {{"bad-label", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("amo_ok_total", ".", {{"__reserved", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("amo_ok_total", ".", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  constexpr std::array descending{1.0, 0.5};
  CHECK_THROWS_AS(Histogram(std::span<const double>(descending)), std::invalid_argument);
  CHECK_NOTHROW(r.counter("ns:amo_ok_total", "colons are allowed in names"));
}

TEST_CASE("histogram buckets are 'less than or equal', +Inf implied") {
  constexpr std::array bounds{1.0, 2.0, std::numeric_limits<double>::infinity()};
  Histogram h(bounds);
  CHECK(h.bounds().size() == 2);
  for (const double v : {-1.0, 1.0, 1.5, 2.0, 2.01, std::numeric_limits<double>::quiet_NaN()}) h.observe(v);
  CHECK(h.cumulative() == std::vector<std::uint64_t>{2, 4, 6});
  CHECK(h.count() == 6);
  CHECK(h.sum() == doctest::Approx(5.51));
}

TEST_CASE("updates from many threads are all counted") {
  Registry r;
  Counter& c = r.counter("amo_n_total", "N.");
  Gauge& g = r.gauge("amo_g", "G.");
  Histogram& h = r.histogram("amo_h_seconds", "H.", kLatencyBuckets);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        c.inc();
        g.add(1);
        h.observe(0.002);
      }
    });
  }
  for (int i = 0; i < 50; ++i) CHECK(!r.render().empty());
  for (auto& t : threads) t.join();
  CHECK(c.value() == 80000);
  CHECK(g.value() == 80000);
  CHECK(h.count() == 80000);
  CHECK(h.cumulative()[2] == 80000);
  CHECK(h.sum() == doctest::Approx(160.0));
}

TEST_CASE("the shared daemon metrics") {
  Registry r;
  DaemonMetrics& m = register_daemon_metrics(r, "amo-relay");
  CHECK(&register_daemon_metrics(r, "amo-relay") == &m);
  m.db_up.set(1);
  m.mqtt_reconnects.inc();
  const std::string text = r.render();
  INFO(text);
  for (const auto& d : kDaemonMetrics) {
    CHECK(text.find("# HELP " + std::string(d.name) + " ") != std::string::npos);
    const std::string_view type = d.kind == Kind::counter ? "counter" : d.kind == Kind::gauge ? "gauge" : "histogram";
    CHECK(text.find("# TYPE " + std::string(d.name) + " " + std::string(type) + "\n") != std::string::npos);
  }
  CHECK(text.find("amo_build_info{daemon=\"amo-relay\",version=\"" AMO_VERSION "\"} 1\n") != std::string::npos);
  CHECK(text.find("amo_db_up 1\n") != std::string::npos);
  CHECK(text.find("amo_mqtt_reconnects_total 1\n") != std::string::npos);
  CHECK(m.process_start_time_seconds.value() > 1700000000);
  for (const auto level : {"debug", "info", "warning", "error"})
    CHECK(text.find("amo_log_lines_total{level=\"" + std::string(level) + "\"}") != std::string::npos);

  const auto info_lines = m.log_lines[1]->value();
  const auto error_lines = m.log_lines[3]->value();
  amo::log::info("counted as info");
  amo::log::audit("counted as info too");
  amo::log::error("counted as error");
  CHECK(m.log_lines[1]->value() == info_lines + 2);
  CHECK(m.log_lines[3]->value() == error_lines + 1);
}

TEST_CASE("a destroyed registry stops counting log lines") {
  {
    Registry r;
    register_daemon_metrics(r, "amo-token-service");
  }
  Registry second;
  DaemonMetrics& m = register_daemon_metrics(second, "amo-token-service");
  {
    Registry third;
    register_daemon_metrics(third, "amo-token-service");
  }
  // The third registry's counters are gone: counting now goes nowhere, and must not crash.
  amo::log::warning("after the registries are gone");
  CHECK(m.log_lines[2]->value() == 0);
}
