// token-service/client_ip.h: X-Forwarded-For only from the local edge.
#include <doctest/doctest.h>

#include "token-service/client_ip.h"

using amo::http::Request;
using amo::token_service::client_ip;

namespace {

Request from(std::string ip, std::vector<std::string> xff = {}) {
  Request r;
  r.remote_ip = std::move(ip);
  for (auto& v : xff) r.headers.push_back({"x-forwarded-for", std::move(v)});
  return r;
}

}  // namespace

TEST_CASE("the peer address, unless the peer is the local edge") {
  CHECK(client_ip(from("203.0.113.9")) == "203.0.113.9");
  CHECK(client_ip(from("203.0.113.9", {"198.51.100.1"})) == "203.0.113.9");
  CHECK(client_ip(from("127.0.0.1")) == "127.0.0.1");
  CHECK(client_ip(from("127.0.0.1", {"198.51.100.1"})) == "198.51.100.1");
  CHECK(client_ip(from("::1", {"2001:db8::1"})) == "2001:db8::1");
}

TEST_CASE("the last entry is the one the edge appended; what the client sent before it is not trusted") {
  CHECK(client_ip(from("127.0.0.1", {"1.1.1.1, 198.51.100.1"})) == "198.51.100.1");
  CHECK(client_ip(from("127.0.0.1", {"1.1.1.1", "198.51.100.7 "})) == "198.51.100.7");
  CHECK(client_ip(from("127.0.0.1", {""})) == "127.0.0.1");
  // Not an address (it would reach audit lines): the peer's address instead.
  CHECK(client_ip(from("127.0.0.1", {"evil\nip=1.2.3.4"})) == "127.0.0.1");
  CHECK(client_ip(from("127.0.0.1", {"unknown"})) == "127.0.0.1");
}
