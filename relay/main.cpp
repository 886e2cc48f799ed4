// amo-relay: `amo-relay --config F` runs the relay; `amo-relay migrate up|down|status
// --config F` applies deploy/migrations (DESIGN §5).
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "daemon/config/config.h"
#include "daemon/config/production.h"
#include "daemon/run/serve.h"
#include "relay/migrate/migrate.h"

namespace {

// One line on stderr naming the key and what is wrong, exit 1, nothing bound.
int config_error(const amo::config::Error& e) {
  std::cerr << "amo-relay: " << e.line() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"amo-relay: drains the realtime outbox to the broker, serves SSE and history, runs migrations"};
  app.set_version_flag("--version", std::string("amo-relay ") + AMO_VERSION);
  std::string config_path;
  app.add_option("--config", config_path, "TOML configuration file (DESIGN §8)");
  app.require_subcommand(0, 1);
  auto* migrate_cmd = app.add_subcommand("migrate", "apply, undo or list the database migrations");
  std::string migrate_action;
  migrate_cmd->add_option("action", migrate_action, "up | down | status")
      ->required()
      ->check(CLI::IsMember({"up", "down", "status"}));
  migrate_cmd->add_option("--config", config_path, "TOML configuration file (DESIGN §8)");
  CLI11_PARSE(app, argc, argv);
  if (config_path.empty()) {
    std::cerr << "amo-relay: --config is required (see --help)\n";
    return 2;
  }

  using amo::config::Program;
  const Program program = migrate_cmd->parsed() ? Program::migrate : Program::relay;
  auto loaded = amo::config::load(program, config_path);
  if (auto* e = std::get_if<amo::config::Error>(&loaded)) return config_error(*e);
  const auto& config = std::get<amo::config::Config>(loaded);
  if (config.production) {
    if (auto refusal = amo::config::production_refusal(config, program)) return config_error(*refusal);
  }
  if (program == Program::migrate) return amo::relay::migrate(config, migrate_action, std::cout, std::cerr);
  // The outbox drain, SSE, history and replay join this spec in their own issues; until then
  // the relay serves its health, readiness and metrics endpoints and holds its MQTT session.
  amo::daemon::Spec spec;
  spec.program = program;
  spec.name = "amo-relay";
  return amo::daemon::serve(config, std::move(spec));
}
