// Keep-alive, routing answers, request fields and handler failures, over real sockets.
#include <doctest/doctest.h>

#include "tests/daemon/http/test_server_process.h"

using amo::harness::HttpClient;
using amo::http_test::TestServer;

TEST_CASE("two requests on one keep-alive connection") {
  TestServer server;
  HttpClient client = server.connect();
  const auto first = client.get("/healthz");
  CHECK(first.status == 200);
  CHECK(first.body == R"({"status":"ok"})");
  CHECK(first.header("content-type") == "application/json");
  CHECK(first.header("content-length") == "15");
  CHECK_FALSE(first.has_header("connection"));
  CHECK_FALSE(first.has_header("server"));
  const auto second = client.request("POST", "/echo", {}, "hello body");
  CHECK(second.status == 200);
  CHECK(second.body == "hello body");
  // Pipelined: both requests in one write, both answered in order.
  client.send(amo::harness::format_request("GET", "/healthz") + amo::harness::format_request("POST", "/echo", {}, "x"));
  CHECK(client.read_response().body == R"({"status":"ok"})");
  CHECK(client.read_response().body == "x");
}

TEST_CASE("unknown path 404, wrong method 405 with Allow, both JSON errors") {
  TestServer server;
  HttpClient client = server.connect();
  const auto missing = client.get("/nope");
  CHECK(missing.status == 404);
  CHECK(missing.header("content-type") == "application/json");
  CHECK(missing.body.find("\"error\"") != std::string::npos);
  const auto wrong = client.request("DELETE", "/echo");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "POST, OPTIONS");
  CHECK(wrong.body.find("\"error\"") != std::string::npos);
  // A plain OPTIONS (no preflight) lists the methods.
  const auto options = client.request("OPTIONS", "/healthz");
  CHECK(options.status == 204);
  CHECK(options.header("allow") == "GET, OPTIONS");
  CHECK(client.get("/healthz").status == 200);  // still the same connection
}

TEST_CASE("HEAD is GET without the body") {
  TestServer server;
  HttpClient client = server.connect();
  client.send(amo::harness::format_request("HEAD", "/healthz"));
  const auto head = client.read_head();
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "15");
  CHECK(client.get("/healthz").body == R"({"status":"ok"})");  // nothing was left in between
}

TEST_CASE("request fields: lower-case names, path and query apart, decoded parameters, cookies") {
  TestServer server;
  HttpClient client = server.connect();
  const auto r =
      client.get("/inspect?q=a%20b+c&x=1", {{"X-Custom-Header", "Value"}, {"Cookie", "theme=dark; session=s3cr3t"}});
  REQUIRE(r.status == 200);
  CHECK(r.body.find("method=GET\n") != std::string::npos);
  CHECK(r.body.find("path=/inspect\n") != std::string::npos);
  CHECK(r.body.find("query=q=a%20b+c&x=1\n") != std::string::npos);
  CHECK(r.body.find("q=a b c\n") != std::string::npos);
  CHECK(r.body.find("cookie=s3cr3t\n") != std::string::npos);
  CHECK(r.body.find("remote=127.0.0.1\n") != std::string::npos);
  CHECK(r.body.find("header x-custom-header=Value\n") != std::string::npos);
}

TEST_CASE("a handler that throws gets 500 and the connection survives") {
  TestServer server;
  HttpClient client = server.connect();
  const auto r = client.get("/throw", {{"X-Request-Id", "throw-1"}});
  CHECK(r.status == 500);
  CHECK(r.body == R"({"error":"internal error"})");
  CHECK(client.get("/healthz").status == 200);
  CHECK(server.wait_log("http handler failed request_id=throw-1", std::chrono::seconds(2)));
}

TEST_CASE("chunked request bodies and Expect: 100-continue") {
  TestServer server;
  HttpClient client = server.connect();
  client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  const auto chunked = client.read_response();
  CHECK(chunked.status == 200);
  CHECK(chunked.body == "hello world");

  client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  CHECK(client.read_head().status == 100);
  client.send("body");
  CHECK(client.read_response().body == "body");
}

TEST_CASE("Connection: close is honoured, and HTTP/1.0 closes by default") {
  TestServer server;
  HttpClient client = server.connect();
  const auto r = client.get("/healthz", {{"Connection", "close"}});
  CHECK(r.status == 200);
  CHECK(r.header("connection") == "close");
  CHECK(client.wait_closed(std::chrono::seconds(10)));

  HttpClient old = server.connect();
  old.send("GET /healthz HTTP/1.0\r\n\r\n");
  CHECK(old.read_response().status == 200);
  CHECK(old.wait_closed(std::chrono::seconds(10)));
}

TEST_CASE("a malformed request gets 400 and a close") {
  TestServer server;
  HttpClient client = server.connect();
  client.send("GARBAGE\r\n\r\n");
  const auto r = client.read_response();
  CHECK(r.status == 400);
  CHECK(client.wait_closed(std::chrono::seconds(10)));
}
