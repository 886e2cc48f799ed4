#pragma once
// Mosquitto 2.0.11 with the plugin, run under valgrind's memcheck: for defects where what the
// plugin asks of the broker makes the broker itself touch freed memory, which no sanitizer
// built into the plugin can see. The config is the live tests' usual one (harness::Mosquitto),
// TCP listener only.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace amo::live {

class BrokerUnderValgrind {
 public:
  // plugin_opts as harness::Mosquitto::Options::plugin_opts (plugin_opt_<k> <v>).
  explicit BrokerUnderValgrind(const std::vector<std::pair<std::string, std::string>>& plugin_opts);
  ~BrokerUnderValgrind();
  BrokerUnderValgrind(const BrokerUnderValgrind&) = delete;
  BrokerUnderValgrind& operator=(const BrokerUnderValgrind&) = delete;

  int port() const { return port_; }
  std::string log() const;
  bool wait_log(std::string_view needle, std::chrono::milliseconds timeout) const;
  // True once some line of the broker log holds every one of `parts`.
  bool wait_log_line(const std::vector<std::string>& parts, std::chrono::milliseconds timeout) const;
  void sighup() const;
  // True once memcheck has reported an error (it writes each one as it happens).
  bool wait_memcheck_error(std::chrono::milliseconds timeout) const;
  // Stops the broker (SIGTERM) and returns memcheck's "ERROR SUMMARY" count; -1 if it wrote none.
  int stop_and_count_errors();
  std::string memcheck_report() const;

 private:
  harness::TempDir dir_{"amo-mosq-vg"};
  int port_ = 0;
  std::unique_ptr<harness::Process> process_;
};

}  // namespace amo::live
