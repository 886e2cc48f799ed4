#pragma once
// The relay's reads of the outbox by seq (DESIGN §6), shared by SSE, history and MQTT
// replay. Every read names the tenant and the caller's exact topics: no parameter widens it.
// Each row comes as (seq, topic, kind, envelope with seq).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/pg/connection.h"

namespace amo::relay {

std::vector<pg::Statement> events_statements();
// A connection of the relay's readers (feed, replay, HTTP handlers) with those prepared.
pg::Options events_pg_options(const std::string& database_url);

struct EventRow {
  std::int64_t seq = 0;
  std::string topic, kind, data;
};

struct TenantBounds {
  std::int64_t latest = 0;             // the tenant's latest seq (0: none yet)
  std::optional<std::int64_t> oldest;  // its oldest kept seq (none: no row kept)
};
TenantBounds tenant_bounds(pqxx::connection& c, const std::string& amo);

// seq in (after, upto], in the given topics, in seq order.
std::vector<EventRow> events_between(pqxx::connection& c, const std::string& amo, std::int64_t after, std::int64_t upto,
                                     const std::vector<std::string>& topics);

// New rows of several tenants: per tenant up to `limit` with seq > its after, any topic.
struct TenantRows {
  std::string amo;
  std::vector<EventRow> rows;
};
std::vector<TenantRows> events_after(pqxx::connection& c, const std::vector<std::string>& amos,
                                     const std::vector<std::int64_t>& afters, int limit);

struct HistoryQuery {
  std::string amo;
  std::vector<std::string> topics;
  std::int64_t after = 0;
  int limit = 100;
  std::string kind, entity, entity_id, since, until;  // "" = no filter
};
std::vector<EventRow> history_page(pqxx::connection& c, const HistoryQuery& q);

// The portal-session path (DESIGN §6, §7): the user's row (nullopt: unknown) and threads.
struct UserRow {
  bool active = true;
  std::int64_t revoked_before = 0;  // ceil(token_revoked_at) in unix seconds, 0 if none
};
std::optional<UserRow> user_row(pqxx::connection& c, const std::string& amo, const std::string& user);
std::vector<std::string> user_threads(pqxx::connection& c, const std::string& amo, const std::string& user);

// Users among (amos[i], users[i]) that are inactive, with the revocation time (unix seconds,
// rounded up; 0 if none) of each listed user that has a row.
struct UserState {
  std::string amo, user;
  bool active = true;
  std::int64_t revoked_before = 0;
};
std::vector<UserState> user_states(pqxx::connection& c, const std::vector<std::string>& amos,
                                   const std::vector<std::string>& users);

}  // namespace amo::relay
