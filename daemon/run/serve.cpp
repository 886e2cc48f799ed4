#include "daemon/run/serve.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "core/token/jwks.h"
#include "daemon/http/cors.h"
#include "daemon/log/log.h"
#include "daemon/metrics/daemon_metrics.h"
#include "daemon/metrics/registry.h"
#include "daemon/mqtt/service_token.h"
#include "daemon/pg/connection.h"
#include "io/files.h"

namespace amo::daemon {

namespace {

// "host:port" or "[v6]:port"; the config loader has already checked the shape.
std::pair<std::string, int> split_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, std::stoi(listen.substr(colon + 1))};
}

// Everything that can be refused before a socket is bound: one line, exit 1.
bool preflight(const config::Config& config, std::string_view name) {
  if (!config.jwks_file.empty()) {
    try {
      const auto keys = token::parse_jwks(io::read_file(config.jwks_file));
      if (keys.status != token::JwksStatus::ok) {
        std::cerr << name << ": jwks_file: " << token::name(keys.status) << " " << keys.detail << "\n";
        return false;
      }
    } catch (const std::exception& e) {
      std::cerr << name << ": jwks_file: " << e.what() << "\n";
      return false;
    }
  }
  if (auto id = mqtt_client::service_identity(config, name); auto* err = std::get_if<std::string>(&id)) {
    std::cerr << name << ": " << *err << "\n";
    return false;
  }
  return true;
}

// Ready when the database and every shard's broker are reachable.
http::Response readiness(pg::Connection& db, std::mutex& db_mutex, const std::vector<mqtt_client::Client*>& brokers) {
  bool db_up = false;
  {
    std::lock_guard lock(db_mutex);
    db_up = db.ping();
  }
  const bool broker_up = std::all_of(brokers.begin(), brokers.end(), [](auto* b) { return b->connected(); });
  const nlohmann::json body{{"database", db_up ? "up" : "down"}, {"broker", broker_up ? "up" : "down"}};
  return http::Response::json(db_up && broker_up ? 200 : 503, body.dump());
}

// Every SSE stream and HTTP connection is a descriptor: take the hard limit, not the soft one
// (often 1,024) that a shell or systemd hands down.
void raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  }
  log::info("open files limit " + std::to_string(limit.rlim_cur));
}

}  // namespace

int serve(const config::Config& config, Spec spec) {
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init({.level = level, .json = config.production, .daemon = spec.name});
  if (!preflight(config, spec.name)) return 1;
  config::ShardMapWatch shard_map(config);
  if (auto e = shard_map.load()) {
    std::cerr << spec.name << ": " << e->line() << "\n";
    return 1;
  }
  raise_open_files_limit();

  // Signals are taken by sigwait below; every thread started from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  metrics::Registry own_registry;
  metrics::Registry& registry = spec.registry ? *spec.registry : own_registry;
  metrics::DaemonMetrics& m = metrics::register_daemon_metrics(registry, spec.name);

  spec.mqtt.daemon = std::string(spec.name);
  spec.mqtt.reconnects = &m.mqtt_reconnects;
  spec.mqtt.up = &m.mqtt_up;
  const auto map = shard_map.current();
  std::vector<std::unique_ptr<mqtt_client::Client>> owned;
  std::vector<mqtt_client::Client*> brokers;
  for (std::size_t i = 0; i < map->shards().size(); ++i) {
    owned.push_back(std::make_unique<mqtt_client::Client>(config, static_cast<int>(i), map->shards()[i], spec.mqtt));
    brokers.push_back(owned.back().get());
  }

  // /readyz has a connection of its own: pg::Connection is not shared across threads.
  pg::Options db_options;
  db_options.url = config.database_url;
  db_options.reconnects = &m.db_reconnects;
  db_options.up = &m.db_up;
  pg::Connection health_db(std::move(db_options));
  std::mutex health_mutex;

  std::string cors_error;
  auto cors = http::parse_cors_origins(config.cors_origins, cors_error);
  if (!cors) {
    std::cerr << spec.name << ": cors_origins: " << cors_error << "\n";
    return 1;
  }
  auto [host, port] = split_listen(config.http_listen);
  http::ServerOptions options;
  options.host = host;
  options.port = port;
  options.max_body_bytes = spec.max_body_bytes;
  options.cors = std::move(*cors);
  options.metrics = &registry;

  std::vector<http::Route> routes = std::move(spec.routes);
  routes.push_back(
      {"GET", "/healthz", [](const http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); }});
  routes.push_back(
      {"GET", "/readyz", [&](const http::Request&) { return readiness(health_db, health_mutex, brokers); }, true});
  routes.push_back({"GET", "/metrics", [&](const http::Request&) {
                      return http::Response::text(200, registry.render(), "text/plain; version=0.0.4; charset=utf-8");
                    }});
  http::Server server(std::move(options), std::move(routes));
  try {
    server.start();
  } catch (const std::exception& e) {
    log::error(std::string("http_listen: ") + e.what());
    return 1;
  }
  log::info(std::string(spec.name) + " " + AMO_VERSION + " listening on " + config.http_listen + " (instance " +
            config.instance_id + ")");

  if (map->shards().size() > 1)
    log::info("shard map: " + std::to_string(map->shards().size()) + " broker shards from " + config.shard_map_file);
  for (auto* b : brokers) b->start();
  Context context{config, registry, m, brokers, shard_map};
  if (spec.start) spec.start(context);
  std::atomic<bool> stopping{false};
  std::mutex watch_mutex;
  std::condition_variable watch_cv;
  std::thread watch([&] {
    // A changed shard_map_file: the daemon's hook sees the moves once the new map is current.
    while (!stopping) {
      const auto moves = shard_map.reload_if_changed();
      if (!moves.empty() && spec.on_moves) spec.on_moves(moves);
      std::unique_lock lock(watch_mutex);
      watch_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping.load(); });
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  log::info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
  {
    std::lock_guard lock(watch_mutex);
    stopping = true;
  }
  watch_cv.notify_all();
  watch.join();
  server.stop();
  if (spec.stop) spec.stop();
  for (auto* b : brokers) b->stop();
  log::info("stopped");
  return 0;
}

}  // namespace amo::daemon
