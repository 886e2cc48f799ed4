// Fault test 6 (DESIGN §5): a row the broker refuses. Our plugin never refuses a service
// publish, so the broker here is a bare Mosquitto whose acl_file denies the relay one topic:
// a real MQTT v5 PUBACK 0x87. The row is retried with backoff while its tenant's later rows
// wait, dies after max_attempts keeping its seq, and the tenant flows again; other tenants
// are never held back.
#include <doctest/doctest.h>

#include "tests/harness/temp_dir.h"
#include "tests/relay/drain/drain_fixture.h"

using namespace amo::drain_test;
using namespace amo::harness;

namespace {

std::string emit_sql(const std::string& amo, const std::string& suffix, int n) {
  std::string sql;
  for (int i = 0; i < n; ++i)
    sql += "SELECT realtime_emit('" + amo + "', 'amo/" + amo + "/" + suffix +
           "', 'notification', '{\"title\":\"t\",\"body\":\"b\",\"level\":\"info\"}');";
  return sql;
}

}  // namespace

TEST_CASE("6: a refused row is retried with backoff, holds back only its tenant, dies after max_attempts") {
  TempDir acl_dir("amo-acl");
  // `pattern` lines apply to every client; the relay may write all of T00 and T02 but only
  // broadcast/ of T01, so T01's user/u1/events row is refused.
  const auto acl = acl_dir.write("acl",
                                 "pattern read amo/#\n"
                                 "user amo-relay\n"
                                 "topic write amo/T00/#\n"
                                 "topic write amo/T02/#\n"
                                 "topic write amo/T01/broadcast/#\n");
  acl_dir.chown_to("mosquitto");
  Stack stack({.plugin = false, .broker_extra = "acl_file " + acl.string() + "\n", .allow_anonymous = true});
  auto sub = stack.subscribe();
  constexpr int kMaxAttempts = 6;  // backoff 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s before it dies

  stack.pg.exec(emit_sql("T01", "broadcast/events", 5) + emit_sql("T01", "user/u1/events", 1) +
                emit_sql("T01", "broadcast/events", 5));
  auto relay = stack.start_relay("max_attempts = " + std::to_string(kMaxAttempts) + "\n");
  // Other tenants' rows, written while T01 is held back.
  stack.pg.exec(emit_sql("T00", "broadcast/events", 10) + emit_sql("T02", "user/u7/events", 10));

  REQUIRE(wait_until([&] { return sub->ids().size() >= 30; }, 60s));
  REQUIRE(wait_until(
      [&] {
        return stack.count(
                   "SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL "
                   "AND dead_at IS NULL") == 0;
      },
      30s));
  const auto rows = outbox(stack.pg);
  check_seq_gap_free(rows);  // the dead row kept its seq: no gap in history
  check_delivery_order(sub->records());
  CHECK(sub->ids().size() == 30);

  const std::string refused = "amo_id = 'T01' AND topic = 'amo/T01/user/u1/events'";
  CHECK(stack.scalar("SELECT attempts FROM realtime_outbox WHERE " + refused) == std::to_string(kMaxAttempts));
  CHECK(stack.scalar("SELECT last_error FROM realtime_outbox WHERE " + refused) == "broker refused: reason 135");
  CHECK(stack.scalar("SELECT seq FROM realtime_outbox WHERE " + refused) == "6");
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox WHERE " + refused +
                    " AND dead_at IS NOT NULL AND published_at IS NULL") == 1);
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox WHERE attempts > 0") == 1);
  // T01's later rows waited for the dead one; T00 and T02 did not.
  const std::string dead_at = "(SELECT dead_at FROM realtime_outbox WHERE " + refused + ")";
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox WHERE amo_id = 'T01' AND seq > 6 AND published_at < " +
                    dead_at) == 0);
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox WHERE amo_id IN ('T00', 'T02') AND published_at > " +
                    dead_at) == 0);
  CHECK(metric(*relay, "amo_relay_refused_total") == kMaxAttempts);
  CHECK(metric(*relay, "amo_relay_dead_letters_total{reason=\"refused\"}") == 1);
  CHECK(relay->log().find("relay dead letter: id=") != std::string::npos);
}
