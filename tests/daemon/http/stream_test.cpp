// Streaming responses: chunks as written, a peer that leaves is noticed at once, a slow
// reader is dropped without holding anyone else up.
#include <doctest/doctest.h>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::http_test::TestServer;
using namespace std::chrono_literals;

TEST_CASE("a stream sends each write as a chunk") {
  TestServer server;
  HttpClient client = server.connect();
  client.send(amo::harness::format_request("GET", "/stream"));
  const auto head = client.read_head();
  CHECK(head.status == 200);
  CHECK(head.chunked);
  CHECK(head.header("content-type") == "text/event-stream");
  CHECK_FALSE(head.has_header("content-length"));
  CHECK(client.read_chunk() == "data: tick 0\n\n");
  CHECK(client.read_chunk() == "data: tick 1\n\n");
}

TEST_CASE("the client disconnects: on_close fires promptly") {
  TestServer server;
  {
    HttpClient client = server.connect();
    client.send(amo::harness::format_request("GET", "/stream", {{"X-Request-Id", "gone-1"}}));
    REQUIRE(client.read_head().status == 200);
    REQUIRE(client.read_chunk().has_value());
    CHECK(server.log().find("stream closed request_id=gone-1") == std::string::npos);
  }
  CHECK(server.wait_log("stream closed request_id=gone-1", 2s));
  CHECK(server.connect().get("/healthz").status == 200);
}

TEST_CASE("a reader that keeps up is never dropped, however much passes") {
  TestServer server({"--stream-buffer-bytes", "4194304"});
  HttpClient client = server.connect();
  client.send(amo::harness::format_request("GET", "/flood", {{"X-Request-Id", "fast-1"}}));
  REQUIRE(client.read_head().status == 200);
  std::size_t received = 0;
  while (received < 8 * 1024 * 1024) {
    const auto chunk = client.read_chunk();
    REQUIRE(chunk.has_value());
    received += chunk->size();
  }
  CHECK(server.log().find("stream closed request_id=fast-1") == std::string::npos);
}

TEST_CASE("a reader that never reads is dropped; /healthz stays served meanwhile") {
  TestServer server({"--stream-buffer-bytes", "4194304"});
  HttpClient sink = server.connect({.timeout = 10s, .receive_buffer = 4096});
  sink.send(amo::harness::format_request("GET", "/flood", {{"X-Request-Id", "flood-1"}}));
  HttpClient other = server.connect();
  for (int i = 0; i < 20; ++i) CHECK(other.get("/healthz").status == 200);
  CHECK(server.wait_log("stream closed request_id=flood-1", 10s));
  CHECK(server.wait_log("request_id=flood-1 method=GET path=/flood status=200", 2s));
  CHECK(other.get("/healthz").status == 200);
}
