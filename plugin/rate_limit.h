#pragma once
// Per-client token bucket for inbound publishes (publish_rate / publish_burst) and the
// "sustained abuse" rule: more drops than one burst within kAbuseWindowNs gets the client kicked.
#include <algorithm>
#include <cstdint>

namespace amo::plugin {

class RateLimit {
 public:
  enum class Verdict : unsigned char { pass, drop, abuse };
  static constexpr std::int64_t kAbuseWindowNs = 10'000'000'000;

  RateLimit(std::int64_t rate, std::int64_t burst, std::int64_t now_ns) noexcept
      : rate_(static_cast<double>(rate)), burst_(static_cast<double>(burst)), tokens_(burst_), last_ns_(now_ns) {}

  Verdict take(std::int64_t now_ns) noexcept {
    const double elapsed = static_cast<double>(now_ns - last_ns_) / 1e9;
    last_ns_ = now_ns;
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return Verdict::pass;
    }
    if (now_ns - window_start_ns_ > kAbuseWindowNs) {
      window_start_ns_ = now_ns;
      drops_in_window_ = 0;
    }
    return ++drops_in_window_ > burst_ ? Verdict::abuse : Verdict::drop;
  }

 private:
  double rate_, burst_, tokens_;
  std::int64_t last_ns_;
  std::int64_t window_start_ns_ = 0;
  double drops_in_window_ = 0;
};

}  // namespace amo::plugin
