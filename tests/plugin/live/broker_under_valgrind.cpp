#include "tests/plugin/live/broker_under_valgrind.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/harness/mosquitto.h"
#include "tests/harness/ports.h"

namespace amo::live {

namespace fs = std::filesystem;

namespace {

constexpr const char* kValgrind = "/usr/bin/valgrind";

template <class Pred>
bool poll_until(std::chrono::milliseconds timeout, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

BrokerUnderValgrind::BrokerUnderValgrind(const std::vector<std::pair<std::string, std::string>>& plugin_opts) {
  if (!fs::exists(kValgrind)) throw std::runtime_error("valgrind is not installed (Debian package valgrind)");
  port_ = harness::free_port();
  const fs::path plugin = dir_.path() / "plugin.so";
  fs::copy_file(AMO_PLUGIN_PATH, plugin, fs::copy_options::overwrite_existing);
  fs::permissions(plugin, fs::perms(0755));
  std::string c = "per_listener_settings false\nallow_anonymous false\npersistence false\n";
  c += "log_dest file " + (dir_.path() / "mosquitto.log").string() + "\nlog_type all\n";
  c += "listener " + std::to_string(port_) + " 127.0.0.1\n";
  c += "plugin " + plugin.string() + "\n";
  for (const auto& [k, v] : plugin_opts) c += "plugin_opt_" + k + " " + v + "\n";
  dir_.write("mosquitto.conf", c);
  dir_.chown_to("mosquitto");

  harness::SpawnOptions spawn;
  spawn.user = "mosquitto";
  spawn.cwd = dir_.path();
  spawn.grace = std::chrono::seconds(30);  // memcheck writes its summary on the way out
  process_ = std::make_unique<harness::Process>(
      std::vector<std::string>{kValgrind, "--tool=memcheck", "--leak-check=no", "--num-callers=30",
                               "--log-file=" + (dir_.path() / "memcheck.log").string(), "/usr/sbin/mosquitto", "-c",
                               (dir_.path() / "mosquitto.conf").string()},
      dir_.path() / "stderr.log", spawn);
  if (!poll_until(std::chrono::seconds(60), [&] { return harness::port_accepts(port_) || !process_->running(); }) ||
      !process_->running()) {
    throw std::runtime_error("mosquitto under valgrind did not start:\n" + log() + memcheck_report());
  }
}

BrokerUnderValgrind::~BrokerUnderValgrind() = default;

std::string BrokerUnderValgrind::log() const {
  return harness::read_file(dir_.path() / "stderr.log") + harness::read_file(dir_.path() / "mosquitto.log");
}

bool BrokerUnderValgrind::wait_log(std::string_view needle, std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] { return log().find(needle) != std::string::npos; });
}

bool BrokerUnderValgrind::wait_log_line(const std::vector<std::string>& parts, std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] {
    std::istringstream lines(log());
    for (std::string line; std::getline(lines, line);) {
      bool all = true;
      for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
      if (all) return true;
    }
    return false;
  });
}

void BrokerUnderValgrind::sighup() const { process_->signal(SIGHUP); }

std::string BrokerUnderValgrind::memcheck_report() const { return harness::read_file(dir_.path() / "memcheck.log"); }

bool BrokerUnderValgrind::wait_memcheck_error(std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] {
    const std::string r = memcheck_report();
    return r.find("Invalid ") != std::string::npos || r.find("uninitialised") != std::string::npos;
  });
}

int BrokerUnderValgrind::stop_and_count_errors() {
  process_->stop();
  const std::string report = memcheck_report();
  constexpr std::string_view kSummary = "ERROR SUMMARY: ";
  const auto at = report.rfind(kSummary);
  if (at == std::string::npos) return -1;
  return std::atoi(report.c_str() + at + kSummary.size());
}

}  // namespace amo::live
