#include "tests/harness/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <string_view>
#include <thread>

extern char** environ;

namespace amo::harness {

namespace {

struct Credentials {
  bool change = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

Credentials lookup(const std::string& user) {
  Credentials c;
  if (user.empty()) return c;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) throw std::runtime_error("no such user: " + user);
  c.change = true;
  c.uid = pw->pw_uid;
  c.gid = pw->pw_gid;
  int n = 32;
  c.groups.resize(static_cast<std::size_t>(n));
  if (::getgrouplist(user.c_str(), c.gid, c.groups.data(), &n) < 0) {
    c.groups.resize(static_cast<std::size_t>(n));
    ::getgrouplist(user.c_str(), c.gid, c.groups.data(), &n);
  }
  c.groups.resize(static_cast<std::size_t>(n));
  return c;
}

// Only async-signal-safe calls between fork and exec: the test process has threads.
[[noreturn]] void child_exec(char* const* argv, char* const* envp, int log_fd, const Credentials& cred, const char* cwd,
                             pid_t parent) {
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (cred.change) {
    if (::setgroups(cred.groups.size(), cred.groups.data()) != 0 || ::setgid(cred.gid) != 0 ||
        ::setuid(cred.uid) != 0) {
      static const char msg[] = "harness: cannot change user\n";
      (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
      ::_exit(126);
    }
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(125);  // the test died before prctl took effect
  if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
  ::execve(argv[0], argv, envp);
  static const char msg[] = "harness: execv failed\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(127);
}

}  // namespace

Process::Process(std::vector<std::string> argv, const std::filesystem::path& log_file, SpawnOptions options)
    : options_(std::move(options)) {
  if (argv.empty()) throw std::invalid_argument("Process: empty argv");
  const Credentials cred = lookup(options_.user);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const std::string cwd = options_.cwd.string();
  // The environment is built before fork: only async-signal-safe calls may follow it.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [k, v] : options_.env) replaced = replaced || k == name;
    if (!replaced) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : options_.env) {
    if (v) env_strings.push_back(k + "=" + *v);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::system_error(errno, std::generic_category(), "open " + log_file.string());
  if (cred.change) (void)!::fchown(log_fd, cred.uid, cred.gid);

  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) child_exec(cargv.data(), envp.data(), log_fd, cred, cwd.empty() ? nullptr : cwd.c_str(), parent);
  const int err = errno;
  ::close(log_fd);
  if (pid_ < 0) throw std::system_error(err, std::generic_category(), "fork");
}

Process::~Process() {
  stop();
}

bool Process::reap(bool block) const {
  if (exited_ || pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  exited_ = true;
  if (r < 0) {
    exit_code_ = -1;
  } else if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit_code_ = 128 + WTERMSIG(status);
  }
  return true;
}

bool Process::running() const {
  return !reap(false);
}

void Process::signal(int sig) const {
  if (!exited_ && pid_ > 0) ::kill(pid_, sig);
}

int Process::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_code_;
}

int Process::stop() {
  if (pid_ <= 0) return -1;
  if (!reap(false)) {
    signal(options_.stop_signal);
    if (wait_exit(options_.grace) < 0) {
      signal(SIGKILL);
      reap(true);
    }
  }
  return exit_code_;
}

int run(std::vector<std::string> argv, const std::filesystem::path& log_file, std::chrono::milliseconds timeout,
        SpawnOptions options) {
  options.stop_signal = SIGKILL;
  options.grace = std::chrono::milliseconds(1000);
  Process p(std::move(argv), log_file, std::move(options));
  const int code = p.wait_exit(timeout);
  if (code < 0) p.stop();
  return code;
}

bool pid_alive(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace amo::harness
