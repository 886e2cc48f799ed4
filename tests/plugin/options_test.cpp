#include <doctest/doctest.h>

#include "plugin/options.h"

using amo::plugin::parse_options;

namespace {
using Pairs = std::vector<std::pair<std::string, std::string>>;
Pairs base() { return {{"jwks_file", "/k.json"}, {"issuer", "https://portal"}}; }
}  // namespace

TEST_CASE("defaults of DESIGN §3") {
  auto r = parse_options(base(), "/schemas");
  REQUIRE(r.error.empty());
  CHECK(r.options.audience == "amo-realtime");
  CHECK(r.options.max_token_ttl == 300);
  CHECK(r.options.max_service_token_ttl == 86400);
  CHECK(r.options.max_session == 43200);
  CHECK(r.options.max_conn_per_user == 10);
  CHECK(r.options.max_conn_per_tenant == 10000);
  CHECK(r.options.publish_rate == 20);
  CHECK(r.options.publish_burst == 40);
  CHECK(r.options.max_payload == 16384);
  CHECK(r.options.schema_dir == "/schemas");
  CHECK(r.options.stats_interval == 10);
  CHECK(r.options.log_level == amo::plugin::LogLevel::info);
}

TEST_CASE("values are plain integers within range") {
  auto p = base();
  p.push_back({"publish_rate", "5"});
  p.push_back({"publish_burst", "7"});
  p.push_back({"log_level", "debug"});
  auto r = parse_options(p, "/s");
  REQUIRE(r.error.empty());
  CHECK(r.options.publish_rate == 5);
  CHECK(r.options.log_level == amo::plugin::LogLevel::debug);
  for (const char* bad : {"", "10s", "-1", "0", "1.5", " 5", "99999999999999999999", "0x10"}) {
    auto q = base();
    q.push_back({"max_session", bad});
    CHECK_MESSAGE(parse_options(q, "/s").error.find("plugin_opt_max_session") != std::string::npos, bad);
  }
}

TEST_CASE("unknown, repeated and missing options are errors") {
  auto p = base();
  p.push_back({"max_conn_per_usr", "3"});
  CHECK(parse_options(p, "/s").error == "unknown option plugin_opt_max_conn_per_usr");
  p = base();
  p.push_back({"issuer", "again"});
  CHECK(parse_options(p, "/s").error.find("twice") != std::string::npos);
  CHECK(parse_options({{"issuer", "x"}}, "/s").error == "plugin_opt_jwks_file is required");
  CHECK(parse_options({{"jwks_file", "x"}}, "/s").error == "plugin_opt_issuer is required");
  p = base();
  p.push_back({"log_level", "verbose"});
  CHECK_FALSE(parse_options(p, "/s").error.empty());
  p = base();
  p.push_back({"publish_rate", "50"});
  CHECK(parse_options(p, "/s").error.find("publish_burst") != std::string::npos);
}
