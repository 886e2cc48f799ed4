#include "relay/events/events_sql.h"

#include "relay/drain/pg_array.h"

namespace amo::relay {
namespace {

#define AMO_EVENT_COLUMNS "o.seq, o.topic, o.envelope->>'kind', (o.envelope || jsonb_build_object('seq', o.seq))::text"

const char* const kBounds =
    "SELECT COALESCE((SELECT last_seq FROM realtime_outbox_seq WHERE amo_id = $1), 0), "
    "(SELECT min(seq) FROM realtime_outbox WHERE amo_id = $1)";

const char* const kBetween = "SELECT " AMO_EVENT_COLUMNS
                             " FROM realtime_outbox o WHERE o.amo_id = $1 AND o.seq > $2 AND o.seq <= $3 "
                             "AND o.topic = ANY ($4::text[]) ORDER BY o.seq";

const char* const kAfter =
    "SELECT c.amo_id, " AMO_EVENT_COLUMNS
    " FROM unnest($1::text[], $2::bigint[]) AS c(amo_id, after) "
    "CROSS JOIN LATERAL (SELECT seq, topic, envelope FROM realtime_outbox WHERE amo_id = c.amo_id AND seq > c.after "
    "ORDER BY seq LIMIT $3) AS o ORDER BY c.amo_id, o.seq";

const char* const kHistory =
    "SELECT " AMO_EVENT_COLUMNS
    " FROM realtime_outbox o WHERE o.amo_id = $1 AND o.seq > $2 AND o.topic = ANY ($3::text[]) "
    "AND ($4 = '' OR o.envelope->>'kind' = $4) "
    "AND ($5 = '' OR o.envelope->'payload'->>'entity' = $5) "
    "AND ($6 = '' OR o.envelope->'payload'->>'entity_id' = $6) "
    "AND (NULLIF($7, '') IS NULL OR o.created_at >= NULLIF($7, '')::timestamptz) "
    "AND (NULLIF($8, '') IS NULL OR o.created_at < NULLIF($8, '')::timestamptz) "
    "ORDER BY o.seq LIMIT $9";

const char* const kUsers =
    "SELECT u.amo_id, u.user_id, u.is_active, "
    "COALESCE(ceil(EXTRACT(EPOCH FROM u.token_revoked_at)), 0)::bigint "
    "FROM realtime_users u JOIN unnest($1::text[], $2::text[]) AS c(amo_id, user_id) "
    "ON u.amo_id = c.amo_id AND u.user_id = c.user_id";

const char* const kUser =
    "SELECT is_active, COALESCE(ceil(EXTRACT(EPOCH FROM token_revoked_at)), 0)::bigint FROM realtime_users "
    "WHERE amo_id = $1 AND user_id = $2";

const char* const kThreads =
    "SELECT thread_id FROM realtime_thread_members WHERE amo_id = $1 AND user_id = $2 ORDER BY thread_id";

EventRow event_row(const pqxx::row& r, int first) {
  return {r[first].as<std::int64_t>(), r[first + 1].c_str(), r[first + 2].is_null() ? "" : r[first + 2].c_str(),
          r[first + 3].c_str()};
}

std::vector<EventRow> event_rows(const pqxx::result& r) {
  std::vector<EventRow> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(event_row(row, 0));
  return out;
}

}  // namespace

std::vector<pg::Statement> events_statements() {
  return {{"events_bounds", kBounds},   {"events_between", kBetween}, {"events_after", kAfter},
          {"events_history", kHistory}, {"events_users", kUsers},     {"events_user", kUser},
          {"events_threads", kThreads}};
}

pg::Options events_pg_options(const std::string& database_url) {
  pg::Options o;
  o.url = database_url;
  o.prepared = events_statements();
  o.session_sql = {"SET application_name = 'amo-relay'"};
  return o;
}

TenantBounds tenant_bounds(pqxx::connection& c, const std::string& amo) {
  pqxx::nontransaction t(c);
  const auto r = t.exec_prepared1("events_bounds", amo);
  TenantBounds b;
  b.latest = r[0].as<std::int64_t>();
  if (!r[1].is_null()) b.oldest = r[1].as<std::int64_t>();
  return b;
}

std::vector<EventRow> events_between(pqxx::connection& c, const std::string& amo, std::int64_t after, std::int64_t upto,
                                     const std::vector<std::string>& topics) {
  pqxx::nontransaction t(c);
  return event_rows(t.exec_prepared("events_between", amo, after, upto, text_array(topics)));
}

std::vector<TenantRows> events_after(pqxx::connection& c, const std::vector<std::string>& amos,
                                     const std::vector<std::int64_t>& afters, int limit) {
  pqxx::nontransaction t(c);
  const auto r = t.exec_prepared("events_after", text_array(amos), int_array(afters), limit);
  std::vector<TenantRows> out;
  for (const auto& row : r) {
    const std::string_view amo = row[0].c_str();
    if (out.empty() || out.back().amo != amo) out.push_back({std::string(amo), {}});
    out.back().rows.push_back(event_row(row, 1));
  }
  return out;
}

std::vector<EventRow> history_page(pqxx::connection& c, const HistoryQuery& q) {
  pqxx::nontransaction t(c);
  return event_rows(t.exec_prepared("events_history", q.amo, q.after, text_array(q.topics), q.kind, q.entity,
                                    q.entity_id, q.since, q.until, q.limit));
}

std::optional<UserRow> user_row(pqxx::connection& c, const std::string& amo, const std::string& user) {
  pqxx::nontransaction t(c);
  const auto r = t.exec_prepared("events_user", amo, user);
  if (r.empty()) return std::nullopt;
  return UserRow{r[0][0].as<bool>(), r[0][1].as<std::int64_t>()};
}

std::vector<std::string> user_threads(pqxx::connection& c, const std::string& amo, const std::string& user) {
  pqxx::nontransaction t(c);
  std::vector<std::string> out;
  for (const auto& row : t.exec_prepared("events_threads", amo, user)) out.emplace_back(row[0].c_str());
  return out;
}

std::vector<UserState> user_states(pqxx::connection& c, const std::vector<std::string>& amos,
                                   const std::vector<std::string>& users) {
  pqxx::nontransaction t(c);
  std::vector<UserState> out;
  for (const auto& row : t.exec_prepared("events_users", text_array(amos), text_array(users)))
    out.push_back({row[0].c_str(), row[1].c_str(), row[2].as<bool>(), row[3].as<std::int64_t>()});
  return out;
}

}  // namespace amo::relay
