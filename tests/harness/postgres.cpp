#include "tests/harness/postgres.h"

#include <signal.h>

#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "tests/harness/ports.h"

namespace amo::harness {

namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin/";

}  // namespace

Postgres::Postgres() : Postgres(Options{}) {}

Postgres::Postgres(Options options) : options_(std::move(options)) {
  dir_.chown_to("postgres");
  SpawnOptions as_postgres;
  as_postgres.user = "postgres";
  as_postgres.cwd = dir_.path();
  const auto data = dir_.path() / "data";
  const auto initdb_log = dir_.path() / "initdb.log";
  const int rc = run(
      {kBin + "initdb", "-D", data.string(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"},
      initdb_log, std::chrono::seconds(60), as_postgres);
  if (rc != 0) {
    throw std::runtime_error("initdb failed (" + std::to_string(rc) + "):\n" + read_file(initdb_log));
  }

  port_ = free_port();
  spawn();
  wait_ready(true);
}

void Postgres::spawn() {
  SpawnOptions as_postgres;
  as_postgres.user = "postgres";
  as_postgres.cwd = dir_.path();
  as_postgres.stop_signal = SIGQUIT;
  as_postgres.grace = std::chrono::milliseconds(5000);
  // fsync stays off even in crash-safe mode: tests kill the server, never the kernel, so what
  // reached the OS survives; synchronous_commit=on is what makes an acknowledged commit durable.
  const std::string sync = options_.synchronous_commit ? "on" : "off";
  server_ = std::make_unique<Process>(
      std::vector<std::string>{kBin + "postgres", "-D", (dir_.path() / "data").string(), "-c",
                               "listen_addresses=127.0.0.1", "-c", "port=" + std::to_string(port_), "-c",
                               "unix_socket_directories=" + dir_.path().string(), "-c", "fsync=off", "-c",
                               "synchronous_commit=" + sync, "-c", "full_page_writes=off", "-c",
                               "logging_collector=off"},
      dir_.path() / "postgres.log", as_postgres);
}

void Postgres::wait_ready(bool create_database) {
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  std::string last_error;
  for (;;) {
    try {
      pqxx::connection c(admin_url());
      pqxx::nontransaction tx(c);
      if (create_database) tx.exec0("CREATE DATABASE " + tx.quote_name(options_.database));
      return;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    if (!server_->running() || std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("postgres did not start: " + last_error + "\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Postgres::restart() {
  // SIGINT is Postgres' fast shutdown: clients are disconnected, the data is kept.
  server_->signal(SIGINT);
  if (server_->wait_exit(std::chrono::seconds(30)) < 0) throw std::runtime_error("postgres did not stop:\n" + log());
  spawn();
  wait_ready(false);
}

void Postgres::kill() {
  // SIGQUIT (pg_ctl's immediate mode): every process exits at once, no checkpoint; the next
  // start runs crash recovery. A SIGKILLed postmaster would leave its backends holding the
  // shared memory, and the cluster could not start again until they died.
  server_->signal(SIGQUIT);
  server_->wait_exit(std::chrono::seconds(10));
}

void Postgres::start() {
  spawn();
  wait_ready(false);
}

Postgres::~Postgres() {
  if (server_) server_->stop();
}

std::string Postgres::url_for(const std::string& database) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + database + " connect_timeout=5";
}

std::string Postgres::url() const {
  return url_for(options_.database);
}

std::string Postgres::admin_url() const {
  return url_for("postgres");
}

void Postgres::exec(std::string_view sql) const {
  pqxx::connection c(url());
  pqxx::work tx(c);
  tx.exec(std::string(sql));
  tx.commit();
}

std::string Postgres::log() const {
  return read_file(dir_.path() / "postgres.log");
}

void add_realtime_user(const Postgres& pg, const std::string& amo, const std::string& user,
                       const std::vector<std::string>& threads, bool active) {
  pqxx::connection c(pg.url());
  pqxx::work w(c);
  w.exec_params(
      "INSERT INTO realtime_users (amo_id, user_id, is_active) VALUES ($1, $2, $3) "
      "ON CONFLICT (amo_id, user_id) DO UPDATE SET is_active = EXCLUDED.is_active, token_revoked_at = NULL",
      amo, user, active);
  for (const auto& t : threads)
    w.exec_params(
        "INSERT INTO realtime_thread_members (amo_id, thread_id, user_id) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        amo, t, user);
  w.commit();
}

}  // namespace amo::harness
