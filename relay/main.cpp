// amo-relay: `amo-relay --config F` runs the relay; `amo-relay migrate up|down|status
// --config F` applies deploy/migrations (DESIGN §5).
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "daemon/config/config.h"
#include "daemon/config/production.h"
#include "daemon/metrics/registry.h"
#include "daemon/run/serve.h"
#include "io/files.h"
#include "relay/drain/drain.h"
#include "relay/events/caller.h"
#include "relay/events/connection_pool.h"
#include "relay/events/events_sql.h"
#include "relay/events/feed.h"
#include "relay/events/replay.h"
#include "relay/events/routes.h"
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
  // The schemas the drain checks rows against (DESIGN §5), loaded before anything is bound.
  std::unique_ptr<amo::envelope::SchemaSet> schemas;
  try {
    auto loaded_schemas = amo::envelope::load_schemas(amo::io::read_schema_dir(config.schema_dir));
    if (!loaded_schemas.set) return config_error({"schema_dir", loaded_schemas.error});
    schemas = std::move(loaded_schemas.set);
  } catch (const std::exception& e) {
    return config_error({"schema_dir", e.what()});
  }

  amo::metrics::Registry registry;
  amo::relay::ConnectionPool pool(amo::relay::events_pg_options(config.database_url));
  std::unique_ptr<amo::relay::Authenticator> auth;
  try {
    auth = std::make_unique<amo::relay::Authenticator>(config, pool);
  } catch (const std::exception& e) {
    std::cerr << "amo-relay: " << e.what() << "\n";
    return 1;
  }
  amo::relay::Feed feed(config, registry);
  amo::relay::Replay replay(config, registry);
  amo::relay::Drain drain(config, *schemas, [&feed] { feed.wake(); });

  amo::daemon::Spec spec;
  spec.program = program;
  spec.name = "amo-relay";
  spec.registry = &registry;
  spec.routes = amo::relay::event_routes(*auth, feed, pool);
  spec.mqtt.on_connected = [&drain](int shard) { drain.connected(shard); };
  spec.mqtt.on_lost = [&drain](int shard) { drain.lost(shard); };
  spec.mqtt.subscriptions = {{amo::relay::kReplayFilter, 1}};  // on every shard
  spec.mqtt.on_message = [&replay](int shard, mqtt::const_message_ptr m) { replay.on_message(shard, std::move(m)); };
  spec.start = [&](amo::daemon::Context& c) {
    drain.start(c.brokers, c.shard_map, c.registry, c.metrics);
    feed.start();
    replay.start(c.brokers);
  };
  spec.stop = [&] {
    replay.stop();
    feed.stop();
    drain.stop();
  };
  return amo::daemon::serve(config, std::move(spec));
}
