#pragma once
// Per-key token buckets (DESIGN §7 rate limits, per instance): `rate` per second refilling up
// to `burst`. A refused take says how long until one is due (the Retry-After seconds).
// Thread-safe; keys are sharded so HTTP workers rarely wait on each other, and buckets that
// have refilled completely are forgotten, so memory follows the keys active within the last
// burst / rate seconds.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace amo::token_service {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Decision {
    bool allowed = true;
    std::int64_t retry_after_s = 0;  // whole seconds, at least 1 when refused
  };

  RateLimiter(double rate_per_s, double burst);
  Decision take(std::string_view key, Clock::time_point now);
  Decision take(std::string_view key) { return take(key, Clock::now()); }
  std::size_t size() const;  // buckets held (tests)

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point at;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
    std::size_t next_sweep = 1024;
  };
  double refill(const Bucket& b, Clock::time_point now) const noexcept;
  void sweep(Shard& shard, Clock::time_point now);

  double rate_, burst_;
  std::array<Shard, 16> shards_;
};

}  // namespace amo::token_service
