#include "tests/daemon/http/test_server_process.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>

#include "tests/harness/ports.h"

namespace amo::http_test {

TestServer::TestServer(std::vector<std::string> flags) : port_(harness::free_port()) {
  std::vector<std::string> argv{AMO_HTTP_TEST_SERVER, "--port", std::to_string(port_)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  // Grace beyond the server's own stop_timeout (10 s), so a slow stop shows as one, not as SIGKILL.
  harness::SpawnOptions spawn;
  spawn.grace = std::chrono::seconds(15);
  process_ = std::make_unique<harness::Process>(argv, dir_.path() / "server.log", spawn);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!wait_log("listening on", std::chrono::milliseconds(50))) {
    if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("amo-http-test-server did not start:\n" + log());
    }
  }
}

TestServer::~TestServer() {
  const int code = process_->stop();
  const std::string text = log();
  CHECK_MESSAGE(code == 0, "amo-http-test-server exited with ", code, ":\n", text);
  CHECK_MESSAGE(text.find("Sanitizer") == std::string::npos, text);
  CHECK_MESSAGE(text.find("runtime error") == std::string::npos, text);
}

std::string TestServer::log() const { return harness::read_file(dir_.path() / "server.log"); }

bool TestServer::wait_log(std::string_view needle, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log().find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string access_line(const std::string& log, std::string_view request_id) {
  const std::string key = "http request_id=" + std::string(request_id) + " ";
  const std::size_t at = log.find(key);
  if (at == std::string::npos) return {};
  const std::size_t begin = log.rfind('\n', at);
  const std::size_t end = log.find('\n', at);
  return log.substr(begin == std::string::npos ? 0 : begin + 1,
                    (end == std::string::npos ? log.size() : end) - (begin == std::string::npos ? 0 : begin + 1));
}

}  // namespace amo::http_test
