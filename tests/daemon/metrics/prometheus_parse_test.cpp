// The rendering as Prometheus reads it: Python's prometheus_client parser (Debian
// python3-prometheus-client) parses it in a child process and prints what it understood as
// JSON, which must be exactly the registry's content.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/metrics/daemon_metrics.h"
#include "daemon/metrics/registry.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

using json = nlohmann::json;
using namespace std::chrono_literals;
using namespace amo::metrics;

namespace {

// Prints {"families":[{name,type,help,samples:[[name,{labels},value]]}]}, or exits 1 with the
// parser's error. Values as strings, so +Inf and NaN survive JSON.
constexpr const char* kParse = R"PY(
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
try:
    families = [{"name": f.name, "type": f.type, "help": f.documentation,
                 "samples": [[s.name, s.labels, repr(float(s.value))] for s in f.samples]}
                for f in text_string_to_metric_families(text)]
except Exception as e:
    print("PARSE ERROR:", type(e).__name__, e)
    sys.exit(1)
print(json.dumps({"families": families}))
)PY";

// Parses `text` with the Python parser: the JSON above, or null when it refused the text.
json parse_with_python(const std::string& text) {
  amo::harness::TempDir dir("amo-metrics-parse");
  const auto input = dir.write("metrics.txt", text);
  const auto output = dir.path() / "parsed.json";
  const int rc = amo::harness::run({"/usr/bin/python3", "-c", kParse, input.string()}, output, 30s);
  const std::string printed = amo::harness::read_file(output);
  INFO(printed);
  if (rc != 0) {
    CHECK(printed.find("PARSE ERROR") != std::string::npos);  // not a missing interpreter or module
    return nullptr;
  }
  return json::parse(printed)["families"];
}

const json* find_family(const json& families, std::string_view name) {
  for (const auto& f : families)
    if (f["name"] == name) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("a registry holding every type parses back to the same families and values") {
  Registry r;
  r.counter("amo_things_total", "Things seen.\nSecond line, a \\ backslash.", {{"reason", "a\"b\\c\nd"}}).inc(3);
  r.counter("amo_things_total", "Things seen.\nSecond line, a \\ backslash.", {{"reason", "plain"}}).inc(7);
  r.gauge("amo_level", "A level.").set(-5);
  constexpr std::array bounds{0.00001, 0.005, 0.5, 1.0, 2.5, 1e9};
  auto& h = r.histogram("amo_wait_seconds", "Waits.", bounds, {{"route", "/x"}});
  for (const double v : {0.000001, 0.004, 0.5, 0.75, 3.0}) h.observe(v);
  r.histogram("amo_wait_seconds", "Waits.", bounds, {{"route", "/y"}});

  const json families = parse_with_python(r.render());
  REQUIRE(families.is_array());
  INFO(families.dump(2));
  REQUIRE(families.size() == 3);

  const json expected_counter = {
      {"name", "amo_things"},
      {"type", "counter"},
      {"help", "Things seen.\nSecond line, a \\ backslash."},
      {"samples",
       {{"amo_things_total", {{"reason", "a\"b\\c\nd"}}, "3.0"}, {"amo_things_total", {{"reason", "plain"}}, "7.0"}}}};
  CHECK(families[0] == expected_counter);
  const json expected_gauge = {
      {"name", "amo_level"}, {"type", "gauge"}, {"help", "A level."}, {"samples", {{"amo_level", json::object(), "-5.0"}}}};
  CHECK(families[1] == expected_gauge);

  const json& hist = families[2];
  CHECK(hist["name"] == "amo_wait_seconds");
  CHECK(hist["type"] == "histogram");
  const json x = {{"route", "/x"}};
  const json expected_x = {
      {"amo_wait_seconds_bucket", {{"route", "/x"}, {"le", "1e-05"}}, "1.0"},
      {"amo_wait_seconds_bucket", {{"route", "/x"}, {"le", "0.005"}}, "2.0"},
      {"amo_wait_seconds_bucket", {{"route", "/x"}, {"le", "0.5"}}, "3.0"},
      {"amo_wait_seconds_bucket", {{"route", "/x"}, {"le", "1"}}, "4.0"},
      {"amo_wait_seconds_bucket", {{"route", "/x"}, {"le", "2.5"}}, "4.0"},
      {"amo_wait_seconds_bucket", {{"route", "/x"}, {"le", "1e+09"}}, "5.0"},
      {"amo_wait_seconds_bucket", {{"route", "/x"}, {"le", "+Inf"}}, "5.0"},
      {"amo_wait_seconds_sum", x, "4.254001"},
      {"amo_wait_seconds_count", x, "5.0"},
  };
  REQUIRE(hist["samples"].size() == 18);
  for (std::size_t i = 0; i < expected_x.size(); ++i) CHECK(hist["samples"][i] == expected_x[i]);
  CHECK(hist["samples"][15] == json{"amo_wait_seconds_bucket", {{"route", "/y"}, {"le", "+Inf"}}, "0.0"});
  CHECK(hist["samples"][16] == json{"amo_wait_seconds_sum", {{"route", "/y"}}, "0.0"});
}

TEST_CASE("the shared daemon metrics parse, each family once with its declared type") {
  Registry r;
  DaemonMetrics& m = register_daemon_metrics(r, "amo-relay");
  m.db_reconnects.inc(2);
  m.mqtt_up.set(1);
  const json families = parse_with_python(r.render());
  REQUIRE(families.is_array());
  INFO(families.dump(2));
  CHECK(families.size() == kDaemonMetrics.size());
  for (const auto& d : kDaemonMetrics) {
    std::string family(d.name);
    if (d.kind == Kind::counter) family = family.substr(0, family.size() - std::string_view("_total").size());
    const json* f = find_family(families, family);
    REQUIRE_MESSAGE(f != nullptr, family);
    CHECK((*f)["type"] == (d.kind == Kind::counter ? "counter" : d.kind == Kind::gauge ? "gauge" : "histogram"));
    CHECK((*f)["help"] == d.help);
    CHECK(!(*f)["samples"].empty());
  }
  CHECK((*find_family(families, "amo_db_reconnects"))["samples"][0][2] == "2.0");
  CHECK((*find_family(families, "amo_mqtt_up"))["samples"][0][2] == "1.0");
  CHECK((*find_family(families, "amo_build_info"))["samples"][0][1] ==
        json{{"daemon", "amo-relay"}, {"version", AMO_VERSION}});
  CHECK((*find_family(families, "amo_log_lines"))["samples"].size() == 4);
}

TEST_CASE("the check has teeth: broken renderings are refused") {
  for (const std::string broken : {
           "amo_x{reason=\"a\"b\"} 1\n",              // label value quote not escaped
           "amo_x{reason=\"a\nb\"} 1\n",              // label value newline not escaped
           "# HELP amo_x first\nsecond\n# TYPE amo_x gauge\namo_x 1\n",  // help newline not escaped
           "amo_x 1,5\n",                            // locale-formatted value
           "amo_x{reason=\"a\"}\n",                   // no value
       }) {
    INFO(broken);
    CHECK(parse_with_python(broken).is_null());
  }
}
