#pragma once
// Per-client token bucket for inbound publishes (publish_rate / publish_burst) and the
// "sustained abuse" rule: more drops than one burst within kAbuseWindowNs gets the client kicked,
// and its user then waits kAbuseCooldownNs before publishing again. Rate and burst are the same
// for every client, so the caller passes them (Limits) and each session keeps only its bucket
// state: one of these lives in every session (and outlives it in RateCarry).
#include <algorithm>
#include <cstdint>

namespace amo::plugin {

class RateLimit {
 public:
  enum class Verdict : unsigned char { pass, drop, abuse };
  static constexpr std::int64_t kAbuseWindowNs = 10'000'000'000;
  static constexpr std::int64_t kAbuseCooldownNs = 10'000'000'000;
  struct Limits {
    double rate, burst;
  };

  RateLimit(const Limits& limits, std::int64_t now_ns) noexcept
      : last_ns_(now_ns), tokens_(static_cast<float>(limits.burst)) {}

  Verdict take(const Limits& limits, std::int64_t now_ns) noexcept {
    const double elapsed = static_cast<double>(now_ns - last_ns_) / 1e9;
    last_ns_ = now_ns;
    const double tokens = std::min(limits.burst, static_cast<double>(tokens_) + elapsed * limits.rate);
    if (tokens >= 1.0) {
      tokens_ = static_cast<float>(tokens - 1.0);
      return Verdict::pass;
    }
    tokens_ = static_cast<float>(tokens);
    if (now_ns - window_start_ns_ > kAbuseWindowNs) {
      window_start_ns_ = now_ns;
      drops_in_window_ = 0;
    }
    return ++drops_in_window_ > limits.burst ? Verdict::abuse : Verdict::drop;
  }

  // Nothing passes for the next `for_ns`: the bucket goes that far into debt (never less deep
  // than it is) and refills from there at the usual rate. The abuse count starts over: the
  // kick that came with it has settled the past window.
  void cool_down(const Limits& limits, std::int64_t now_ns, std::int64_t for_ns) noexcept {
    const double elapsed = static_cast<double>(now_ns - last_ns_) / 1e9;
    const double tokens = std::min(limits.burst, static_cast<double>(tokens_) + elapsed * limits.rate);
    last_ns_ = now_ns;
    tokens_ = static_cast<float>(std::min(tokens, -static_cast<double>(for_ns) / 1e9 * limits.rate));
    window_start_ns_ = now_ns;
    drops_in_window_ = 0;
  }

  // Full again and outside any abuse window: indistinguishable from a fresh bucket.
  bool settled(const Limits& limits, std::int64_t now_ns) const noexcept {
    const double elapsed = static_cast<double>(now_ns - last_ns_) / 1e9;
    return static_cast<double>(tokens_) + elapsed * limits.rate >= limits.burst &&
           now_ns - window_start_ns_ > kAbuseWindowNs;
  }

 private:
  std::int64_t last_ns_;
  std::int64_t window_start_ns_ = 0;
  float tokens_;
  std::uint32_t drops_in_window_ = 0;
};

}  // namespace amo::plugin
