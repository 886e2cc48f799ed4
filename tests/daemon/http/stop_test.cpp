// Graceful stop on SIGTERM: in-flight requests finish, new connections are refused.
#include <doctest/doctest.h>

#include <signal.h>

#include <thread>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::http_test::TestServer;
using namespace std::chrono_literals;

TEST_CASE("SIGTERM during a slow request: the answer arrives whole, new connections are refused, exit 0") {
  TestServer server;
  HttpClient busy = server.connect();
  HttpClient idle = server.connect();
  CHECK(idle.get("/healthz").status == 200);
  busy.send(amo::harness::format_request("GET", "/slow?ms=1500", {{"X-Request-Id", "slow-1"}}));
  REQUIRE(server.wait_log("request_id=", 2s));  // the idle one's line: the server is up
  std::this_thread::sleep_for(300ms);           // the slow handler is running now
  server.signal(SIGTERM);

  // The listening socket goes away at once; a connect that races it may still land in the
  // backlog, so poll until refused.
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    refused = !amo::harness::can_connect(server.port());
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  CHECK(refused);
  CHECK(idle.wait_closed(5s));  // idle keep-alive connections are closed

  const auto r = busy.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == R"({"slept_ms":1500})");
  CHECK(r.header("connection") == "close");
  busy.close();
  CHECK(server.wait_exit(10s) == 0);
  CHECK(server.log().find("stopped") != std::string::npos);
}

TEST_CASE("SIGTERM ends open streams with their last chunk") {
  TestServer server;
  HttpClient client = server.connect();
  client.send(amo::harness::format_request("GET", "/stream", {{"X-Request-Id", "stream-stop"}}));
  const auto head = client.read_head();
  REQUIRE(head.status == 200);
  REQUIRE(client.read_chunk().has_value());
  server.signal(SIGTERM);
  int chunks = 0;
  while (client.read_chunk()) ++chunks;  // ends with the last chunk, not a timeout
  CHECK(chunks < 100);
  CHECK(server.wait_exit(10s) == 0);
  CHECK(server.log().find("stream closed request_id=stream-stop") != std::string::npos);
}
