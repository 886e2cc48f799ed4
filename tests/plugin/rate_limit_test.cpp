#include <doctest/doctest.h>

#include "plugin/rate_limit.h"

using amo::plugin::RateLimit;

TEST_CASE("burst passes, then the rate refills") {
  RateLimit r(10, 20, 0);
  for (int i = 0; i < 20; ++i) CHECK(r.take(0) == RateLimit::Verdict::pass);
  CHECK(r.take(0) == RateLimit::Verdict::drop);
  CHECK(r.take(100'000'000) == RateLimit::Verdict::pass);  // 0.1 s at 10/s = 1 token
  CHECK(r.take(100'000'000) == RateLimit::Verdict::drop);
}

TEST_CASE("more drops than a burst inside the window is abuse") {
  RateLimit r(1, 5, 0);
  for (int i = 0; i < 5; ++i) r.take(0);
  int drops = 0;
  RateLimit::Verdict v = RateLimit::Verdict::drop;
  while ((v = r.take(1)) == RateLimit::Verdict::drop) ++drops;
  CHECK(v == RateLimit::Verdict::abuse);
  CHECK(drops == 5);
}
