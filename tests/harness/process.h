#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace amo::harness {

struct SpawnOptions {
  std::string user;                       // empty = stay root; else setgid/setgroups/setuid before exec
  std::filesystem::path cwd;              // empty = inherit
  int stop_signal = 15;                   // SIGTERM; Postgres uses SIGQUIT (immediate shutdown)
  std::chrono::milliseconds grace{3000};  // after stop_signal, before SIGKILL
  // Changes to the inherited environment: set to the value, or removed when nullopt.
  std::vector<std::pair<std::string, std::optional<std::string>>> env;
};

// One child process: argv[0] is an absolute path (no PATH lookup), stdout and stderr
// appended to `log_file`. The child gets SIGKILL if the test process dies (PR_SET_PDEATHSIG,
// set after the uid change, which would otherwise clear it). The destructor stops and reaps it.
class Process {
 public:
  Process(std::vector<std::string> argv, const std::filesystem::path& log_file, SpawnOptions options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const;
  void signal(int sig) const;
  // Exit code (128+N if killed by signal N), or -1 if still running after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout);
  // stop_signal, wait grace, SIGKILL, reap. Returns the exit code as wait_exit does.
  int stop();

 private:
  bool reap(bool block) const;

  pid_t pid_ = -1;
  mutable bool exited_ = false;
  mutable int exit_code_ = -1;
  SpawnOptions options_;
};

// Runs a command to completion (stdout/stderr to `log_file`); returns its exit code, or -1
// (after killing it) if it outlives `timeout`.
int run(std::vector<std::string> argv, const std::filesystem::path& log_file, std::chrono::milliseconds timeout,
        SpawnOptions options = {});

// True when some process with this pid exists (zombies included).
bool pid_alive(pid_t pid);

}  // namespace amo::harness
