#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "plugin/revocations.h"

using amo::plugin::Revocations;

TEST_CASE("user revocation refuses tokens issued at or before `before`") {
  Revocations r;
  r.revoke_user("A:u", 1000);
  CHECK(r.is_revoked("A:u", "j", 999));
  CHECK(r.is_revoked("A:u", "j", 1000));
  CHECK_FALSE(r.is_revoked("A:u", "j", 1001));
  CHECK_FALSE(r.is_revoked("A:v", "j", 10));
  r.revoke_user("A:u", 900);  // an older revocation never loosens a newer one
  CHECK(r.is_revoked("A:u", "j", 1000));
}

TEST_CASE("jti revocation refuses that token only, until pruned after its exp") {
  Revocations r;
  r.revoke_jti("abcdefghijklmnopqrstuv", 2000);
  CHECK(r.is_revoked("A:u", "abcdefghijklmnopqrstuv", 1));
  CHECK_FALSE(r.is_revoked("A:u", "abcdefghijklmnopqrstuw", 1));
  r.prune(2000, 300);
  CHECK(r.size() == 1);
  r.prune(2031, 300);
  CHECK(r.size() == 0);
}

TEST_CASE("user revocations are pruned only when no token they refuse can still be valid") {
  Revocations r;
  r.revoke_user("A:u", 1000);
  r.prune(1000 + 86400, 86400);
  CHECK(r.size() == 1);
  r.prune(1000 + 86400 + 31, 86400);
  CHECK(r.size() == 0);
}

TEST_CASE("revocations at the ends of int64 are kept, not lifted by a wrapped sum") {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  Revocations r;
  r.revoke_jti("abcdefghijklmnopqrstuv", max);
  r.revoke_user("A:u", max - 10);
  r.prune(2000, 86400);
  r.prune(max, max);
  CHECK(r.size() == 2);
  CHECK(r.is_revoked("A:u", "j", 2000));
  CHECK(r.is_revoked("A:v", "abcdefghijklmnopqrstuv", 1));
  Revocations low;
  low.revoke_user("A:u", std::numeric_limits<std::int64_t>::min());
  low.prune(0, 86400);
  CHECK(low.size() == 0);
}
