// The daemons' one way into a JSON body (daemon/http/json_body.h): strict, so U+0000 and
// duplicate keys are a 400 before a handler could try to store them.
#include <doctest/doctest.h>

#include "daemon/http/json_body.h"

using namespace amo;

namespace {
std::optional<http::Response> answer(std::string body) {
  http::Request r;
  r.method = "POST";
  r.body = std::move(body);
  json::StrictParser parser(1024, 16);
  simdjson::dom::element e;
  return http::parse_json_body(r, parser, e);
}
}  // namespace

TEST_CASE("a body holding U+0000 is refused with 400, its neighbours pass") {
  auto a = answer(R"({"threads":["T1"],"text":"a\u0000b"})");
  REQUIRE(a);
  CHECK(a->status == 400);
  CHECK(a->body.find("bad_string") != std::string::npos);
  CHECK_FALSE(answer(R"({"threads":["T1"],"text":"a\u0001b"})"));
}

TEST_CASE("duplicate keys, broken JSON and oversize bodies are refused") {
  CHECK(answer(R"({"threads":[],"threads":["T1"]})")->status == 400);
  CHECK(answer(R"({"threads":)")->status == 400);
  CHECK(answer(std::string(2000, ' ') + "{}")->status == 413);
}
