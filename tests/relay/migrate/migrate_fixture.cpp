#include "tests/relay/migrate/migrate_fixture.h"

#include <sstream>

#include "tests/harness/process.h"

namespace amo::migrate_test {

namespace fs = std::filesystem;

std::vector<std::string> Run::lines() const {
  std::vector<std::string> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

Fixture::Fixture() {
  config_ = write_config(pg.url());
}

fs::path Fixture::write_config(const std::string& database_url, const fs::path& migrations_dir) {
  std::string toml = "database_url = \"" + database_url + "\"\n";
  if (!migrations_dir.empty()) toml += "migrations_dir = \"" + migrations_dir.string() + "\"\n";
  return dir.write("config-" + std::to_string(++runs_) + ".toml", toml);
}

fs::path Fixture::log_path(const std::string& stem) {
  return dir.path() / (stem + "-" + std::to_string(++runs_) + ".log");
}

Run Fixture::migrate(const std::string& command, const fs::path& config) {
  const fs::path log = log_path("migrate-" + command);
  Run run;
  run.code =
      harness::run({AMO_RELAY_PATH, "migrate", command, "--config", config.string()}, log, std::chrono::seconds(60));
  run.output = harness::read_file(log);
  return run;
}

Run Fixture::migrate_dir(const std::string& command, const fs::path& migrations_dir) {
  return migrate(command, write_config(pg.url(), migrations_dir));
}

fs::path Fixture::copy_migrations() {
  const fs::path copy = dir.path() / ("migrations-" + std::to_string(++runs_));
  fs::copy(kMigrations, copy, fs::copy_options::recursive);
  return copy;
}

std::string Fixture::scalar(const std::string& sql) const {
  pqxx::connection c(pg.url());
  pqxx::nontransaction tx(c);
  const auto field = tx.exec1(sql)[0];
  return field.is_null() ? "NULL" : field.as<std::string>();
}

bool Fixture::table_exists(const std::string& name) const {
  return scalar("SELECT to_regclass('public." + name + "') IS NOT NULL") == "t";
}

std::size_t step_count(const fs::path& dir) {
  std::size_t ups = 0;
  for (const auto& e : fs::directory_iterator(dir)) ups += e.path().filename().string().ends_with(".up.sql");
  return ups;
}

}  // namespace amo::migrate_test
