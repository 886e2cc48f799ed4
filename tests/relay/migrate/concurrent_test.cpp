// Two `migrate up` at once (DESIGN §5): the advisory lock makes them take turns, so every
// step is applied exactly once and both exit 0.
#include <doctest/doctest.h>

#include <thread>

#include "relay/migrate/advisory_lock.h"
#include "tests/harness/process.h"
#include "tests/relay/migrate/migrate_fixture.h"

using amo::migrate_test::Fixture;
using amo::migrate_test::step_count;

TEST_CASE("two migrate up started together apply each step exactly once") {
  Fixture f;
  const auto config = f.write_config(f.pg.url());

  // Hold the runners' lock so both are surely waiting on it at once, then let them go.
  auto holder = std::make_unique<pqxx::connection>(f.pg.url());
  {
    pqxx::nontransaction tx(*holder);
    tx.exec_params("SELECT pg_advisory_lock($1)", amo::relay::migration::kAdvisoryLockKey);
  }
  const auto log_a = f.log_path("runner-a");
  const auto log_b = f.log_path("runner-b");
  amo::harness::Process a({AMO_RELAY_PATH, "migrate", "up", "--config", config.string()}, log_a);
  amo::harness::Process b({AMO_RELAY_PATH, "migrate", "up", "--config", config.string()}, log_b);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  long waiting = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    waiting = f.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    if (waiting == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(amo::harness::read_file(log_a), amo::harness::read_file(log_b));
  REQUIRE(waiting == 2);
  CHECK_FALSE(f.table_exists("realtime_outbox"));
  holder.reset();  // the session ends, the lock goes

  CHECK(a.wait_exit(std::chrono::seconds(60)) == 0);
  CHECK(b.wait_exit(std::chrono::seconds(60)) == 0);
  const std::string out_a = amo::harness::read_file(log_a);
  const std::string out_b = amo::harness::read_file(log_b);
  INFO(out_a, out_b);
  // One applied everything, the other found nothing pending.
  CHECK(((out_a == "nothing to apply\n") != (out_b == "nothing to apply\n")));
  CHECK(f.count("SELECT count(*) FROM realtime_schema_migrations") == static_cast<long>(step_count()));
  CHECK(f.count("SELECT count(DISTINCT version) FROM realtime_schema_migrations") == static_cast<long>(step_count()));
}
