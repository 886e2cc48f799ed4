#include <doctest/doctest.h>

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
