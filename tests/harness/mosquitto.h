#pragma once

#include <sys/types.h>

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

// A throwaway Mosquitto 2.0.11 broker on 127.0.0.1 free ports, config and log in a temp dir.
// It is started directly as user `mosquitto` (what a root-started broker drops to before
// loading plugins), so plugins and the files they read must be readable by that user; the
// temp dir is owned by `mosquitto`, files written into it are world-readable.
class Mosquitto {
 public:
  struct Options {
    bool websockets = true;
    std::string plugin_path{};  // empty = no plugin; copied into the temp dir as plugin.so
    std::vector<std::pair<std::string, std::string>> plugin_opts{};  // plugin_opt_<k> <v>
    std::string extra_config{};                                      // appended verbatim
    bool allow_anonymous = false;
    bool per_listener_settings_false = true;  // TICK needs `per_listener_settings false`
    // Used as-is instead of the generated config, after substituting {TCP_PORT}, {WS_PORT},
    // {LOG_FILE}, {PLUGIN}, {DIR}.
    std::optional<std::string> full_config{};
    bool expect_start = true;  // false: do not wait for readiness (startup meant to fail)
    std::chrono::milliseconds start_timeout{10000};
  };

  explicit Mosquitto(Options options);
  ~Mosquitto();
  Mosquitto(const Mosquitto&) = delete;
  Mosquitto& operator=(const Mosquitto&) = delete;

  int port() const { return port_; }
  int ws_port() const { return ws_port_; }  // 0 when websockets are off
  pid_t pid() const { return process_->pid(); }
  std::filesystem::path dir() const { return dir_.path(); }
  std::filesystem::path config_path() const { return dir_.path() / "mosquitto.conf"; }
  // Writes a file into the broker's temp dir (readable by the broker), returns its path.
  std::filesystem::path write(const std::filesystem::path& name, std::string_view content) const {
    return dir_.write(name, content);
  }
  // Whole broker log so far: its stdout/stderr (startup errors land there) then the log file.
  std::string log() const;
  bool wait_log(std::string_view needle, std::chrono::milliseconds timeout) const;
  // SIGKILL, reaped: a crash, with what the broker acknowledged but had not delivered lost.
  void kill();
  // Stops the broker if it runs (SIGTERM) and starts it again on the same ports and config;
  // returns once it accepts connections.
  void restart();
  // Reload the config (and re-run BASIC_AUTH for live clients, FACTS.md).
  void sighup() const;
  bool running() const;
  // Exit code, or -1 if still running after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  std::string generated_config(const std::string& plugin) const;
  void spawn();  // starts the process; waits for the listeners unless expect_start is false

  Options options_;
  TempDir dir_{"amo-mosq"};
  int port_ = 0;
  int ws_port_ = 0;
  std::unique_ptr<Process> process_;
};

// True if a TCP connection to 127.0.0.1:port is accepted.
bool port_accepts(int port);

}  // namespace amo::harness
