// token-service/issue/token_request.h: the body of POST /api/realtime/token.
#include <doctest/doctest.h>

#include <string>

#include "token-service/issue/token_request.h"

using namespace amo::token_service;

namespace {

struct Parsed {
  std::optional<BodyError> error;
  TokenRequest request;
};

Parsed parse(const std::string& body) {
  amo::json::StrictParser parser(16384, 16);
  Parsed p;
  p.error = parse_token_request(body, parser, p.request);
  return p;
}

std::string threads_json(int n) {
  std::string s = "{\"threads\":[";
  for (int i = 0; i < n; ++i) s += (i ? ",\"T" : "\"T") + std::to_string(i) + "\"";
  return s + "]}";
}

}  // namespace

TEST_CASE("an empty body, whitespace or {} asks for all threads") {
  for (const std::string body : {"", "  \r\n", "{}"}) {
    CAPTURE(body);
    const Parsed p = parse(body);
    CHECK_FALSE(p.error);
    CHECK_FALSE(p.request.names_threads);
  }
}

TEST_CASE("threads are named in order, each once; [] names none") {
  Parsed p = parse(R"({"threads":["T2","T1","T2"]})");
  REQUIRE_FALSE(p.error);
  CHECK(p.request.names_threads);
  CHECK(p.request.threads == std::vector<std::string>{"T2", "T1"});
  p = parse(R"({"threads":[]})");
  REQUIRE_FALSE(p.error);
  CHECK(p.request.names_threads);
  CHECK(p.request.threads.empty());
}

TEST_CASE("128 threads pass, 129 are too many (422) whatever they hold") {
  CHECK_FALSE(parse(threads_json(128)).error);
  const Parsed p = parse(threads_json(129));
  REQUIRE(p.error);
  CHECK(p.error->refusal == Refusal::too_many_threads);
  CHECK(http_status(p.error->refusal) == 422);
}

TEST_CASE("anything else is a bad body (400)") {
  for (const std::string body : {"{", "[]", "\"x\"", "null", R"({"threads":"T1"})", R"({"threads":[1]})",
                                 R"({"threads":["a/b"]})", R"({"threads":[""]})", R"({"threads":["T1"],"x":1})",
                                 R"({"threads":["T1"],"threads":["T2"]})", "{\"threads\":[\"T\\u00001\"]}"}) {
    CAPTURE(body);
    const Parsed p = parse(body);
    REQUIRE(p.error);
    CHECK(p.error->refusal == Refusal::bad_body);
    CHECK(http_status(p.error->refusal) == 400);
  }
}
