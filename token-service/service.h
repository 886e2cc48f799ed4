#pragma once
// amo-token-service put together (DESIGN §7): its keys and schemas (loaded before anything is
// bound), its routes, and the threads it runs beside the HTTP server — the chat ingest, the
// revocation poll, the key watcher (a changed key file, or SIGHUP, re-reads the keys; SIGHUP
// also re-reads shard_map_file), and the kicks of tenants moved to another broker shard.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/auth/portal_session.h"
#include "daemon/config/config.h"
#include "daemon/run/serve.h"
#include "token-service/handler_context.h"
#include "token-service/ingest/chat_ingest.h"
#include "token-service/rate_limiter.h"
#include "token-service/signing_keys.h"

namespace amo::envelope {
class SchemaSet;
}

namespace amo::token_service {

class MoveKicks;
class RevocationWatch;

class Service {
 public:
  explicit Service(const config::Config& config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Portal keys, signing keys, schemas. "" on success, else one line naming the config key.
  std::string load();
  // The routes and hooks for daemon::serve(). SIGHUP must be blocked in every thread before
  // serve() starts any (main does it): the key watcher takes it with sigtimedwait.
  daemon::Spec spec();

 private:
  void start(daemon::Context& context);
  void stop();
  void watch_keys();
  void reload_keys(bool forced);
  // Handlers wait for start() (the server is bound before it runs); null if it never came.
  HandlerContext* context();

  const config::Config& config_;
  auth::PortalSessionVerifier portal_;
  SigningKeys keys_;
  std::unique_ptr<envelope::SchemaSet> schemas_;
  RateLimiter ip_limit_, token_limit_, message_limit_;
  ChatIngest* ingest_ = nullptr;  // owned below; created in load() so MQTT may deliver before start()
  std::unique_ptr<ChatIngest> ingest_owned_;

  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<DbPool> db_;
  std::unique_ptr<RevokePublisher> revokes_;
  std::unique_ptr<RevocationWatch> watch_;
  std::unique_ptr<MoveKicks> moves_;
  config::ShardMapWatch* shard_map_ = nullptr;
  std::unique_ptr<HandlerContext> context_;
  std::atomic<HandlerContext*> ready_{nullptr};  // context_ once start() has run
  std::mutex started_mutex_;
  std::condition_variable started_cv_;
  bool started_ = false;

  std::atomic<bool> stopping_{false};
  std::thread key_thread_;
};

}  // namespace amo::token_service
