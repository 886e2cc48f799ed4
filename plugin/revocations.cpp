#include "plugin/revocations.h"

#include <algorithm>

#include "core/token/claims.h"

namespace amo::plugin {

void Revocations::revoke_user(std::string_view user_key, std::int64_t before) {
  auto [it, inserted] = users_.try_emplace(std::string(user_key), before);
  if (!inserted) it->second = std::max(it->second, before);
}

void Revocations::revoke_jti(std::string_view jti, std::int64_t exp) {
  auto [it, inserted] = jtis_.try_emplace(std::string(jti), exp);
  if (!inserted) it->second = std::max(it->second, exp);
}

bool Revocations::is_revoked(std::string_view user_key, std::string_view jti, std::int64_t iat) const {
  if (!users_.empty()) {
    if (auto it = users_.find(std::string(user_key)); it != users_.end() && iat <= it->second) return true;
  }
  if (!jtis_.empty() && jtis_.count(std::string(jti))) return true;
  return false;
}

void Revocations::prune(std::int64_t now, std::int64_t longest_lifetime) {
  std::erase_if(users_, [&](const auto& e) { return e.second + longest_lifetime + token::kLeewaySeconds < now; });
  std::erase_if(jtis_, [&](const auto& e) { return e.second + token::kLeewaySeconds < now; });
}

}  // namespace amo::plugin
