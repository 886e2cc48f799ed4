// What `migrate` refuses and how it fails: a failing step leaves nothing of itself behind, an
// edited or half-missing step stops everything before it starts, and a connection error never
// shows the password.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "tests/harness/ports.h"
#include "tests/relay/migrate/migrate_fixture.h"

using amo::migrate_test::Fixture;
using amo::migrate_test::Run;
using amo::migrate_test::step_count;

namespace {

long lines_starting(const Run& run, const std::string& prefix) {
  const auto lines = run.lines();
  return std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with(prefix); });
}

void append(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::app) << text;
}

}  // namespace

TEST_CASE("a failing step rolls back whole, stops the runner with exit 1 and keeps the earlier steps") {
  Fixture f;
  const auto dir = f.copy_migrations();
  f.dir.write(dir.filename() / "9999_broken.up.sql",
              "CREATE TABLE broken_leftover (x int);\nINSERT INTO broken_leftover VALUES (1);\nSELECT 1 / 0;\n");
  f.dir.write(dir.filename() / "9999_broken.down.sql", "-- Drops broken_leftover.\nDROP TABLE broken_leftover;\n");

  const auto up = f.migrate_dir("up", dir);
  INFO(up.output);
  CHECK(up.code == 1);
  CHECK(lines_starting(up, "applied ") == static_cast<long>(step_count()));
  CHECK(up.lines().back() == "migrate: 9999_broken.up.sql failed: division by zero");
  CHECK(lines_starting(up, "migrate: ") == 1);
  CHECK_FALSE(f.table_exists("broken_leftover"));
  CHECK(f.count("SELECT count(*) FROM realtime_schema_migrations") == static_cast<long>(step_count()));
  CHECK(f.count("SELECT count(*) FROM realtime_schema_migrations WHERE version = 9999") == 0);
  CHECK(f.table_exists("realtime_outbox"));

  CHECK(f.migrate_dir("status", dir).lines().back() == "pending  9999_broken");
  // Still failing, still nothing of it; down reverts the latest step that did apply.
  CHECK(f.migrate_dir("up", dir).code == 1);
  CHECK_FALSE(f.table_exists("broken_leftover"));
  CHECK(f.migrate_dir("down", dir).output == "reverted 0008_history_statistics\n");
}

TEST_CASE("an applied step whose up file changed is refused before anything is applied") {
  Fixture f;
  const auto dir = f.copy_migrations();
  REQUIRE(f.migrate_dir("up", dir).code == 0);
  append(dir / "0002_emit.up.sql", "\n-- edited after it was applied\n");
  f.dir.write(dir.filename() / "0100_extra.up.sql", "CREATE TABLE extra_table (x int);\n");
  f.dir.write(dir.filename() / "0100_extra.down.sql", "-- Drops extra_table.\nDROP TABLE extra_table;\n");

  const std::string refusal =
      "migrate: 0002_emit.up.sql: changed since it was applied (sha256 differs); refusing to go on";
  const auto up = f.migrate_dir("up", dir);
  CHECK(up.code == 1);
  CHECK(up.output == refusal + "\n");
  CHECK_FALSE(f.table_exists("extra_table"));
  CHECK(f.count("SELECT count(*) FROM realtime_schema_migrations") == static_cast<long>(step_count()));

  const auto down = f.migrate_dir("down", dir);
  CHECK(down.code == 1);
  CHECK(down.output == refusal + "\n");
  CHECK(f.count("SELECT count(*) FROM realtime_schema_migrations") == static_cast<long>(step_count()));

  const auto status = f.migrate_dir("status", dir);
  CHECK(status.code == 1);
  CHECK(status.lines().back() == refusal);
}

TEST_CASE("a missing down file or a stray file is refused, naming the file, before connecting") {
  Fixture f;
  const auto dir = f.copy_migrations();
  std::filesystem::remove(dir / "0004_chat.down.sql");
  const auto up = f.migrate_dir("up", dir);
  CHECK(up.code == 1);
  CHECK(up.output == "migrate: 0004_chat.down.sql: is missing (every NNNN_name.up.sql needs its NNNN_name.down.sql)\n");
  CHECK_FALSE(f.table_exists("realtime_schema_migrations"));
  CHECK_FALSE(f.table_exists("realtime_outbox"));

  const auto stray_dir = f.copy_migrations();
  f.dir.write(stray_dir.filename() / "notes.txt", "not a step\n");
  const auto stray = f.migrate_dir("up", stray_dir);
  CHECK(stray.code == 1);
  CHECK(stray.output.starts_with("migrate: notes.txt: is not a migration step"));
  CHECK_FALSE(f.table_exists("realtime_outbox"));
}

TEST_CASE("a connection failure is one line without the password") {
  Fixture f;
  const int closed_port = amo::harness::free_port();
  const std::string secret = "Sup3rSecretPw";
  for (const std::string& url :
       {"host=127.0.0.1 port=" + std::to_string(closed_port) + " user=postgres password=" + secret +
            " dbname=amo connect_timeout=3",
        "postgresql://postgres:" + secret + "@127.0.0.1:" + std::to_string(closed_port) + "/amo?connect_timeout=3"}) {
    CAPTURE(url);
    const auto run = f.migrate("status", f.write_config(url));
    CHECK(run.code == 1);
    REQUIRE(run.lines().size() == 1);
    CHECK(run.lines()[0].starts_with("migrate: cannot connect to the database: "));
    CHECK(run.output.find(secret) == std::string::npos);
  }
  // A string libpq cannot parse is refused before any connection attempt, still without it.
  const auto bogus = f.migrate("status", f.write_config("host=127.0.0.1 password=" + secret + " bogus_option=1"));
  CHECK(bogus.code == 1);
  CHECK(bogus.lines().size() == 1);
  CHECK(bogus.output.find(secret) == std::string::npos);
}
