// Response heads, chunk framing and access-log lines (wire.cpp, access_log.cpp), and the
// route table, without sockets.
#include <doctest/doctest.h>

#include "daemon/http/access_log.h"
#include "daemon/http/route_table.h"
#include "daemon/http/wire.h"

using amo::http::Header;

TEST_CASE("append_head: status line, the handler's headers, X-Request-Id") {
  std::string out;
  amo::http::append_head(out, 200, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}},
                         "0123456789abcdef");
  CHECK(out ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
        "X-Request-Id: 0123456789abcdef\r\n");
}

TEST_CASE("append_head drops framing headers and headers that could break the framing") {
  std::string out;
  amo::http::append_head(out, 404,
                         {{"Content-Length", "99"},
                          {"transfer-encoding", "chunked"},
                          {"Connection", "keep-alive"},
                          {"X-Request-Id", "forged"},
                          {"X-Split", "a\r\nSet-Cookie: evil=1"},
                          {"Bad Name", "v"},
                          {"", "v"},
                          {"X-Ok", "fine"}},
                         "id1");
  CHECK(out == "HTTP/1.1 404 Not Found\r\nX-Ok: fine\r\nX-Request-Id: id1\r\n");
}

TEST_CASE("reason phrases, bodiless statuses, chunk sizes") {
  CHECK(amo::http::reason_phrase(431) == "Request Header Fields Too Large");
  CHECK(amo::http::reason_phrase(429) == "Too Many Requests");
  CHECK(amo::http::reason_phrase(299) == "Unknown");
  CHECK(amo::http::has_no_body(204));
  CHECK(amo::http::has_no_body(304));
  CHECK(amo::http::has_no_body(100));
  CHECK_FALSE(amo::http::has_no_body(200));
  CHECK_FALSE(amo::http::has_no_body(404));
  std::string chunk;
  amo::http::append_chunk_size(chunk, 0x1a2b);
  CHECK(chunk == "1a2b\r\n");
}

TEST_CASE("access_line: the agreed fields and nothing else") {
  const std::string line = amo::http::access_line({.request_id = "abc",
                                                   .method = "GET",
                                                   .path = "/api/events",
                                                   .status = 200,
                                                   .bytes = 15,
                                                   .duration_ms = 1.23456,
                                                   .remote = "127.0.0.1"});
  CHECK(line == "http request_id=abc method=GET path=/api/events status=200 bytes=15 duration_ms=1.235 remote=127.0.0.1");
  const std::string empty = amo::http::access_line(
      {.request_id = "x", .method = "", .path = "", .status = 431, .bytes = 0, .duration_ms = 0, .remote = "::1"});
  CHECK(empty == "http request_id=x method=- path=- status=431 bytes=0 duration_ms=0.000 remote=::1");
}

TEST_CASE("RouteTable: exact matches, Allow lists, HEAD falls back to GET") {
  const auto ok = [](const amo::http::Request&) { return amo::http::Response{}; };
  const std::vector<amo::http::Route> routes{
      {"GET", "/a", ok}, {"POST", "/a", ok}, {"GET", "/b", ok}, {"OPTIONS", "/c", ok}, {"HEAD", "/d", ok}};
  const amo::http::RouteTable table(routes);

  const auto get_a = table.find("GET", "/a");
  CHECK(get_a.route == &routes[0]);
  REQUIRE(get_a.allow);
  CHECK(*get_a.allow == "GET, POST, OPTIONS");
  CHECK(table.find("POST", "/a").route == &routes[1]);
  const auto del = table.find("DELETE", "/a");
  CHECK(del.route == nullptr);
  CHECK(del.allow != nullptr);
  CHECK(table.find("HEAD", "/b").route == &routes[2]);
  CHECK(*table.find("OPTIONS", "/c").allow == "OPTIONS");
  CHECK(table.find("HEAD", "/d").route == &routes[4]);
  const auto missing = table.find("GET", "/a/");
  CHECK(missing.route == nullptr);
  CHECK(missing.allow == nullptr);
  CHECK(table.find("get", "/a").route == nullptr);  // methods are case-sensitive (RFC 9110 §9.1)
}
