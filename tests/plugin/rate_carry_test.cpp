#include <doctest/doctest.h>

#include "plugin/rate_carry.h"

using amo::plugin::RateCarry;
using amo::plugin::RateLimit;

namespace {
const RateLimit::Limits kLimits{1, 2};
constexpr std::int64_t kT0 = 100'000'000'000;

RateLimit empty_bucket() {
  RateLimit r(kLimits, kT0);
  r.take(kLimits, kT0);
  r.take(kLimits, kT0);
  return r;
}
}  // namespace

TEST_CASE("a kept bucket goes back once, and only to the user who left it") {
  RateCarry c;
  c.keep("cid-1", 7, empty_bucket());
  CHECK_FALSE(c.take("cid-1", 8).has_value());  // another user: and the bucket is gone
  c.keep("cid-1", 7, empty_bucket());
  auto back = c.take("cid-1", 7);
  REQUIRE(back.has_value());
  CHECK(back->take(kLimits, kT0) == RateLimit::Verdict::drop);  // still empty
  CHECK_FALSE(c.take("cid-1", 7).has_value());
}

TEST_CASE("prune drops buckets full again and cooldowns that ended, keeps the rest") {
  RateCarry c;
  c.keep("cid-1", 7, empty_bucket());
  c.cool_down(7, kT0 + 5'000'000'000);
  c.cool_down(7, kT0 + 1'000'000'000);  // never shortened
  CHECK(c.cooldown_until(7) == kT0 + 5'000'000'000);
  CHECK(c.cooldown_until(8) == 0);
  c.prune(kLimits, kT0 + 1'000'000'000);
  CHECK(c.size() == 2);
  c.prune(kLimits, kT0 + 5'000'000'000);  // the cooldown ended; the bucket is full (2 at 1/s)
  CHECK(c.size() == 0);
}
