// amo-token-service (DESIGN §7). Until its issue lands it only checks its configuration
// (the same loader and production refusals as the relay) and refuses to run.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "daemon/config/config.h"
#include "daemon/config/production.h"

int main(int argc, char** argv) {
  CLI::App app{"amo-token-service: issues connect tokens, serves JWKS, ingests chat, fans out revocations"};
  app.set_version_flag("--version", std::string("amo-token-service ") + AMO_VERSION);
  std::string config_path;
  app.add_option("--config", config_path, "TOML configuration file (DESIGN §8)")->required();
  CLI11_PARSE(app, argc, argv);

  using amo::config::Program;
  auto loaded = amo::config::load(Program::token_service, config_path);
  if (auto* e = std::get_if<amo::config::Error>(&loaded)) {
    std::cerr << "amo-token-service: " << e->line() << "\n";
    return 1;
  }
  const auto& config = std::get<amo::config::Config>(loaded);
  if (config.production) {
    if (auto refusal = amo::config::production_refusal(config, Program::token_service)) {
      std::cerr << "amo-token-service: " << refusal->line() << "\n";
      return 1;
    }
  }
  std::cerr << "amo-token-service: configuration is valid, but the service is not built yet (its issue is open)\n";
  return 1;
}
