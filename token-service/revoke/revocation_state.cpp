#include "token-service/revoke/revocation_state.h"

#include <algorithm>

#include "core/ids.h"

namespace amo::token_service {

std::string revoke_payload(const Revocation& r) {
  // The user key is two §2 ids and a colon: nothing to escape.
  return "{\"user\":\"" + r.user + "\",\"before\":" + std::to_string(r.before) + "}";
}

std::vector<Revocation> RevocationState::update(const std::vector<UserRow>& rows, std::int64_t now) {
  std::vector<Revocation> out;
  std::unordered_map<std::string, Entry> next;
  next.reserve(rows.size());
  for (const UserRow& row : rows) {
    if (!is_valid_id(row.amo) || !is_valid_id(row.user)) continue;
    std::string key = row.amo + ":" + row.user;
    const auto prev = users_.find(key);
    const bool known = prev != users_.end();
    const bool deactivated = !row.active && (!known || prev->second.active);
    const bool revoked_moved = row.revoked_before && (!known || prev->second.revoked_before != row.revoked_before) &&
                               (baseline_ || *row.revoked_before > now - kRepublishHorizonSeconds);
    if (deactivated) {
      out.push_back({key, std::max(now, row.revoked_before.value_or(now)), RevokeCause::deactivated});
    } else if (revoked_moved) {
      out.push_back({key, *row.revoked_before, RevokeCause::revoked});
    }
    next.emplace(std::move(key), Entry{row.active, row.revoked_before});
  }
  users_ = std::move(next);
  baseline_ = true;
  return out;
}

std::vector<Revocation> RevocationState::current(std::int64_t now) const {
  std::vector<Revocation> out;
  for (const auto& [key, e] : users_) {
    if (!e.active) {
      out.push_back({key, std::max(now, e.revoked_before.value_or(now)), RevokeCause::republished});
    } else if (e.revoked_before && *e.revoked_before > now - kRepublishHorizonSeconds) {
      out.push_back({key, *e.revoked_before, RevokeCause::republished});
    }
  }
  return out;
}

}  // namespace amo::token_service
