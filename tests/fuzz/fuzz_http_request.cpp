// The request path both daemons share, from raw bytes: Beast's request_parser with the
// server's limits (8 KiB header, 64 KiB body), the http::Request the server fills from it
// (server.cpp's fill_request, repeated here: it is a member of the connection), then the pure
// code a request reaches. Invariants:
// - routing (RouteTable, both daemons' routes): a match is the route of that path and method
//   (HEAD may take GET's); Allow is given exactly for a known path;
// - the request id is a client's sane X-Request-Id or a generated one, ^[A-Za-z0-9._-]{1,64}$;
// - SSE (relay routes.cpp): the cursor from Last-Event-ID, else ?last_event_id=, is none
//   exactly when absent or empty, valid exactly when all digits ≤ 2^63-1 (and then its decimal
//   text is the input's without leading zeros), else bad; decide_start resumes only within
//   [oldest-1, latest] at the cursor, resets with a reason at latest, starts live at latest;
// - history (parse_history_params on the query): an error is one line and its 400 answer is
//   JSON (valid UTF-8 whatever the query held); accepted parameters are in range, and
//   written back as a query they parse to the same values;
// - the portal session (extract_session_token, cookie `session`): a bearer token is non-empty
//   and trimmed, a cookie token is the cookie's value, not_bearer exactly for another scheme,
//   no_credential exactly without either; a cookie value holds no ';'.
// Boost's asserts stay on (Beast's are worth having), through a handler that lets one known
// wrong assert pass: Beast 1.74's parse_chunk_header asserts n >= 5 where a last chunk
// "0\r\n" plus one byte is 4 and the code after it answers need_more correctly (fixed
// upstream, boostorg/beast#2861). The daemons build with NDEBUG (RelWithDebInfo), without it.
#define BOOST_ENABLE_ASSERT_HANDLER
#include <boost/assert.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <string>

#include <simdjson.h>
#include "daemon/auth/portal_session.h"
#include "daemon/http/request_id.h"
#include "daemon/http/route_table.h"
#include "daemon/http/text.h"
#include "relay/events/cursor.h"
#include "relay/events/history_params.h"
#include "tests/fuzz/fuzz_check.h"

using namespace amo;
namespace bhttp = boost::beast::http;

namespace {

struct Fixture {
  std::vector<http::Route> routes;
  http::RouteTable* table = nullptr;
  http::RequestIds ids;
  simdjson::dom::parser json;  // plain JSON (UTF-8 checked): \u0000 in an error is fine there

  Fixture() {
    auto none = [](const http::Request&) { return http::Response{}; };
    // relay (relay/events/routes.cpp), token service (token-service/service.cpp), both (daemon/run/serve.cpp)
    for (const auto& [method, path] : std::vector<std::pair<const char*, const char*>>{
             {"GET", "/api/events"},
             {"GET", "/api/events/history"},
             {"POST", "/api/realtime/token"},
             {"POST", "/api/realtime/messages"},
             {"POST", "/api/realtime/revoke"},
             {"GET", "/.well-known/jwks.json"},
             {"GET", "/healthz"},
             {"GET", "/metrics"}})
      routes.push_back({method, path, none, false});
    table = new http::RouteTable(routes);
  }
};

Fixture* fx = nullptr;

bool is_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

bool plain_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

std::string to_std(boost::beast::string_view s) { return std::string(s.data(), s.size()); }

// server.cpp's fill_request.
http::Request fill_request(bhttp::request<bhttp::string_body>& msg) {
  http::Request r;
  r.method = to_std(msg.method_string());
  r.target = to_std(msg.target());
  const std::size_t q = r.target.find('?');
  r.path.assign(r.target, 0, q);
  if (q != std::string::npos) r.query.assign(r.target, q + 1);
  for (const auto& field : msg) r.headers.push_back({http::lower(to_std(field.name_string())), to_std(field.value())});
  r.body = std::move(msg.body());
  r.remote_ip = "127.0.0.1";
  const std::string_view client_id = r.header("x-request-id");
  r.request_id = http::is_sane_request_id(client_id) ? std::string(client_id) : fx->ids.next();
  return r;
}

void check_route(const http::Request& r) {
  const auto match = fx->table->find(r.method, r.path);
  bool known = false;
  for (const auto& route : fx->routes) known |= route.path == r.path;
  AMO_FUZZ_CHECK(known == (match.allow != nullptr));
  if (match.route) {
    AMO_FUZZ_CHECK(match.route->path == r.path);
    AMO_FUZZ_CHECK(match.route->method == r.method || (r.method == "HEAD" && match.route->method == "GET"));
  }
}

void check_cursor(const http::Request& r) {
  std::optional<std::string_view> raw;
  const std::optional<std::string> query_cursor = r.query_param("last_event_id");
  if (r.has_header("last-event-id"))
    raw = r.header("last-event-id");
  else if (query_cursor)
    raw = *query_cursor;
  const relay::Cursor c = relay::parse_cursor(raw);
  if (!raw || raw->empty()) {
    AMO_FUZZ_CHECK(c.kind == relay::Cursor::Kind::none);
  } else if (c.kind == relay::Cursor::Kind::valid) {
    AMO_FUZZ_CHECK(is_digits(*raw) && c.seq >= 0);
    std::string_view stripped = *raw;
    while (stripped.size() > 1 && stripped[0] == '0') stripped.remove_prefix(1);
    AMO_FUZZ_CHECK(std::to_string(c.seq) == stripped);
  } else {
    AMO_FUZZ_CHECK(c.kind == relay::Cursor::Kind::bad);
    // Digits only, then it is bad for its size: above 2^63-1.
    if (is_digits(*raw)) {
      std::string_view stripped = *raw;
      while (stripped.size() > 1 && stripped[0] == '0') stripped.remove_prefix(1);
      AMO_FUZZ_CHECK(stripped.size() > 19 || (stripped.size() == 19 && stripped > "9223372036854775807"));
    }
  }
  constexpr std::int64_t kMax = 9'223'372'036'854'775'807;
  const std::pair<std::int64_t, std::optional<std::int64_t>> bounds[] = {
      {0, std::nullopt}, {100, std::nullopt}, {100, 1}, {100, 50}, {kMax - 1, 1}, {kMax - 1, kMax - 1}};
  for (const auto& [latest, oldest] : bounds) {
    const relay::Start s = relay::decide_start(c, latest, oldest);
    switch (s.kind) {
      case relay::Start::Kind::live:
        AMO_FUZZ_CHECK(c.kind == relay::Cursor::Kind::none && s.after == latest);
        break;
      case relay::Start::Kind::reset:
        AMO_FUZZ_CHECK(c.kind != relay::Cursor::Kind::none && s.after == latest && !s.reason.empty());
        break;
      case relay::Start::Kind::resume:
        AMO_FUZZ_CHECK(c.kind == relay::Cursor::Kind::valid && s.after == c.seq && s.after <= latest);
        AMO_FUZZ_CHECK(s.after >= (oldest ? *oldest - 1 : latest));
        break;
    }
  }
}

void check_history(const http::Request& r) {
  const relay::HistoryParams p = relay::parse_history_params(r.query);
  if (!p.error.empty()) {
    AMO_FUZZ_CHECK(p.error.find('\n') == std::string::npos);
    const http::Response res = http::Response::error(400, p.error);
    simdjson::dom::element body;
    AMO_FUZZ_CHECK_WHY(fx->json.parse(res.body).get(body) == simdjson::SUCCESS, "400 body is not JSON: %s",
                       res.body.c_str());
    return;
  }
  const relay::HistoryQuery& q = p.query;
  AMO_FUZZ_CHECK(q.after >= 0 && q.limit >= 1 && q.limit <= 500);
  for (const std::string* f : {&q.kind, &q.entity, &q.entity_id})
    AMO_FUZZ_CHECK(f->empty() || (f->size() <= 64 && f->find_first_of("&=%+ /\"") == std::string::npos));
  for (const std::string* t : {&q.since, &q.until}) AMO_FUZZ_CHECK(t->empty() || relay::is_rfc3339(*t));
  // Written back (filter values and times need no escaping but '+' of an offset), the same query.
  std::string again = "after=" + std::to_string(q.after) + "&limit=" + std::to_string(q.limit);
  const std::pair<const char*, const std::string*> named[] = {
      {"kind", &q.kind}, {"entity", &q.entity}, {"entity_id", &q.entity_id}, {"since", &q.since}, {"until", &q.until}};
  for (const auto& [name, value] : named) {
    if (value->empty()) continue;
    again += std::string("&") + name + "=";
    for (char c : *value) again += c == '+' ? std::string("%2B") : std::string(1, c);
  }
  const relay::HistoryParams back = relay::parse_history_params(again);
  AMO_FUZZ_CHECK_WHY(back.error.empty(), "written back: %s -> %s", again.c_str(), back.error.c_str());
  const relay::HistoryQuery& b = back.query;
  AMO_FUZZ_CHECK(b.after == q.after && b.limit == q.limit && b.kind == q.kind && b.entity == q.entity &&
                 b.entity_id == q.entity_id && b.since == q.since && b.until == q.until);
}

void check_session(const http::Request& r) {
  const std::optional<std::string> cookie = r.cookie("session");
  if (cookie) AMO_FUZZ_CHECK(cookie->find(';') == std::string::npos);
  std::string token;
  auth::CredentialSource source;
  const auth::SessionStatus s = auth::extract_session_token(r, "session", token, source);
  const bool has_auth = r.has_header("authorization");
  switch (s) {
    case auth::SessionStatus::ok:
      AMO_FUZZ_CHECK(!token.empty());
      if (source == auth::CredentialSource::bearer) {
        AMO_FUZZ_CHECK(has_auth && http::trim(token) == token);
      } else {
        AMO_FUZZ_CHECK(source == auth::CredentialSource::cookie && !has_auth && cookie && token == *cookie);
      }
      break;
    case auth::SessionStatus::not_bearer:
      AMO_FUZZ_CHECK(has_auth && source == auth::CredentialSource::none);
      break;
    case auth::SessionStatus::no_credential:
      AMO_FUZZ_CHECK(!has_auth && (!cookie || cookie->empty()) && source == auth::CredentialSource::none);
      break;
    default:
      AMO_FUZZ_CHECK_WHY(false, "extract_session_token: %s", auth::name(s).data());
  }
}

}  // namespace

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::strcmp(expr, "n >= 5") == 0 && std::string_view(file).ends_with("http/impl/basic_parser.ipp")) return;
  std::fprintf(stderr, "Boost assertion failed: %s in %s (%s:%ld)\n", expr, function, file, line);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
  std::fprintf(stderr, "Boost assertion failed: %s (%s) in %s (%s:%ld)\n", expr, msg, function, file, line);
  std::abort();
}

}  // namespace boost

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fx = new Fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(8192);  // ServerOptions' defaults
  parser.body_limit(65536);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == bhttp::error::need_more && n == 0) break;
    if (ec && ec != bhttp::error::need_more) break;
    used += n;
    ec = {};
  }
  // The server dispatches a whole request; it answers a refused one (431/413/400) from its
  // header alone, which the route and parameter code never see.
  if (!parser.is_done() || ec) return 0;
  http::Request r = fill_request(parser.get());
  AMO_FUZZ_CHECK(plain_id(r.request_id));
  check_route(r);
  check_cursor(r);
  check_history(r);
  check_session(r);
  return 0;
}
