#include <doctest/doctest.h>

#include "plugin/rate_limit.h"

using amo::plugin::RateLimit;

TEST_CASE("burst passes, then the rate refills") {
  const RateLimit::Limits limits{10, 20};
  RateLimit r(limits, 0);
  for (int i = 0; i < 20; ++i) CHECK(r.take(limits, 0) == RateLimit::Verdict::pass);
  CHECK(r.take(limits, 0) == RateLimit::Verdict::drop);
  CHECK(r.take(limits, 100'000'000) == RateLimit::Verdict::pass);  // 0.1 s at 10/s = 1 token
  CHECK(r.take(limits, 100'000'000) == RateLimit::Verdict::drop);
}

TEST_CASE("more drops than a burst inside the window is abuse") {
  const RateLimit::Limits limits{1, 5};
  RateLimit r(limits, 0);
  for (int i = 0; i < 5; ++i) r.take(limits, 0);
  int drops = 0;
  RateLimit::Verdict v = RateLimit::Verdict::drop;
  while ((v = r.take(limits, 1)) == RateLimit::Verdict::drop) ++drops;
  CHECK(v == RateLimit::Verdict::abuse);
  CHECK(drops == 5);
}

TEST_CASE("a client at the rate is never dropped") {
  const RateLimit::Limits limits{20, 40};
  RateLimit r(limits, 0);
  for (std::int64_t t = 0; t < 60'000'000'000; t += 50'000'000) REQUIRE(r.take(limits, t) == RateLimit::Verdict::pass);
}

TEST_CASE("a cooldown drops everything for its length, then the rate refills from empty") {
  const RateLimit::Limits limits{10, 20};
  RateLimit r(limits, 0);
  r.cool_down(limits, 0, 2'000'000'000);
  CHECK(r.take(limits, 1'000'000'000) == RateLimit::Verdict::drop);
  CHECK(r.take(limits, 1'990'000'000) == RateLimit::Verdict::drop);
  CHECK(r.take(limits, 2'150'000'000) == RateLimit::Verdict::pass);  // 0.15 s past the cooldown at 10/s
  CHECK(r.take(limits, 2'150'000'000) == RateLimit::Verdict::drop);
}

TEST_CASE("a bucket is settled once full again and its abuse window is over") {
  const RateLimit::Limits limits{10, 20};
  const std::int64_t t0 = 100'000'000'000;
  RateLimit r(limits, t0);
  for (int i = 0; i < 21; ++i) r.take(limits, t0);  // empty, one drop: an abuse window opens
  CHECK_FALSE(r.settled(limits, t0 + 3'000'000'000));   // full again, window still open
  CHECK(r.settled(limits, t0 + 10'500'000'000));
}
