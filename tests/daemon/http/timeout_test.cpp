// Slow clients: a request must arrive whole within read_timeout, idle keep-alive ends.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::http_test::TestServer;
using namespace std::chrono_literals;

TEST_CASE("half a header: 408 and closed after read_timeout; others served meanwhile") {
  TestServer server({"--read-timeout-ms", "1000"});
  HttpClient slow = server.connect();
  slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Part: ");
  HttpClient normal = server.connect();
  CHECK(normal.get("/healthz").status == 200);
  CHECK(slow.wait_closed(10s));
  CHECK(slow.received().starts_with("HTTP/1.1 408 "));
  CHECK(normal.get("/healthz").status == 200);
}

TEST_CASE("a header trickled byte by byte is cut off") {
  TestServer server({"--read-timeout-ms", "1000"});
  HttpClient slow = server.connect();
  std::atomic<bool> stop{false};
  std::atomic<bool> send_failed{false};
  std::thread trickle([&] {
    const std::string header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 's');
    for (char c : header) {
      if (stop) return;
      try {
        slow.send(std::string_view(&c, 1));
      } catch (const std::exception&) {
        send_failed = true;
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
  });
  HttpClient normal = server.connect();
  CHECK(normal.get("/healthz").status == 200);
  // The trickler keeps sending; the server must close anyway. Our reads would race the
  // trickler's writes on one socket, so wait for the close through the log instead.
  CHECK(server.wait_log("status=408", 10s));
  stop = true;
  trickle.join();
  CHECK(slow.wait_closed(10s));
  CHECK(normal.get("/healthz").status == 200);
}

TEST_CASE("an idle keep-alive connection is closed quietly after idle_timeout") {
  TestServer server({"--idle-timeout-ms", "500"});
  HttpClient client = server.connect();
  CHECK(client.get("/healthz").status == 200);
  CHECK(client.wait_closed(10s));
  CHECK(client.received().empty());  // no 408 for a connection that sent nothing
}

TEST_CASE("a connection that never sends is closed after read_timeout") {
  TestServer server({"--read-timeout-ms", "500"});
  HttpClient silent = server.connect();
  CHECK(silent.wait_closed(10s));
  CHECK(silent.received().empty());
}
