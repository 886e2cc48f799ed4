// amo-token-service (DESIGN §7): `amo-token-service --config F`.
#include <pthread.h>
#include <signal.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "daemon/config/config.h"
#include "daemon/config/production.h"
#include "daemon/run/serve.h"
#include "token-service/service.h"

namespace {

// One line on stderr naming the key and what is wrong, exit 1, nothing bound.
int config_error(const std::string& line) {
  std::cerr << "amo-token-service: " << line << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"amo-token-service: issues connect tokens, serves JWKS, ingests chat, fans out revocations"};
  app.set_version_flag("--version", std::string("amo-token-service ") + AMO_VERSION);
  std::string config_path;
  app.add_option("--config", config_path, "TOML configuration file (DESIGN §8)")->required();
  CLI11_PARSE(app, argc, argv);

  using amo::config::Program;
  auto loaded = amo::config::load(Program::token_service, config_path);
  if (auto* e = std::get_if<amo::config::Error>(&loaded)) return config_error(e->line());
  const auto& config = std::get<amo::config::Config>(loaded);
  if (config.production) {
    if (auto refusal = amo::config::production_refusal(config, Program::token_service))
      return config_error(refusal->line());
  }
  amo::token_service::Service service(config);
  if (auto error = service.load(); !error.empty()) return config_error(error);
  // SIGHUP re-reads the keys (the service's key watcher takes it); blocked here so that every
  // thread serve() starts inherits the mask and none is killed by it.
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  return amo::daemon::serve(config, service.spec());
}
