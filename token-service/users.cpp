#include "token-service/users.h"

#include <algorithm>

#include "core/ids.h"

namespace amo::token_service {

namespace {

// Every call is one statement in autocommit (pqxx::nontransaction): one round trip instead of
// BEGIN, the statement and COMMIT — a statement is atomic on its own.

// The session's iat is whole seconds: a token_revoked_at in the same second or later refuses
// it (§7 "token_revoked_at ≥ the session's iat").
#define AMO_REVOKED_SINCE(iat) "(u.token_revoked_at IS NOT NULL AND u.token_revoked_at >= to_timestamp(" iat "))"

const char* const kLookupUser =
    "SELECT u.is_active, " AMO_REVOKED_SINCE("$3::bigint") ", m.thread_id "
    "FROM realtime_users u LEFT JOIN realtime_thread_members m ON m.amo_id = u.amo_id AND m.user_id = u.user_id "
    "WHERE u.amo_id = $1 AND u.user_id = $2";

const char* const kLookupMember =
    "SELECT u.is_active, " AMO_REVOKED_SINCE("$3::bigint") ", "
    "EXISTS (SELECT 1 FROM realtime_thread_members m WHERE m.amo_id = u.amo_id AND m.user_id = u.user_id "
    "AND m.thread_id = $4) "
    "FROM realtime_users u WHERE u.amo_id = $1 AND u.user_id = $2 LIMIT 1";

// The epoch is taken outside the UPDATE: Citus refuses a non-IMMUTABLE function in RETURNING
// of a distributed table (docs/SCALING.md, C8); on one Postgres it is the same plan.
const char* const kRevokeUser =
    "WITH r AS (UPDATE realtime_users SET token_revoked_at = now() WHERE amo_id = $1 AND user_id = $2 "
    "RETURNING token_revoked_at) "
    "SELECT ceil(extract(epoch FROM token_revoked_at))::bigint FROM r";

const char* const kSnapshot =
    "SELECT amo_id, user_id, is_active, ceil(extract(epoch FROM token_revoked_at))::bigint "
    "FROM realtime_users WHERE NOT is_active OR token_revoked_at IS NOT NULL";

const char* const kTenantUsers = "SELECT user_id FROM realtime_users WHERE amo_id = $1";

#undef AMO_REVOKED_SINCE

}  // namespace

std::vector<pg::Statement> user_statements() {
  return {{"ts_lookup_user", kLookupUser},
          {"ts_lookup_member", kLookupMember},
          {"ts_revoke_user", kRevokeUser},
          {"ts_revocation_snapshot", kSnapshot},
          {"ts_tenant_users", kTenantUsers}};
}

UserRecord lookup_user(pqxx::connection& db, std::string_view amo, std::string_view user, std::int64_t session_iat) {
  pqxx::nontransaction t(db);
  const pqxx::result r = t.exec_prepared("ts_lookup_user", std::string(amo), std::string(user), session_iat);
  UserRecord out;
  if (r.empty()) return out;
  out.found = true;
  // A view may yield the user more than once: inactive or revoked in any row wins.
  out.active = true;
  for (const auto& row : r) {
    out.active = out.active && row[0].as<bool>();
    out.revoked = out.revoked || row[1].as<bool>();
    if (row[2].is_null()) continue;
    const std::string_view thread(row[2].c_str(), row[2].size());
    // A thread id that breaks the §2 grammar can never be in a topic: not granted.
    if (is_valid_id(thread)) out.threads.emplace_back(thread);
  }
  std::sort(out.threads.begin(), out.threads.end());
  out.threads.erase(std::unique(out.threads.begin(), out.threads.end()), out.threads.end());
  return out;
}

MemberRecord lookup_member(pqxx::connection& db, std::string_view amo, std::string_view user, std::int64_t session_iat,
                           std::string_view thread) {
  pqxx::nontransaction t(db);
  const pqxx::result r =
      t.exec_prepared("ts_lookup_member", std::string(amo), std::string(user), session_iat, std::string(thread));
  MemberRecord out;
  if (r.empty()) return out;
  out.found = true;
  out.active = r[0][0].as<bool>();
  out.revoked = r[0][1].as<bool>();
  out.member = r[0][2].as<bool>();
  return out;
}

std::optional<Refusal> user_refusal(bool found, bool active, bool revoked) noexcept {
  if (!found) return Refusal::unknown_user;
  if (!active) return Refusal::inactive_user;
  if (revoked) return Refusal::revoked_session;
  return std::nullopt;
}

std::optional<std::int64_t> revoke_user(pqxx::connection& db, std::string_view amo, std::string_view user) {
  pqxx::nontransaction t(db);
  const pqxx::result r = t.exec_prepared("ts_revoke_user", std::string(amo), std::string(user));
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::vector<UserRow> revocation_snapshot(pqxx::connection& db) {
  pqxx::nontransaction t(db);
  const pqxx::result r = t.exec_prepared("ts_revocation_snapshot");
  std::vector<UserRow> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    UserRow u;
    u.amo = row[0].c_str();
    u.user = row[1].c_str();
    u.active = row[2].as<bool>();
    if (!row[3].is_null()) u.revoked_before = row[3].as<std::int64_t>();
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace amo::token_service

namespace amo::token_service {

std::vector<std::string> tenant_users(pqxx::connection& db, std::string_view amo) {
  pqxx::nontransaction t(db);
  const pqxx::result r = t.exec_prepared("ts_tenant_users", std::string(amo));
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.emplace_back(row[0].c_str());
  return out;
}

}  // namespace amo::token_service
