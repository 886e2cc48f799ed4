#include <doctest/doctest.h>

#include "core/json/strict_parse.h"
#include "core/stats/broker_stats.h"

using namespace amo;

TEST_CASE("stats document has the shape of DESIGN §3 and uses the enums' names") {
  stats::BrokerStats s;
  s.auth_ok = 3;
  s.denied(token::Status::expired);
  s.denied(token::Status::expired);
  s.denied(stats::ConnectStatus::user_cap);
  s.denied(acl::Status::other_tenant);
  s.schema_rejected = 4;
  s.rate_dropped = 5;
  s.kick(stats::KickReason::revoked);
  const std::string doc = stats::to_json(s, 7);
  CHECK(doc ==
        R"({"connections":7,"auth_ok":3,"auth_denied":{"expired":2,"user_cap":1},)"
        R"("acl_denied":{"other_tenant":1},"schema_rejected":4,"rate_dropped":5,)"
        R"("kicked":{"expired":0,"revoked":1,"abuse":0}})");
  json::StrictParser p(4096, 8);
  simdjson::dom::element e;
  CHECK(p.parse(doc, e) == json::Status::ok);
}

TEST_CASE("empty stats are still valid JSON") {
  const std::string doc = stats::to_json(stats::BrokerStats{}, 0);
  CHECK(doc.find(R"("auth_denied":{})") != std::string::npos);
  json::StrictParser p(4096, 8);
  simdjson::dom::element e;
  CHECK(p.parse(doc, e) == json::Status::ok);
}
