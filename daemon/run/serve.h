#pragma once
// What every daemon does around its own logic (DESIGN §8): logging from config, the metrics
// registry, the HTTP server with /healthz, /readyz and /metrics beside the daemon's routes,
// the MQTT connections (one per broker shard, DESIGN §9) and the shard map's watch, and the
// signal loop — SIGTERM or SIGINT stops accepting, lets
// in-flight work finish, stops the daemon's own loops, and returns 0.
#include <functional>
#include <string_view>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/http/server.h"
#include "daemon/mqtt/client.h"
#include "daemon/run/shard_map_watch.h"

namespace amo::metrics {
class Registry;
struct DaemonMetrics;
}  // namespace amo::metrics

namespace amo::daemon {

// Handed to the daemon's own start hook.
struct Context {
  const config::Config& config;
  metrics::Registry& registry;
  metrics::DaemonMetrics& metrics;
  // One connection per broker shard, indexed as shard_map's shards (0 = "default").
  const std::vector<mqtt_client::Client*>& brokers;
  config::ShardMapWatch& shard_map;
};

struct Spec {
  config::Program program;
  std::string_view name;            // "amo-relay" / "amo-token-service"
  // Every shard's connection gets these (daemon and metrics are filled in by serve()).
  mqtt_client::Options mqtt;
  // Called by the watch (every second; it also takes reloads from the daemon) with the tenants a
  // changed shard_map_file moved, after the new map is current.
  std::function<void(const std::vector<config::Move>&)> on_moves;
  std::vector<http::Route> routes;  // besides /healthz, /readyz, /metrics
  std::size_t max_body_bytes = 65536;
  // The daemon's metrics registry, made before serve() so its parts can register their
  // series when they are built (their routes may be called before start()); null: serve()
  // makes one.
  metrics::Registry* registry = nullptr;
  // Start the daemon's own threads (after the server is bound); stop and join them (after the
  // server stopped accepting and finished its in-flight requests).
  std::function<void(Context&)> start;
  std::function<void()> stop;
};

// Runs until SIGTERM/SIGINT; returns the process exit code. Errors found before anything is
// bound (a key file that does not load, the service token) print one line and return 1.
int serve(const config::Config& config, Spec spec);

}  // namespace amo::daemon
