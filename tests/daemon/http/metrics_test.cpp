// The http_* series the server keeps when ServerOptions::metrics is set.
#include <doctest/doctest.h>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::http_test::TestServer;

TEST_CASE("requests by status class, latency, connections and streams") {
  TestServer server;
  HttpClient client = server.connect();
  CHECK(client.get("/healthz").status == 200);
  CHECK(client.get("/healthz").status == 200);
  CHECK(client.get("/nope").status == 404);
  HttpClient streaming = server.connect();
  streaming.send(amo::harness::format_request("GET", "/stream"));
  REQUIRE(streaming.read_head().status == 200);
  REQUIRE(streaming.read_chunk().has_value());

  const std::string m = client.get("/metrics").body;
  CHECK(m.find("http_requests_total{code=\"2xx\"} 3\n") != std::string::npos);  // 2 healthz + the stream
  CHECK(m.find("http_requests_total{code=\"4xx\"} 1\n") != std::string::npos);
  CHECK(m.find("http_request_duration_seconds_count 4\n") != std::string::npos);
  CHECK(m.find("http_connections 2\n") != std::string::npos);
  CHECK(m.find("http_streams 1\n") != std::string::npos);
}
