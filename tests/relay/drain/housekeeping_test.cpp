// What the relay keeps up besides publishing (DESIGN §5): the backlog metrics while the
// broker is away, retention by history_days (published and dead rows only, never an
// unpublished one), and the optional NOTIFY wake-up.
#include <doctest/doctest.h>
#include <signal.h>

#include "tests/relay/drain/drain_fixture.h"

using namespace amo::drain_test;
using namespace amo::harness;

TEST_CASE("backlog and the age of the oldest unpublished row are reported while the broker is down") {
  Stack stack;
  auto relay = stack.start_relay();
  stack.broker->kill();
  emit(stack.pg, 4, 25);
  stack.pg.exec("UPDATE realtime_outbox SET created_at = now() - interval '90 seconds'");
  CHECK(wait_until([&] { return metric(*relay, "amo_relay_backlog_rows") == 100; }, 20s));
  CHECK(metric(*relay, "amo_relay_oldest_unpublished_age_seconds") >= 90);
  stack.broker->restart();
  auto sub = stack.subscribe();
  CHECK(wait_until([&] { return metric(*relay, "amo_relay_backlog_rows") == 0; }, 60s));
  CHECK(metric(*relay, "amo_relay_published_total") == 100);
}

TEST_CASE("retention removes published and dead rows older than history_days, never unpublished ones") {
  Stack stack;
  emit(stack.pg, 2, 10);
  auto relay = stack.start_relay("history_days = 1\n");
  auto sub = stack.subscribe();
  REQUIRE(wait_until(
      [&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL") == 0; }, 20s));
  relay->signal(SIGTERM);
  REQUIRE(relay->wait_exit(20s) == 0);
  // T00's rows age past the limit, so do a dead letter and one row of T01 that is old but not
  // yet published (its broker is away below, so it stays unpublished).
  stack.pg.exec(
      "UPDATE realtime_outbox SET created_at = now() - interval '2 days' WHERE amo_id = 'T00';"
      "INSERT INTO realtime_outbox_dead (id, amo_id, topic, error, dead_at) VALUES (900001, 'T00', 'x', 'old', "
      "now() - interval '2 days'), (900002, 'T00', 'x', 'recent', now());"
      "UPDATE realtime_outbox SET published_at = NULL, created_at = now() - interval '3 days' "
      "WHERE id = (SELECT max(id) FROM realtime_outbox WHERE amo_id = 'T01')");
  stack.broker->kill();
  relay->restart();  // retention runs a few seconds after start
  CHECK(wait_until([&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE amo_id = 'T00'") == 0; }, 30s));
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox WHERE amo_id = 'T01'") == 10);
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL") == 1);
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox_dead") == 1);
  CHECK(stack.scalar("SELECT error FROM realtime_outbox_dead") == "recent");
  CHECK(metric(*relay, "amo_relay_pruned_rows_total") == 11);
}

TEST_CASE("notify = true: an idle relay wakes on the NOTIFY of a producer's commit") {
  Stack stack;
  stack.pg.exec("ALTER TABLE realtime_outbox ENABLE TRIGGER realtime_outbox_notify");
  // Polling alone would find the row only after a minute: the lease is long and the poll
  // interval is a minute from the start.
  auto relay = stack.start_relay("notify = true\npoll_min_ms = 60000\npoll_max_ms = 60000\nlease_seconds = 3600\n");
  auto sub = stack.subscribe();
  REQUIRE(wait_until([&] { return metric(*relay, "amo_relay_partitions_owned") == 16; }, 10s));
  emit(stack.pg, 1, 1);
  CHECK(wait_until([&] { return sub->ids().size() == 1; }, 30s));
  CHECK(relay->log().find("trigger is disabled") == std::string::npos);
}

TEST_CASE("notify = true with the trigger disabled says so") {
  Stack stack;
  auto relay = stack.start_relay("notify = true\n");
  CHECK(relay->wait_log("realtime_outbox_notify trigger is disabled", 10s));
}

TEST_CASE(
    "with the broker away every row still gets its seq; a tenant past what the relay holds spills, "
    "and once the broker is back all are published in order") {
  Stack stack;
  auto relay = stack.start_relay();
  auto sub = stack.subscribe();  // reconnects and subscribes again by itself
  stack.broker->kill();
  emit(stack.pg, 1, 2500);  // more than the 1,000 rows a relay holds per tenant
  CHECK(wait_until([&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE seq IS NULL") == 0; }, 30s));
  CHECK(stack.count("SELECT count(*) FROM realtime_outbox WHERE published_at IS NOT NULL") == 0);
  stack.broker->restart();
  REQUIRE(wait_until(
      [&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL") == 0; }, 60s));
  REQUIRE(wait_until([&] { return sub->ids().size() >= 2400; }, 30s));  // the first may precede its subscribe
  const auto rows = outbox(stack.pg);
  check_seq_gap_free(rows);
  check_delivery_order(sub->records());
  const auto c = count_delivery(rows, sub->ids());
  CHECK(c.missing == 0);
  CHECK(c.delivered + c.recovered == 2500);
}
