// token-service/revoke/revocation_state.h: what the realtime_users poll publishes.
#include <doctest/doctest.h>

#include <algorithm>

#include "token-service/revoke/revocation_state.h"

using namespace amo::token_service;

namespace {

UserRow row(std::string amo, std::string user, bool active, std::optional<std::int64_t> before = {}) {
  return UserRow{std::move(amo), std::move(user), active, before};
}

constexpr std::int64_t kNow = 1'800'000'000;

}  // namespace

TEST_CASE("the payload is the plugin's {\"user\",\"before\"} command") {
  CHECK(revoke_payload({"A1:u1", 1700000000, RevokeCause::api}) == R"({"user":"A1:u1","before":1700000000})");
}

TEST_CASE("first snapshot: inactive users and recent revocations go out, old revocations do not") {
  RevocationState s;
  const auto out = s.update({row("A1", "off", false), row("A1", "recent", true, kNow - 60),
                             row("A1", "old", true, kNow - RevocationState::kRepublishHorizonSeconds - 1)},
                            kNow);
  REQUIRE(out.size() == 2);
  CHECK(out[0] == Revocation{"A1:off", kNow, RevokeCause::deactivated});
  CHECK(out[1] == Revocation{"A1:recent", kNow - 60, RevokeCause::revoked});
}

TEST_CASE("then only changes: token_revoked_at moving, is_active turning false") {
  RevocationState s;
  s.update({row("A1", "u1", true, kNow - 10)}, kNow);
  CHECK(s.update({row("A1", "u1", true, kNow - 10)}, kNow + 1).empty());
  // token_revoked_at moves: before = its new ceil.
  auto out = s.update({row("A1", "u1", true, kNow + 5)}, kNow + 6);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Revocation{"A1:u1", kNow + 5, RevokeCause::revoked});
  // A user newly revoked, even with a token_revoked_at in the distant past (set by a view).
  out = s.update({row("A1", "u1", true, kNow + 5), row("A1", "u2", true, 1000)}, kNow + 7);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Revocation{"A1:u2", 1000, RevokeCause::revoked});
  // Deactivation: before = now (or a later token_revoked_at).
  out = s.update({row("A1", "u1", false, kNow + 5), row("A1", "u2", true, 1000)}, kNow + 8);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Revocation{"A1:u1", kNow + 8, RevokeCause::deactivated});
  CHECK(s.update({row("A1", "u1", false, kNow + 5), row("A1", "u2", true, 1000)}, kNow + 9).empty());
}

TEST_CASE("a user who leaves the snapshot (reactivated) and comes back is published again") {
  RevocationState s;
  s.update({row("A1", "u1", false)}, kNow);
  CHECK(s.update({}, kNow + 1).empty());
  CHECK(s.size() == 0);
  const auto out = s.update({row("A1", "u1", false)}, kNow + 2);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Revocation{"A1:u1", kNow + 2, RevokeCause::deactivated});
}

TEST_CASE("ids outside the grammar are skipped: no token names them") {
  RevocationState s;
  CHECK(s.update({row("A 1", "u1", false), row("A1", "u:1", false), row("A1", "", true, kNow)}, kNow).empty());
}

TEST_CASE("current(): everything still in force, for a broker that restarted") {
  RevocationState s;
  s.update({row("A1", "off", false), row("A1", "recent", true, kNow - 60),
            row("A1", "old", true, kNow - RevocationState::kRepublishHorizonSeconds - 1)},
           kNow);
  auto all = s.current(kNow + 100);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.user < b.user; });
  REQUIRE(all.size() == 2);
  CHECK(all[0] == Revocation{"A1:off", kNow + 100, RevokeCause::republished});
  CHECK(all[1] == Revocation{"A1:recent", kNow - 60, RevokeCause::republished});
}
