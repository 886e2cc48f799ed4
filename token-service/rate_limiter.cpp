#include "token-service/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace amo::token_service {

RateLimiter::RateLimiter(double rate_per_s, double burst) : rate_(rate_per_s), burst_(std::max(1.0, burst)) {}

double RateLimiter::refill(const Bucket& b, Clock::time_point now) const noexcept {
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  return std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
}

RateLimiter::Decision RateLimiter::take(std::string_view key, Clock::time_point now) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= shard.next_sweep) sweep(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refill(b, now);
  b.at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - b.tokens) / rate_;
  return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

void RateLimiter::sweep(Shard& shard, Clock::time_point now) {
  // A full bucket is what a new key gets anyway: forgetting it changes no decision.
  std::erase_if(shard.buckets, [&](const auto& kv) { return refill(kv.second, now) >= burst_; });
  shard.next_sweep = std::max<std::size_t>(1024, 2 * shard.buckets.size());
}

std::size_t RateLimiter::size() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.buckets.size();
  }
  return n;
}

}  // namespace amo::token_service
