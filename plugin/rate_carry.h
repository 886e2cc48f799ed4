#pragma once
// Publish buckets that outlive their session (DESIGN §3 publish_rate): a client that reconnects
// gets back the bucket its client id left, and after an abuse kick every new session of that
// user starts in debt for RateLimit::kAbuseCooldownNs. Reconnecting is no way around the rate.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "plugin/rate_limit.h"

namespace amo::plugin {

class RateCarry {
 public:
  // `user` is the hash SessionTable keys users by: a bucket goes back only to the user who left it.
  void keep(std::string_view cid, std::size_t user, const RateLimit& rate);
  std::optional<RateLimit> take(std::string_view cid, std::size_t user);
  void forget(std::string_view cid);
  void cool_down(std::size_t user, std::int64_t until_ns);
  std::int64_t cooldown_until(std::size_t user) const;  // 0: none
  // Drops buckets that are full again (a fresh one is the same) and cooldowns that ended.
  void prune(const RateLimit::Limits& limits, std::int64_t now_ns);
  std::size_t size() const noexcept { return by_cid_.size() + cooldowns_.size(); }

 private:
  struct Kept {
    RateLimit rate;
    std::size_t user;
  };
  std::unordered_map<std::string, Kept> by_cid_;
  std::unordered_map<std::size_t, std::int64_t> cooldowns_;
};

}  // namespace amo::plugin
