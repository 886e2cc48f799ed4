#include "plugin/rate_carry.h"

#include <algorithm>

namespace amo::plugin {

void RateCarry::keep(std::string_view cid, std::size_t user, const RateLimit& rate) {
  by_cid_.insert_or_assign(std::string(cid), Kept{rate, user});
}

std::optional<RateLimit> RateCarry::take(std::string_view cid, std::size_t user) {
  auto it = by_cid_.find(std::string(cid));
  if (it == by_cid_.end()) return std::nullopt;
  std::optional<RateLimit> out;
  if (it->second.user == user) out = it->second.rate;
  by_cid_.erase(it);
  return out;
}

void RateCarry::forget(std::string_view cid) {
  if (!by_cid_.empty()) by_cid_.erase(std::string(cid));
}

void RateCarry::cool_down(std::size_t user, std::int64_t until_ns) {
  auto [it, inserted] = cooldowns_.try_emplace(user, until_ns);
  if (!inserted) it->second = std::max(it->second, until_ns);
}

std::int64_t RateCarry::cooldown_until(std::size_t user) const {
  if (cooldowns_.empty()) return 0;
  auto it = cooldowns_.find(user);
  return it == cooldowns_.end() ? 0 : it->second;
}

void RateCarry::prune(const RateLimit::Limits& limits, std::int64_t now_ns) {
  std::erase_if(by_cid_, [&](const auto& e) { return e.second.rate.settled(limits, now_ns); });
  std::erase_if(cooldowns_, [&](const auto& e) { return e.second <= now_ns; });
}

}  // namespace amo::plugin
