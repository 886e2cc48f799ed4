#pragma once
// What the live `amo-relay migrate` tests share: a throwaway Postgres, a config file pointing
// the real binary at it, a way to run the binary and read what it printed, and small queries.
#include <pqxx/pqxx>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/harness/postgres.h"
#include "tests/harness/temp_dir.h"

namespace amo::migrate_test {

inline const std::filesystem::path kMigrations = std::filesystem::path(AMO_SOURCE_DIR) / "deploy/migrations";

// Exit code and everything the command printed (stdout and stderr together).
struct Run {
  int code = -1;
  std::string output;
  std::vector<std::string> lines() const;
};

class Fixture {
 public:
  Fixture();

  // The TOML config for `database_url` (and `migrations_dir` when not empty).
  std::filesystem::path write_config(const std::string& database_url, const std::filesystem::path& migrations_dir = {});
  // `amo-relay migrate <command> --config <config>`, to completion.
  Run migrate(const std::string& command, const std::filesystem::path& config);
  Run migrate(const std::string& command) { return migrate(command, config_); }
  // Same, with migrations_dir = `dir` (a test's own copy).
  Run migrate_dir(const std::string& command, const std::filesystem::path& dir);
  // A fresh copy of deploy/migrations in this fixture's temp dir, for a test to break.
  std::filesystem::path copy_migrations();

  // One scalar of a query run as the superuser.
  std::string scalar(const std::string& sql) const;
  long count(const std::string& sql) const { return std::stol(scalar(sql)); }
  bool table_exists(const std::string& name) const;
  std::filesystem::path log_path(const std::string& stem);

  harness::Postgres pg;
  harness::TempDir dir{"amo-migrate"};

 private:
  std::filesystem::path config_;
  int runs_ = 0;
};

// The number of step pairs in deploy/migrations.
std::size_t step_count(const std::filesystem::path& dir = kMigrations);

}  // namespace amo::migrate_test
