// The test: each kind of secret (bearer token, token= query value, cookie, password
// in a connection string) goes through every log path of a child process; its stderr is
// grepped for the secrets and, in JSON mode, parsed line by line.
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Per line written: info, warning, error, audit, spdlog::info, spdlog::warn, exception.
constexpr int kSecretLines = 10;
constexpr int kLines = kSecretLines * 7 + 4 * 25;

const std::vector<std::string> kSecrets{
    "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA",
    "c2lnbmF0dXJlLXNlY3JldA",
    "opaqueBearerSecret789",
    "qTokenValueThatIsSecret123",
    "cookieValueThatIsSecret456",
    "Sup3rSecretDbPassw0rd",
};

std::vector<std::string> run_writer(bool as_json) {
  amo::harness::TempDir dir("amo-log-secrets");
  const auto log_file = dir.path() / "stderr.log";
  std::vector<std::string> argv{LOG_SECRETS_WRITER};
  if (as_json) argv.emplace_back("--json");
  REQUIRE(amo::harness::run(argv, log_file, 20s) == 0);
  const std::string output = amo::harness::read_file(log_file);
  INFO(output);
  CHECK(output.find("[redacted]") != std::string::npos);
  for (const auto& secret : kSecrets) CHECK_MESSAGE(output.find(secret) == std::string::npos, secret);
  CHECK(output.find("below the level") == std::string::npos);
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  CHECK(lines.size() == kLines);
  return lines;
}

}  // namespace

TEST_CASE("no secret reaches the text log") {
  for (const auto& line : run_writer(false)) {
    INFO(line);
    CHECK(line.size() > 25);
    CHECK(line[10] == 'T');
    CHECK(line[23] == 'Z');
    CHECK(line.find(" amo-relay: ") != std::string::npos);
  }
}

TEST_CASE("no secret reaches the JSON log, and every line is one JSON object") {
  int audits = 0, warnings = 0;
  for (const auto& line : run_writer(true)) {
    INFO(line);
    const auto doc = json::parse(line, nullptr, false);
    REQUIRE(doc.is_object());
    CHECK(doc["ts"].is_string());
    CHECK(doc["level"].is_string());
    CHECK(doc["daemon"] == "amo-relay");
    CHECK(doc["msg"].is_string());
    CHECK(doc["msg"].get<std::string>().find("[redacted]") != std::string::npos);
    if (doc.contains("audit")) {
      CHECK(doc["audit"] == true);
      CHECK(doc["level"] == "info");
      ++audits;
    }
    if (doc["level"] == "warning") ++warnings;
  }
  CHECK(audits == kSecretLines);
  CHECK(warnings == 2 * kSecretLines);
}
