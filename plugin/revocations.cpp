#include "plugin/revocations.h"

#include <algorithm>
#include <limits>

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

namespace {
// `before` and `exp` come from a service's command and may be near either end of int64: a
// wrapped sum would prune (and so lift) a revocation at once.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}
}  // namespace

void Revocations::prune(std::int64_t now, std::int64_t longest_lifetime) {
  const std::int64_t user_margin = saturating_add(longest_lifetime, token::kLeewaySeconds);
  std::erase_if(users_, [&](const auto& e) { return saturating_add(e.second, user_margin) < now; });
  std::erase_if(jtis_, [&](const auto& e) { return saturating_add(e.second, token::kLeewaySeconds) < now; });
}

}  // namespace amo::plugin
