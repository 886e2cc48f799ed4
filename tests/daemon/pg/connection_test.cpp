// daemon/pg: the connection survives a database restart without the process restarting.
#include <doctest/doctest.h>

#include <thread>

#include "daemon/metrics/registry.h"
#include "daemon/pg/connection.h"
#include "tests/harness/postgres.h"

using namespace amo;

TEST_CASE("connect_timeout is added once, in the string's own form") {
  CHECK(pg::with_connect_timeout("host=h dbname=d") == "host=h dbname=d connect_timeout=5");
  CHECK(pg::with_connect_timeout("postgresql://u@h/d") == "postgresql://u@h/d?connect_timeout=5");
  CHECK(pg::with_connect_timeout("postgres://u@h/d?sslmode=disable") == "postgres://u@h/d?sslmode=disable&connect_timeout=5");
  CHECK(pg::with_connect_timeout("host=h connect_timeout=1") == "host=h connect_timeout=1");
}

TEST_CASE("with_retry runs again on a new backend after a restart; prepared statements come back") {
  harness::Postgres db;
  metrics::Counter reconnects;
  metrics::Gauge up;
  pg::Options o;
  o.url = db.url();
  o.prepared = {{"one", "SELECT 1"}};
  o.reconnects = &reconnects;
  o.up = &up;
  pg::Connection conn(std::move(o));
  auto pid = [](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_prepared1("one");
    return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
  };
  const int first = conn.with_retry(pid);
  CHECK(up.value() == 1);
  db.restart();
  // The first attempt meets the dead backend, the retry reconnects (with backoff) and re-prepares.
  const int second = conn.with_retry(pid, 5);
  CHECK(second != first);
  CHECK(reconnects.value() == 1);
  CHECK(up.value() == 1);
  CHECK(conn.ping());
  db.kill();
  CHECK_FALSE(conn.ping());
  CHECK(up.value() == 0);
}
