// CORS answers as a browser sees them, from the running server.
#include <doctest/doctest.h>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::harness::HttpResponse;
using amo::http_test::TestServer;

namespace {

bool has_cors_header(const HttpResponse& r) {
  for (const auto& [name, value] : r.headers) {
    if (name.starts_with("access-control-")) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("listed origins: actual requests and preflights") {
  TestServer server({"--cors-origins", "https://app.example.com, http://localhost:3000"});
  HttpClient client = server.connect();

  SUBCASE("allowed origin") {
    const auto r = client.get("/healthz", {{"Origin", "http://localhost:3000"}});
    CHECK(r.status == 200);
    CHECK(r.header("access-control-allow-origin") == "http://localhost:3000");
    CHECK(r.header("access-control-allow-credentials") == "true");
    CHECK(r.header("vary") == "Origin");
  }
  SUBCASE("another origin gets no CORS headers") {
    const auto r = client.get("/healthz", {{"Origin", "https://evil.example"}});
    CHECK(r.status == 200);
    CHECK_FALSE(has_cors_header(r));
  }
  SUBCASE("preflight from an allowed origin") {
    const auto r = client.request("OPTIONS", "/echo",
                                  {{"Origin", "https://app.example.com"},
                                   {"Access-Control-Request-Method", "POST"},
                                   {"Access-Control-Request-Headers", "content-type,x-request-id"}});
    CHECK(r.status == 204);
    CHECK(r.header("access-control-allow-origin") == "https://app.example.com");
    CHECK(r.header("access-control-allow-credentials") == "true");
    CHECK(r.header("access-control-allow-methods") == "POST, OPTIONS");
    CHECK(r.header("access-control-allow-headers") == "content-type,x-request-id");
    CHECK(r.header("access-control-max-age") == "600");
    CHECK(r.header("vary") == "Origin");
  }
  SUBCASE("preflight from another origin: 403 JSON, no CORS headers") {
    const auto r = client.request(
        "OPTIONS", "/echo", {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    CHECK(r.status == 403);
    CHECK(r.body.find("\"error\"") != std::string::npos);
    CHECK_FALSE(has_cors_header(r));
  }
  SUBCASE("error answers carry CORS too, so the page can read them") {
    const auto r = client.get("/nope", {{"Origin", "https://app.example.com"}});
    CHECK(r.status == 404);
    CHECK(r.header("access-control-allow-origin") == "https://app.example.com");
  }
}

TEST_CASE("* answers * and never with credentials") {
  TestServer server({"--cors-origins", "*"});
  HttpClient client = server.connect();
  const auto actual = client.get("/healthz", {{"Origin", "https://anyone.example"}});
  CHECK(actual.header("access-control-allow-origin") == "*");
  CHECK_FALSE(actual.has_header("access-control-allow-credentials"));
  const auto pre = client.request("OPTIONS", "/healthz",
                                  {{"Origin", "https://anyone.example"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(pre.status == 204);
  CHECK(pre.header("access-control-allow-origin") == "*");
  CHECK(pre.header("access-control-allow-methods") == "GET, OPTIONS");
  CHECK_FALSE(pre.has_header("access-control-allow-credentials"));
}

TEST_CASE("without cors_origins no CORS headers at all") {
  TestServer server;
  HttpClient client = server.connect();
  const auto r = client.get("/healthz", {{"Origin", "https://app.example.com"}});
  CHECK_FALSE(has_cors_header(r));
  CHECK_FALSE(r.has_header("vary"));
}
