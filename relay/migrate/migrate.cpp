// The thin edge of `amo-relay migrate`: reads the directory, talks to Postgres, prints.
// What to do (and every refusal) is decided by plan.cpp before anything is applied.
#include "relay/migrate/migrate.h"

#include <libpq-fe.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/log/redact.h"
#include "io/files.h"
#include "relay/migrate/advisory_lock.h"
#include "relay/migrate/checksum.h"
#include "relay/migrate/plan.h"
#include "relay/migrate/steps.h"

namespace amo::relay {

namespace {

using migration::Applied;
using migration::Step;

// One line for `err`, after "migrate: ".
struct Failure {
  std::string line;
};

// The steps on disk and the up files' text, read once: what is applied is exactly what was
// checksummed.
struct Disk {
  std::filesystem::path dir;
  std::vector<Step> steps;
  std::map<int, std::string> up_sql;
};

Disk read_disk(const std::string& dir) {
  Disk disk{dir, {}, {}};
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) names.push_back(entry.path().filename());
  if (ec) throw Failure{"cannot read migrations_dir " + dir + ": " + ec.message()};
  auto listing = migration::parse_listing(std::move(names));
  if (auto* problem = std::get_if<migration::Problem>(&listing)) throw Failure{problem->line()};
  disk.steps = std::get<std::vector<Step>>(std::move(listing));
  for (auto& step : disk.steps) {
    std::string sql = io::read_file((disk.dir / step.up_file()).string());
    step.checksum = migration::sha256_hex(sql);
    disk.up_sql.emplace(step.version, std::move(sql));
  }
  return disk;
}

// The first line of a Postgres or libpq message, without its severity prefix.
std::string first_line(std::string_view message) {
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
  }
  const auto end = message.find('\n');
  return std::string(message.substr(0, end));
}

// libpq never quotes a password back, but a connection string that does not parse may be
// echoed in part: such a string gets a fixed message, and any message from a string that does
// parse loses every literal occurrence of its password before the usual redaction.
std::string connect_failure(const std::string& url, std::string_view libpq_message) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    PQfreemem(parse_error);
    return "cannot connect to the database: the connection string does not parse";
  }
  std::string password;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);
  std::string message = first_line(libpq_message);
  if (!password.empty()) {
    for (auto at = message.find(password); at != std::string::npos; at = message.find(password, at)) {
      message.replace(at, password.size(), log::kRedacted);
    }
  }
  return "cannot connect to the database: " + log::redact(message);
}

std::vector<Applied> read_applied(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  std::vector<Applied> applied;
  for (const auto& row : tx.exec(
           "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
           "FROM realtime_schema_migrations ORDER BY version")) {
    applied.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>()});
  }
  return applied;
}

bool history_table_exists(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  return tx.exec1("SELECT to_regclass('realtime_schema_migrations') IS NOT NULL")[0].as<bool>();
}

// A step's SQL and its row in realtime_schema_migrations commit together or not at all
// (Postgres DDL is transactional), so a failed step leaves nothing behind.
template <class Record>
void run_step(pqxx::connection& c, const std::string& sql, const std::string& file, Record record) {
  try {
    pqxx::work tx(c, "migrate");
    tx.exec(sql);
    record(tx);
    tx.commit();
  } catch (const std::exception& e) {
    throw Failure{file + " failed: " + first_line(e.what())};
  }
}

int up(pqxx::connection& c, const Disk& disk, std::ostream& out) {
  {
    pqxx::nontransaction tx(c);
    tx.exec0(
        "CREATE TABLE IF NOT EXISTS realtime_schema_migrations ("
        " version int PRIMARY KEY,"
        " name text NOT NULL,"
        " checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
  }
  auto plan = migration::plan_up(disk.steps, read_applied(c));
  if (auto* problem = std::get_if<migration::Problem>(&plan)) throw Failure{problem->line()};
  const auto& pending = std::get<std::vector<Step>>(plan);
  if (pending.empty()) out << "nothing to apply\n";
  for (const auto& step : pending) {
    run_step(c, disk.up_sql.at(step.version), step.up_file(), [&](pqxx::work& tx) {
      tx.exec_params0("INSERT INTO realtime_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                      step.version, step.name, step.checksum);
    });
    out << "applied " << step.id() << "\n" << std::flush;
  }
  return 0;
}

int down(pqxx::connection& c, const Disk& disk, std::ostream& out) {
  const auto applied = history_table_exists(c) ? read_applied(c) : std::vector<Applied>{};
  auto plan = migration::plan_down(disk.steps, applied);
  if (auto* problem = std::get_if<migration::Problem>(&plan)) throw Failure{problem->line()};
  const auto& latest = std::get<std::optional<Step>>(plan);
  if (!latest) {
    out << "nothing to revert\n";
    return 0;
  }
  const std::string sql = io::read_file((disk.dir / latest->down_file()).string());
  run_step(c, sql, latest->down_file(), [&](pqxx::work& tx) {
    tx.exec_params0("DELETE FROM realtime_schema_migrations WHERE version = $1", latest->version);
  });
  out << "reverted " << latest->id() << "\n";
  return 0;
}

int status(pqxx::connection& c, const Disk& disk, std::ostream& out) {
  const auto applied = history_table_exists(c) ? read_applied(c) : std::vector<Applied>{};
  for (const auto& line : migration::status_lines(disk.steps, applied)) out << line << "\n";
  if (auto problem = migration::check_applied(disk.steps, applied)) throw Failure{problem->line()};
  return 0;
}

}  // namespace

int migrate(const config::Config& config, const std::string& command, std::ostream& out, std::ostream& err) {
  if (command != "up" && command != "down" && command != "status") {
    err << "migrate: unknown command \"" << command << "\" (up | down | status)\n";
    return 2;
  }
  const std::string dir = config.migrations_dir.empty() ? AMO_DEFAULT_MIGRATIONS_DIR : config.migrations_dir;
  const std::string& url =
      config.migration_database_url.empty() ? config.database_url : config.migration_database_url;
  try {
    // The directory is checked before connecting: a broken one changes nothing anywhere.
    const Disk disk = read_disk(dir);
    std::unique_ptr<pqxx::connection> c;
    try {
      c = std::make_unique<pqxx::connection>(url);
    } catch (const std::exception& e) {
      throw Failure{connect_failure(url, e.what())};
    }
    {
      pqxx::nontransaction tx(*c);
      // Our objects live in public whatever the migration user's own search_path says (the
      // runtime role's grants and realtime_emit's pinned search_path name it); NOTICEs such
      // as "already exists, skipping" are noise on a command line.
      tx.exec0("SET search_path TO public; SET client_min_messages TO warning");
      // Held until the connection closes: the whole command, every step.
      tx.exec_params("SELECT pg_advisory_lock($1)", migration::kAdvisoryLockKey);
    }
    if (command == "up") return up(*c, disk, out);
    if (command == "down") return down(*c, disk, out);
    return status(*c, disk, out);
  } catch (const Failure& f) {
    err << "migrate: " << f.line << "\n";
  } catch (const std::exception& e) {
    err << "migrate: " << log::redact(first_line(e.what())) << "\n";
  }
  return 1;
}

}  // namespace amo::relay
