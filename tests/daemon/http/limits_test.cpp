// Bounded header (431) and body (413) sizes.
#include <doctest/doctest.h>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::http_test::TestServer;

TEST_CASE("Content-Length over max_body_bytes: 413 at once, without the body being sent") {
  TestServer server({"--max-body-bytes", "1024"});
  HttpClient client = server.connect();
  client.send("POST /echo HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example\r\nContent-Length: 1000000\r\n\r\n");
  const auto r = client.read_response();  // no body byte was sent: the answer came anyway
  CHECK(r.status == 413);
  CHECK(r.header("connection") == "close");
  CHECK(r.body.find("\"error\"") != std::string::npos);
  CHECK(client.wait_closed(std::chrono::seconds(10)));

  HttpClient fits = server.connect();
  CHECK(fits.request("POST", "/echo", {}, std::string(1024, 'a')).status == 200);
}

TEST_CASE("a chunked body over max_body_bytes: 413") {
  TestServer server({"--max-body-bytes", "1024"});
  HttpClient client = server.connect();
  const std::string chunk(800, 'b');
  client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk + "\r\n320\r\n" +
              chunk + "\r\n0\r\n\r\n");
  CHECK(client.read_response().status == 413);
  CHECK(client.wait_closed(std::chrono::seconds(10)));
}

TEST_CASE("a header over max_header_bytes: 431 and a close") {
  TestServer server({"--max-header-bytes", "4096"});
  HttpClient client = server.connect();
  client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'h') + "\r\n\r\n");
  const auto r = client.read_response();
  CHECK(r.status == 431);
  CHECK(r.header("connection") == "close");
  CHECK(client.wait_closed(std::chrono::seconds(10)));

  HttpClient fits = server.connect();
  CHECK(fits.get("/healthz", {{"X-Big", std::string(3000, 'h')}}).status == 200);
}
