#include "token-service/service.h"

#include <signal.h>

#include "core/envelope/schema_set.h"
#include "daemon/log/log.h"
#include "daemon/metrics/daemon_metrics.h"
#include "io/files.h"
#include "token-service/ingest/chat_store.h"
#include "token-service/ingest/post_message.h"
#include "token-service/issue/issue_token.h"
#include "token-service/revoke/move_kicks.h"
#include "token-service/revoke/revocation_watch.h"
#include "token-service/revoke/revoke_endpoint.h"
#include "token-service/revoke/revoke_publisher.h"
#include "token-service/users.h"

namespace amo::token_service {

namespace {

constexpr std::size_t kDbConnections = 4;  // the HTTP server's worker threads
constexpr std::chrono::seconds kStartWait{10};

using HandlerFn = http::Response (*)(const http::Request&, HandlerContext&);

}  // namespace

Service::Service(const config::Config& config)
    : config_(config),
      portal_(auth::PortalSessionVerifier::files_of(config)),
      keys_(config.signing_key_file, config.jwks_file),
      ip_limit_(static_cast<double>(config.ip_rate), static_cast<double>(config.ip_burst)),
      token_limit_(static_cast<double>(config.token_rate), static_cast<double>(config.token_burst)),
      message_limit_(static_cast<double>(config.message_rate), static_cast<double>(config.message_burst)) {}

Service::~Service() {
  stop();
}

std::string Service::load() {
  if (!portal_.enabled()) return "portal_secret_file: neither portal_secret_file nor portal_jwks_file is set";
  if (auto e = portal_.load(); !e.empty()) return e;
  if (auto e = keys_.load(); !e.empty()) return e;
  try {
    auto loaded = envelope::load_schemas(io::read_schema_dir(config_.schema_dir));
    if (!loaded.set) return "schema_dir: " + loaded.error;
    schemas_ = std::move(loaded.set);
  } catch (const std::exception& e) {
    return std::string("schema_dir: ") + e.what();
  }
  ingest_owned_ = std::make_unique<ChatIngest>(config_, *schemas_);
  ingest_ = ingest_owned_.get();
  return {};
}

daemon::Spec Service::spec() {
  daemon::Spec spec;
  spec.program = config::Program::token_service;
  spec.name = "amo-token-service";
  spec.max_body_bytes = static_cast<std::size_t>(config_.max_body);
  spec.mqtt.subscriptions = {{kIngestChatFilter, 1}, {kIngestReadFilter, 1}};
  // The ingest's shared subscriptions are on every broker shard.
  spec.mqtt.on_message = [this](int, mqtt::const_message_ptr m) { ingest_->on_message(std::move(m)); };
  spec.mqtt.on_connected = [this](int) {
    std::lock_guard lock(started_mutex_);
    if (watch_) watch_->republish();
  };
  auto route = [this](HandlerFn fn) {
    return [this, fn](const http::Request& request) {
      HandlerContext* c = context();
      if (!c) return http::Response::error(503, "starting");
      return fn(request, *c);
    };
  };
  spec.routes.push_back({"POST", "/api/realtime/token", route(&issue_token), true});
  spec.routes.push_back({"POST", "/api/realtime/messages", route(&post_message), true});
  spec.routes.push_back({"POST", "/api/realtime/revoke", route(&revoke_endpoint), true});
  spec.routes.push_back({"GET", "/.well-known/jwks.json", [this](const http::Request&) {
                           const auto keys = keys_.current();
                           http::Response r = http::Response::json(200, keys->public_jwks);
                           r.set("Cache-Control", "public, max-age=60");
                           return r;
                         }});
  spec.on_moves = [this](const std::vector<config::Move>& moves) { moves_->moved(moves); };
  spec.start = [this](daemon::Context& c) { start(c); };
  spec.stop = [this] { stop(); };
  return spec;
}

void Service::start(daemon::Context& ctx) {
  metrics_ = std::make_unique<ServiceMetrics>(ctx.registry);
  pg::Options o;
  o.url = config_.database_url;
  o.prepared = user_statements();
  for (auto& s : chat_store_statements()) o.prepared.push_back(std::move(s));
  o.reconnects = &ctx.metrics.db_reconnects;
  db_ = std::make_unique<DbPool>(o, kDbConnections);
  revokes_ = std::make_unique<RevokePublisher>(ctx.brokers, *metrics_);
  shard_map_ = &ctx.shard_map;
  moves_ = std::make_unique<MoveKicks>(*db_, *revokes_);
  moves_->start();
  ingest_->start(*metrics_, ctx.metrics);
  context_ = std::make_unique<HandlerContext>(HandlerContext{config_, portal_, keys_, *schemas_, *db_, ip_limit_,
                                                             token_limit_, message_limit_, *metrics_, *revokes_,
                                                             ctx.shard_map});
  {
    std::lock_guard lock(started_mutex_);
    watch_ = std::make_unique<RevocationWatch>(config_, *revokes_, *metrics_, ctx.metrics);
    watch_->start();
    started_ = true;
  }
  ready_.store(context_.get(), std::memory_order_release);
  started_cv_.notify_all();
  key_thread_ = std::thread([this] { watch_keys(); });
}

void Service::stop() {
  if (stopping_.exchange(true)) return;
  if (key_thread_.joinable()) key_thread_.join();
  {
    std::lock_guard lock(started_mutex_);
    if (watch_) watch_->stop();
  }
  if (moves_) moves_->stop();
  if (ingest_) ingest_->stop();
}

HandlerContext* Service::context() {
  if (HandlerContext* c = ready_.load(std::memory_order_acquire)) return c;
  std::unique_lock lock(started_mutex_);
  started_cv_.wait_for(lock, kStartWait, [&] { return started_; });
  return started_ ? context_.get() : nullptr;
}

void Service::reload_keys(bool forced) {
  auto report = [&](std::string_view what, const std::string& error) {
    if (error.empty()) return;
    metrics_->key_reload_errors.inc();
    log::error(std::string(what) + " reload failed, the keys before stay in use: " + error);
  };
  const auto before = keys_.current();
  report("signing keys", forced ? keys_.load() : keys_.reload_if_changed());
  if (keys_.current() != before) {
    metrics_->key_reloads.inc();
    log::info("signing_key_file reloaded: " + std::to_string(keys_.current()->signing.size()) +
              " keys, signing with kid " + keys_.current()->signer->kid);
  }
  const std::string portal_error = forced ? portal_.load() : portal_.reload_if_changed();
  report("portal keys", portal_error);
}

void Service::watch_keys() {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  const timespec second{1, 0};
  while (!stopping_) {
    const bool got_hup = sigtimedwait(&hup, nullptr, &second) == SIGHUP;
    if (stopping_) break;
    if (got_hup) log::info("SIGHUP: reloading keys and the shard map");
    reload_keys(got_hup);
    if (got_hup) {
      if (auto moves = shard_map_->reload_if_changed(true); !moves.empty()) moves_->moved(moves);
    }
  }
}

}  // namespace amo::token_service
