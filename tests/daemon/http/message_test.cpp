// Request and Response helpers (daemon/http/message.cpp), without sockets.
#include <doctest/doctest.h>

#include "daemon/http/message.h"

using amo::http::Request;
using amo::http::Response;

namespace {

Request with_query(std::string query) {
  Request r;
  r.query = std::move(query);
  return r;
}

}  // namespace

TEST_CASE("query_param decodes percent escapes and plus") {
  const Request r = with_query("token=a%2Bb%3D&name=J%C3%BCrgen+M&empty=&flag&x=%zz%4");
  CHECK(r.query_param("token") == "a+b=");
  CHECK(r.query_param("name") == "J\xC3\xBCrgen M");
  CHECK(r.query_param("empty") == "");
  CHECK(r.query_param("flag") == "");
  CHECK(r.query_param("x") == "%zz%4");  // broken escapes are kept as sent
  CHECK_FALSE(r.query_param("missing").has_value());
  CHECK_FALSE(r.query_param("tok").has_value());
}

TEST_CASE("query_param takes the first of repeated names and decodes keys") {
  const Request r = with_query("after=1&after=2&last%5Fevent%5Fid=7");
  CHECK(r.query_param("after") == "1");
  CHECK(r.query_param("last_event_id") == "7");
  CHECK_FALSE(with_query("").query_param("after").has_value());
}

TEST_CASE("cookie finds a name among several, in any Cookie header") {
  Request r;
  r.headers = {{"cookie", "a=1; session=abc.def; theme=\"dark\""}, {"cookie", "late=x"}};
  CHECK(r.cookie("session") == "abc.def");
  CHECK(r.cookie("a") == "1");
  CHECK(r.cookie("theme") == "dark");
  CHECK(r.cookie("late") == "x");
  CHECK_FALSE(r.cookie("sess").has_value());
  CHECK_FALSE(r.cookie("missing").has_value());
}

TEST_CASE("cookie ignores parts without '=' and trims spaces") {
  Request r;
  r.headers = {{"cookie", " junk ;  session =  v1  ;"}};
  CHECK(r.cookie("session") == "v1");
  CHECK_FALSE(r.cookie("junk").has_value());
}

TEST_CASE("header lookup is case-insensitive and takes the first") {
  Request r;
  r.headers = {{"x-request-id", "one"}, {"x-request-id", "two"}};
  CHECK(r.header("X-Request-Id") == "one");
  CHECK(r.has_header("X-REQUEST-ID"));
  CHECK(r.header("origin").empty());
  CHECK_FALSE(r.has_header("origin"));
}

TEST_CASE("Response builders") {
  const Response e = Response::error(404, "no \"such\" thing\n");
  CHECK(e.status == 404);
  CHECK(e.body == R"({"error":"no \"such\" thing\n"})");
  REQUIRE(e.headers.size() == 1);
  CHECK(e.headers[0].value == "application/json");

  Response t = Response::text(200, "hi");
  CHECK(t.headers[0].value == "text/plain; charset=utf-8");
  t.set("content-type", "text/html").set("X-A", "1").set("x-a", "2");
  REQUIRE(t.headers.size() == 2);
  CHECK(t.headers[0].value == "text/html");
  CHECK(t.headers[1].name == "x-a");
  CHECK(t.headers[1].value == "2");
}
