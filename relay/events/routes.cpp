#include "relay/events/routes.h"

#include <cstdint>
#include <cstdio>

#include "core/json/write.h"
#include "daemon/log/log.h"
#include "relay/events/caller.h"
#include "relay/events/connection_pool.h"
#include "relay/events/cursor.h"
#include "relay/events/feed.h"
#include "relay/events/frames.h"
#include "relay/events/history_params.h"

namespace amo::relay {
namespace {

std::string etag_of(std::string_view body) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (const unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

http::Response events(Authenticator& auth, Feed& feed, ConnectionPool& pool, const http::Request& r) {
  auto who = auth.authenticate(r);
  if (!who.caller) return http::Response::error(who.status, who.error);
  Caller caller = std::move(*who.caller);
  std::optional<std::string_view> raw_cursor;
  std::optional<std::string> query_cursor = r.query_param("last_event_id");
  if (r.has_header("last-event-id"))
    raw_cursor = r.header("last-event-id");
  else if (query_cursor)
    raw_cursor = *query_cursor;
  const Cursor cursor = parse_cursor(raw_cursor);

  if (!feed.reserve(caller.scope)) {
    auto res = http::Response::error(429, "too many event streams (sse_per_user / sse_total)");
    return res.set("Retry-After", "5");
  }
  TenantBounds bounds;
  try {
    auto c = pool.borrow();
    bounds = c->with_retry([&](pqxx::connection& conn) { return tenant_bounds(conn, caller.scope.amo); });
  } catch (const std::exception& e) {
    feed.release(caller.scope);
    log::warning(std::string("sse: database unavailable: ") + e.what());
    return http::Response::error(503, "database unavailable");
  }
  const Start start = decide_start(cursor, bounds.latest, bounds.oldest);
  std::string first = sse_retry();
  if (start.kind == Start::Kind::reset)
    first += sse_event(start.after, "reset", reset_envelope(caller.scope.amo, start.after, start.reason));

  http::Response res;
  res.set("Content-Type", "text/event-stream");
  res.set("Cache-Control", "no-store");
  res.set("X-Accel-Buffering", "no");
  res.start = [&feed, caller = std::move(caller), after = start.after,
               first = std::move(first)](std::shared_ptr<http::Stream> stream) mutable {
    feed.add(std::move(stream), std::move(caller), after, std::move(first));
  };
  return res;
}

http::Response history(Authenticator& auth, ConnectionPool& pool, const http::Request& r) {
  auto who = auth.authenticate(r);
  if (!who.caller) return http::Response::error(who.status, who.error);
  auto params = parse_history_params(r.query);
  if (!params.error.empty()) return http::Response::error(400, params.error);
  HistoryQuery& q = params.query;
  q.amo = who.caller->scope.amo;
  q.topics = who.caller->scope.topics;
  std::vector<EventRow> rows;
  try {
    auto c = pool.borrow();
    rows = c->with_retry([&](pqxx::connection& conn) { return history_page(conn, q); });
  } catch (const std::exception& e) {
    log::warning(std::string("history: database unavailable: ") + e.what());
    return http::Response::error(503, "database unavailable");
  }
  std::string body = "{\"events\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) body.push_back(',');
    body += rows[i].data;
  }
  body += "],\"next\":";
  body += rows.size() == static_cast<std::size_t>(q.limit) ? std::to_string(rows.back().seq) : "null";
  body += "}";
  const std::string etag = etag_of(body);
  http::Response res;
  if (r.header("if-none-match") == etag) {
    res.status = 304;
  } else {
    res = http::Response::json(200, std::move(body));
  }
  res.set("ETag", etag);
  res.set("Cache-Control", "private, max-age=15");
  return res;
}

}  // namespace

std::vector<http::Route> event_routes(Authenticator& auth, Feed& feed, ConnectionPool& pool) {
  return {{"GET", "/api/events", [&](const http::Request& r) { return events(auth, feed, pool, r); }, true},
          {"GET", "/api/events/history", [&](const http::Request& r) { return history(auth, pool, r); }, true}};
}

}  // namespace amo::relay
