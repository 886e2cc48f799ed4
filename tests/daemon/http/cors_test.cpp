// CORS policy (daemon/http/cors.cpp), without sockets.
#include <doctest/doctest.h>

#include "daemon/http/cors.h"

using amo::http::CorsPolicy;
using amo::http::Request;
using amo::http::Response;

namespace {

CorsPolicy parse(std::string_view value) {
  std::string error;
  auto p = amo::http::parse_cors_origins(value, error);
  REQUIRE_MESSAGE(p.has_value(), error);
  return *p;
}

bool refused(std::string_view value) {
  std::string error;
  const bool bad = !amo::http::parse_cors_origins(value, error).has_value();
  if (bad) CHECK_FALSE(error.empty());
  return bad;
}

std::string header(const Response& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "<absent>";
}

Request preflight_request(std::string origin, std::string request_headers = "") {
  Request r;
  r.method = "OPTIONS";
  r.path = "/api/events";
  r.headers = {{"origin", std::move(origin)}, {"access-control-request-method", "GET"}};
  if (!request_headers.empty()) r.headers.push_back({"access-control-request-headers", std::move(request_headers)});
  return r;
}

}  // namespace

TEST_CASE("parse_cors_origins: lists, trimming, off, star") {
  CHECK_FALSE(parse("").enabled());
  CHECK_FALSE(parse("   ").enabled());
  const CorsPolicy p = parse(" https://app.example.com , http://localhost:3000,HTTPS://Caps.Example");
  CHECK(p.origins == std::vector<std::string>{"https://app.example.com", "http://localhost:3000", "https://caps.example"});
  CHECK_FALSE(p.any);
  CHECK(parse("http://[::1]:8080").origins.size() == 1);
  const CorsPolicy star = parse(" * ");
  CHECK(star.any);
  CHECK(star.origins.empty());
}

TEST_CASE("parse_cors_origins refuses what is not an origin") {
  CHECK(refused("https://app.example.com/"));
  CHECK(refused("https://app.example.com/path"));
  CHECK(refused("https://app.example.com?x=1"));
  CHECK(refused("ftp://app.example.com"));
  CHECK(refused("app.example.com"));
  CHECK(refused("https://"));
  CHECK(refused("https://user@app.example.com"));
  CHECK(refused("https://app.example.com:"));
  CHECK(refused("https://app.example.com:0"));
  CHECK(refused("https://app.example.com:65536"));
  CHECK(refused("https://a.example,,https://b.example"));
  CHECK(refused("https://a.example,"));
  CHECK(refused("*,https://a.example"));
  CHECK(refused("null"));
  std::string error;
  amo::http::parse_cors_origins("https://ok.example, https://bad.example/x", error);
  CHECK(error.find("https://bad.example/x") != std::string::npos);
}

TEST_CASE("preflight for an allowed origin echoes it with credentials") {
  const CorsPolicy p = parse("https://app.example.com");
  const Response r = amo::http::preflight(p, preflight_request("https://app.example.com"), "GET, OPTIONS");
  CHECK(r.status == 204);
  CHECK(header(r, "Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(header(r, "Access-Control-Allow-Credentials") == "true");
  CHECK(header(r, "Access-Control-Allow-Methods") == "GET, OPTIONS");
  CHECK(header(r, "Access-Control-Allow-Headers") == "Authorization, Content-Type, Last-Event-ID, X-Request-Id");
  CHECK(header(r, "Access-Control-Max-Age") == "600");
  CHECK(header(r, "Vary") == "Origin");
}

TEST_CASE("preflight echoes requested headers only when each is allowed") {
  const CorsPolicy p = parse("https://app.example.com");
  const Response ok = amo::http::preflight(p, preflight_request("https://app.example.com", "authorization, last-event-id"));
  CHECK(header(ok, "Access-Control-Allow-Headers") == "authorization, last-event-id");
  const Response other = amo::http::preflight(p, preflight_request("https://app.example.com", "authorization, x-evil"));
  CHECK(header(other, "Access-Control-Allow-Headers") == "Authorization, Content-Type, Last-Event-ID, X-Request-Id");
}

TEST_CASE("preflight for another origin, or with CORS off, is 403") {
  const Response r = amo::http::preflight(parse("https://app.example.com"), preflight_request("https://evil.example"));
  CHECK(r.status == 403);
  CHECK(header(r, "Access-Control-Allow-Origin") == "<absent>");
  CHECK(r.body.find("\"error\"") != std::string::npos);
  CHECK(amo::http::preflight(parse(""), preflight_request("https://app.example.com")).status == 403);
}

TEST_CASE("star answers * and never credentials") {
  const CorsPolicy star = parse("*");
  const Response pre = amo::http::preflight(star, preflight_request("https://anyone.example"));
  CHECK(pre.status == 204);
  CHECK(header(pre, "Access-Control-Allow-Origin") == "*");
  CHECK(header(pre, "Access-Control-Allow-Credentials") == "<absent>");
  CHECK(header(pre, "Access-Control-Allow-Methods") == "GET, POST, OPTIONS");

  Request get;
  get.method = "GET";
  get.headers = {{"origin", "https://anyone.example"}};
  Response actual = Response::json(200, "{}");
  amo::http::apply(star, get, actual);
  CHECK(header(actual, "Access-Control-Allow-Origin") == "*");
  CHECK(header(actual, "Access-Control-Allow-Credentials") == "<absent>");
}

TEST_CASE("apply: allowed origin gets ACAO, credentials and Vary; others no CORS headers") {
  const CorsPolicy p = parse("https://app.example.com");
  Request get;
  get.method = "GET";
  get.headers = {{"origin", "https://app.example.com"}};
  Response ok = Response::json(200, "{}");
  amo::http::apply(p, get, ok);
  CHECK(header(ok, "Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(header(ok, "Access-Control-Allow-Credentials") == "true");
  CHECK(header(ok, "Vary") == "Origin");

  get.headers = {{"origin", "https://evil.example"}};
  Response other = Response::json(200, "{}");
  amo::http::apply(p, get, other);
  CHECK(header(other, "Access-Control-Allow-Origin") == "<absent>");
  CHECK(header(other, "Access-Control-Allow-Credentials") == "<absent>");

  Response off = Response::json(200, "{}");
  amo::http::apply(parse(""), get, off);
  CHECK(off.headers.size() == 1);
}

TEST_CASE("is_preflight needs OPTIONS, Origin and Access-Control-Request-Method") {
  CHECK(amo::http::is_preflight(preflight_request("https://a.example")));
  Request r = preflight_request("https://a.example");
  r.method = "GET";
  CHECK_FALSE(amo::http::is_preflight(r));
  r.method = "OPTIONS";
  r.headers.pop_back();
  CHECK_FALSE(amo::http::is_preflight(r));
}
