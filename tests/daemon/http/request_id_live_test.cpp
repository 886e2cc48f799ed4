// Request ids in answers and access-log lines; the query string never logged.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::http_test::access_line;
using amo::http_test::TestServer;
using namespace std::chrono_literals;

namespace {

bool is_generated_id(const std::string& id) {
  return id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

TEST_CASE("a sane X-Request-Id is kept, echoed and logged with the request") {
  TestServer server;
  HttpClient client = server.connect();
  const auto r = client.get("/healthz", {{"X-Request-Id", "edge-42.a_b"}});
  CHECK(r.header("x-request-id") == "edge-42.a_b");
  REQUIRE(server.wait_log("request_id=edge-42.a_b ", 2s));
  const std::string line = access_line(server.log(), "edge-42.a_b");
  CHECK(line.find("method=GET path=/healthz status=200 bytes=15 duration_ms=") != std::string::npos);
  CHECK(line.find(" remote=127.0.0.1") != std::string::npos);
}

TEST_CASE("an insane or missing X-Request-Id is replaced by 16 hex chars") {
  TestServer server;
  HttpClient client = server.connect();
  const auto none = client.get("/healthz");
  CHECK(is_generated_id(none.header("x-request-id")));
  const auto spaced = client.get("/healthz", {{"X-Request-Id", "has space"}});
  CHECK(is_generated_id(spaced.header("x-request-id")));
  const auto longer = client.get("/healthz", {{"X-Request-Id", std::string(65, 'a')}});
  CHECK(is_generated_id(longer.header("x-request-id")));
  CHECK(none.header("x-request-id") != spaced.header("x-request-id"));
  REQUIRE(server.wait_log("request_id=" + longer.header("x-request-id"), 2s));
  CHECK(server.log().find(std::string(65, 'a')) == std::string::npos);
}

TEST_CASE("the query string and header values never reach the log") {
  TestServer server;
  HttpClient client = server.connect();
  const auto r = client.get("/inspect?token=SECRETQUERYVALUE&q=1",
                            {{"Authorization", "Bearer SECRETHEADERVALUE"}, {"X-Request-Id", "no-query-1"}});
  CHECK(r.status == 200);
  REQUIRE(server.wait_log("request_id=no-query-1 ", 2s));
  const std::string log = server.log();
  CHECK(access_line(log, "no-query-1").find("path=/inspect status=200") != std::string::npos);
  CHECK(log.find("SECRETQUERYVALUE") == std::string::npos);
  CHECK(log.find("SECRETHEADERVALUE") == std::string::npos);
  CHECK(log.find("token=") == std::string::npos);
}
