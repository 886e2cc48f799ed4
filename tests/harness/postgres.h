#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace amo::harness {

// A throwaway PostgreSQL 15 cluster: initdb as user `postgres` into a temp dir (trust auth,
// fsync off), `postgres` run directly as our child on 127.0.0.1:<free port>, unix socket in
// the temp dir, database `amo_test` created. The destructor sends SIGQUIT (what
// `pg_ctl stop -m immediate` sends), reaps, and removes the dir.
class Postgres {
 public:
  struct Options {
    std::string database = "amo_test";
    std::chrono::milliseconds start_timeout{30000};
    // For crash tests: a commit is acknowledged only once its WAL reached the OS, so a
    // SIGKILLed server loses nothing it acknowledged (off by default: faster).
    bool synchronous_commit = false;
  };

  Postgres();
  explicit Postgres(Options options);
  ~Postgres();
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  // libpq connection string for the test database, user postgres, over TCP.
  std::string url() const;
  // Same, database `postgres` (to create or drop more databases).
  std::string admin_url() const;
  int port() const { return port_; }
  pid_t pid() const { return server_ ? server_->pid() : -1; }
  std::filesystem::path dir() const { return dir_.path(); }
  // Runs `sql` (may hold several statements) in one transaction on the test database.
  void exec(std::string_view sql) const;
  // Server log so far (stderr of the postmaster).
  std::string log() const;
  // Fast shutdown (SIGINT: sessions are cut, data kept), then the same cluster starts again on
  // the same port; returns once it accepts connections.
  void restart();
  // Immediate shutdown (a crash: no checkpoint), reaped; start() brings it back and Postgres
  // runs crash recovery.
  void kill();
  void start();

 private:
  void spawn();
  void wait_ready(bool create_database);
  std::string url_for(const std::string& database) const;

  Options options_;
  TempDir dir_{"amo-pg"};
  int port_ = 0;
  std::unique_ptr<Process> server_;
};

// A realtime_users row (active or not, token_revoked_at cleared) and its thread memberships.
void add_realtime_user(const Postgres& pg, const std::string& amo, const std::string& user,
                       const std::vector<std::string>& threads = {}, bool active = true);

}  // namespace amo::harness
