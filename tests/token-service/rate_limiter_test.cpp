// token-service/rate_limiter.h: token buckets per key with Retry-After seconds.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "token-service/rate_limiter.h"

using amo::token_service::RateLimiter;
using namespace std::chrono_literals;

TEST_CASE("a key gets its burst at once, then rate per second; refusals say when to come back") {
  RateLimiter limit(5, 20);
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  for (int i = 0; i < 20; ++i) CHECK(limit.take("A:u", t0).allowed);
  const auto refused = limit.take("A:u", t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_s == 1);
  // Another key is not affected.
  CHECK(limit.take("A:v", t0).allowed);
  // 5/s: after 200 ms one more.
  CHECK(limit.take("A:u", t0 + 200ms).allowed);
  CHECK_FALSE(limit.take("A:u", t0 + 200ms).allowed);
  // After 4 s of rest, 20 again (capped at the burst).
  for (int i = 0; i < 20; ++i) CHECK(limit.take("A:u", t0 + 4200ms).allowed);
  CHECK_FALSE(limit.take("A:u", t0 + 4200ms).allowed);
}

TEST_CASE("Retry-After rounds the wait up to whole seconds") {
  RateLimiter slow(0.25, 1);  // one every 4 s
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  CHECK(slow.take("k", t0).allowed);
  const auto r = slow.take("k", t0 + 500ms);
  CHECK_FALSE(r.allowed);
  CHECK(r.retry_after_s == 4);  // 3.5 s to go
  CHECK(slow.take("k", t0 + 4s).allowed);
}

TEST_CASE("buckets that refilled are forgotten, so idle keys do not pile up") {
  RateLimiter limit(100, 2);
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  for (int i = 0; i < 40000; ++i) limit.take("ip-" + std::to_string(i), t0 + std::chrono::milliseconds(i));
  // Keys idle for more than burst / rate = 20 ms are swept as new ones arrive.
  CHECK(limit.size() < 20000);
}
