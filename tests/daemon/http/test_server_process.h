#pragma once
// amo-http-test-server running on a free port, its log captured, for the live tests here.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/harness/http_client.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace amo::http_test {

class TestServer {
 public:
  // Extra flags (--read-timeout-ms 1000, --cors-origins …); waits until it accepts.
  explicit TestServer(std::vector<std::string> flags = {});
  // Stops it with SIGTERM and checks that it exits 0 with no sanitizer report in its log.
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  harness::HttpClient connect(harness::HttpClientOptions options = {}) const {
    return harness::HttpClient(port_, options);
  }
  std::string log() const;
  // Polls the log for `needle`; true once it is there.
  bool wait_log(std::string_view needle, std::chrono::milliseconds timeout) const;
  void signal(int sig) const { process_->signal(sig); }
  int wait_exit(std::chrono::milliseconds timeout) { return process_->wait_exit(timeout); }

 private:
  harness::TempDir dir_{"amo-http-test"};
  int port_ = 0;
  std::unique_ptr<harness::Process> process_;
};

// The access-log line of a request id, or empty.
std::string access_line(const std::string& log, std::string_view request_id);

}  // namespace amo::http_test
