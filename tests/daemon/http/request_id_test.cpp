// Request ids (daemon/http/request_id.cpp), without sockets.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "daemon/http/request_id.h"

TEST_CASE("is_sane_request_id: 1..64 of [A-Za-z0-9._-]") {
  CHECK(amo::http::is_sane_request_id("a"));
  CHECK(amo::http::is_sane_request_id("Edge-42.a_b"));
  CHECK(amo::http::is_sane_request_id(std::string(64, 'x')));
  CHECK_FALSE(amo::http::is_sane_request_id(""));
  CHECK_FALSE(amo::http::is_sane_request_id(std::string(65, 'x')));
  CHECK_FALSE(amo::http::is_sane_request_id("has space"));
  CHECK_FALSE(amo::http::is_sane_request_id("a\r\nb"));
  CHECK_FALSE(amo::http::is_sane_request_id("token=abc"));
  CHECK_FALSE(amo::http::is_sane_request_id("caf\xC3\xA9"));
}

TEST_CASE("RequestIds: 16 lower-case hex chars, all different") {
  amo::http::RequestIds ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = ids.next();
    CHECK(id.size() == 16);
    CHECK(std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}
