// Child process of log_secrets_test: writes each kind of secret through every log path
// (log::info/warning/error/audit, spdlog directly, an exception's message, several threads),
// as text or, with --json, as JSON lines.
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/log/log.h"

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::string_view(argv[1]) == "--json";
  const amo::log::Options options{.level = amo::log::Level::info, .json = json, .daemon = "amo-relay"};
  amo::log::init(options);
  amo::log::init(options);  // again: re-configuration must not duplicate lines

  const std::string jws = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA";
  const std::vector<std::string> lines{
      "request Authorization: Bearer " + jws,
      "refused bearer opaqueBearerSecret789 for alice",
      "connect token " + jws + " refused: expired",
      "GET /readyz?token=qTokenValueThatIsSecret123&x=1 200",
      "GET /events?access_token=" + jws + " 401",
      "headers: Cookie: session=cookieValueThatIsSecret456",
      "portal cookie amo_session=cookieValueThatIsSecret456 rejected",
      "database unreachable: postgresql://amo:Sup3rSecretDbPassw0rd@127.0.0.1:1/amo",
      "connecting host=127.0.0.1 port=1 password=Sup3rSecretDbPassw0rd dbname=amo",
      "connecting host=127.0.0.1 password = 'Sup3r Sup3rSecretDbPassw0rd' dbname=amo",
  };
  amo::log::debug("below the level: " + lines[0]);
  for (const auto& line : lines) {
    amo::log::info(line);
    amo::log::warning(line);
    amo::log::error(line);
    amo::log::audit(line);
    spdlog::info(line);
    spdlog::warn("direct {}", line);
    try {
      throw std::runtime_error("exception: " + line);
    } catch (const std::exception& e) {
      amo::log::error(e.what());
    }
  }
  // Lines from several threads at once stay whole.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&lines] {
      for (int i = 0; i < 25; ++i) amo::log::info(lines[static_cast<std::size_t>(i) % lines.size()]);
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}
