#include "tests/relay/events/events_fixture.h"

#include <doctest/doctest.h>

#include <atomic>

namespace amo::events_test {

std::string user_token(const drain_test::Stack& stack, const std::string& amo, const std::string& sub,
                       std::vector<std::string> threads, int exp_in) {
  static std::atomic<int> n{0};
  auto claims = harness::user_claims(sub, amo, "c-" + sub + "-" + std::to_string(++n), std::move(threads));
  claims.exp = claims.iat + exp_in;
  return harness::mint(claims, stack.keys.key());
}

void emit_to(const drain_test::Stack& stack, const std::string& amo, const std::string& suffix, int n,
             const std::string& tag) {
  const bool thread = suffix.starts_with("thread/");
  const std::string kind = thread ? "entity.changed" : "notification";
  const std::string payload =
      thread ? "jsonb_build_object('entity', 'wo', 'entity_id', '" + tag + "', 'action', 'updated')"
             : "jsonb_build_object('title', '" + tag + "', 'body', 'b', 'level', 'info')";
  stack.pg.exec("SELECT realtime_emit('" + amo + "', 'amo/" + amo + "/" + suffix + "', '" + kind + "', " + payload +
                ") FROM generate_series(1, " + std::to_string(n) + ")");
}

void wait_claimed(const drain_test::Stack& stack) {
  REQUIRE(drain_test::wait_until(
      [&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE seq IS NULL") == 0; }, 30s));
}

long latest(const drain_test::Stack& stack, const std::string& amo) {
  return stack.count("SELECT COALESCE(max(last_seq), 0) FROM realtime_outbox_seq WHERE amo_id = '" + amo + "'");
}

harness::HttpHeaders bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace amo::events_test
