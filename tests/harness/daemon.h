#pragma once
// A daemon under test (amo-relay, amo-token-service, or any program taking `--config F`):
// started from a TOML config written into a temp dir, on a free `http_listen` port, its
// stderr captured; signals for the fault tests (SIGTERM, SIGKILL, SIGSTOP/SIGCONT).
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace amo::harness {

class Postgres;

class Daemon {
 public:
  struct Options {
    std::string binary{};             // absolute path
    std::vector<std::string> args{};  // before `--config F`
    // The TOML text. `http_listen = "127.0.0.1:<free port>"` is prepended unless it sets
    // http_listen itself; `{HTTP_PORT}` and `{DIR}` (the temp dir) are substituted.
    std::string config{};
    std::vector<std::pair<std::string, std::optional<std::string>>> env{};  // e.g. APP_ENV
    bool wait_ready = true;                                                 // wait until GET /healthz answers 200
    std::chrono::milliseconds start_timeout{20000};
  };

  explicit Daemon(Options options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int http_port() const { return http_port_; }
  std::filesystem::path dir() const { return dir_.path(); }
  std::filesystem::path config_path() const { return dir_.path() / "daemon.toml"; }
  std::filesystem::path write(const std::filesystem::path& name, std::string_view content) const {
    return dir_.write(name, content);
  }
  std::string log() const;  // stdout and stderr so far
  bool wait_log(std::string_view needle, std::chrono::milliseconds timeout) const;
  bool wait_healthy(std::chrono::milliseconds timeout) const;
  // GET /readyz answers 200: the database and every broker shard connected, the MQTT
  // subscriptions in place (/healthz answers before them).
  bool wait_ready(std::chrono::milliseconds timeout) const;
  void signal(int sig) const;  // SIGTERM, SIGKILL, SIGSTOP, SIGCONT, SIGHUP…
  bool running() const;
  // Exit code (128+N if killed by signal N), or -1 if still running after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout);
  // Starts the same binary and config again (after it exited or was killed).
  void restart();

 private:
  void spawn();
  bool wait_status(std::string_view path, std::chrono::milliseconds timeout) const;

  Options options_;
  TempDir dir_{"amo-daemon"};
  int http_port_ = 0;
  std::unique_ptr<Process> process_;
};

// One GET over a fresh connection: the status code (and body), or -1 if nothing answered.
struct HttpAnswer {
  int status = -1;
  std::string body;
};
HttpAnswer http_get(int port, std::string_view path, std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Sends `request` as is (it should ask for Connection: close) and reads until the peer closes.
HttpAnswer http_raw(int port, std::string_view request, std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The value of a series (name with its labels, as /metrics renders them) from GET /metrics
// on 127.0.0.1:port, or -1 if absent.
double scrape_metric(int port, std::string_view series);

// `amo-relay migrate up` against the test database; throws with its output on failure.
void migrate_up(const Postgres& pg, const std::string& relay_binary);

}  // namespace amo::harness
