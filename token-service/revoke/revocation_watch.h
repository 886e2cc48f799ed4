#pragma once
// The revocation poll (DESIGN §7): every 250 ms (the contract says at most 500) one SELECT of
// the users that are inactive or have a token_revoked_at — a plain query, so it works over
// views — diffed by RevocationState, and what changed is published. After each broker
// (re)connect everything still current is published again: a restarted broker has forgotten
// its revocations.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/config/config.h"
#include "daemon/pg/connection.h"
#include "token-service/revoke/revocation_state.h"
#include "token-service/revoke/revoke_publisher.h"
#include "token-service/service_metrics.h"

namespace amo::metrics {
struct DaemonMetrics;
}

namespace amo::token_service {

class RevocationWatch {
 public:
  static constexpr std::chrono::milliseconds kPollInterval{250};

  RevocationWatch(const config::Config& config, RevokePublisher& publisher, ServiceMetrics& metrics,
                  metrics::DaemonMetrics& daemon_metrics);
  ~RevocationWatch();
  RevocationWatch(const RevocationWatch&) = delete;
  RevocationWatch& operator=(const RevocationWatch&) = delete;

  // The broker connection is (back) up: publish everything current at the next poll.
  void republish() noexcept { republish_ = true; }
  void start();
  void stop();

 private:
  void run();
  void poll_once();

  RevokePublisher& publisher_;
  ServiceMetrics& metrics_;
  pg::Connection db_;
  RevocationState state_;
  bool poll_failing_ = false;
  std::atomic<bool> republish_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace amo::token_service
