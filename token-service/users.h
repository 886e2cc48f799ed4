#pragma once
// What the token service reads and writes of realtime_users and realtime_thread_members
// (DESIGN §7): plain SELECTs and one UPDATE, so both may be views over the portal's own
// tables (docs/integrating-users-and-threads.md); only POST /api/realtime/revoke needs
// realtime_users to take an UPDATE of token_revoked_at.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/pg/connection.h"
#include "token-service/refusal.h"

namespace amo::token_service {

std::vector<pg::Statement> user_statements();

struct UserRecord {
  bool found = false;
  bool active = false;
  bool revoked = false;              // token_revoked_at ≥ the session's iat
  std::vector<std::string> threads;  // memberships (valid ids only), sorted, each once
};
UserRecord lookup_user(pqxx::connection& db, std::string_view amo, std::string_view user, std::int64_t session_iat);

struct MemberRecord {
  bool found = false, active = false, revoked = false, member = false;
};
MemberRecord lookup_member(pqxx::connection& db, std::string_view amo, std::string_view user, std::int64_t session_iat,
                           std::string_view thread);

// unknown_user, inactive_user, revoked_session, or nullopt for a user who may have a token.
std::optional<Refusal> user_refusal(bool found, bool active, bool revoked) noexcept;

// token_revoked_at = now(); the revocation's `before` (ceil of its epoch), nullopt when the
// row does not exist.
std::optional<std::int64_t> revoke_user(pqxx::connection& db, std::string_view amo, std::string_view user);

// The users a revocation may concern: inactive, or with a token_revoked_at.
struct UserRow {
  std::string amo, user;
  bool active = true;
  std::optional<std::int64_t> revoked_before;  // ceil(extract(epoch from token_revoked_at))
};
std::vector<UserRow> revocation_snapshot(pqxx::connection& db);

// Every user_id of a tenant (a moved tenant's users are kicked from the shard it left).
std::vector<std::string> tenant_users(pqxx::connection& db, std::string_view amo);

}  // namespace amo::token_service
