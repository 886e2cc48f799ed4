#include "token-service/revoke/revocation_watch.h"

#include "daemon/log/log.h"
#include "daemon/metrics/daemon_metrics.h"
#include "token-service/admit.h"
#include "token-service/users.h"

namespace amo::token_service {

namespace {

pg::Options db_options(const config::Config& config, metrics::DaemonMetrics& m) {
  pg::Options o;
  o.url = config.database_url;
  o.prepared = user_statements();
  o.reconnects = &m.db_reconnects;
  // Short waits: a poll that finds no database tries again at the next interval.
  o.backoff_min = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(2000);
  return o;
}

}  // namespace

RevocationWatch::RevocationWatch(const config::Config& config, RevokePublisher& publisher, ServiceMetrics& metrics,
                                 metrics::DaemonMetrics& daemon_metrics)
    : publisher_(publisher), metrics_(metrics), db_(db_options(config, daemon_metrics)) {}

RevocationWatch::~RevocationWatch() {
  stop();
}

void RevocationWatch::start() {
  thread_ = std::thread([this] { run(); });
}

void RevocationWatch::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(mutex_);
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void RevocationWatch::run() {
  while (!stopping_) {
    const auto next = std::chrono::steady_clock::now() + kPollInterval;
    publisher_.flush();
    if (republish_.exchange(false)) {
      for (const Revocation& r : state_.current(unix_now())) publisher_.publish(r);
    }
    poll_once();
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, next, [&] { return stopping_.load(); });
  }
}

void RevocationWatch::poll_once() {
  std::vector<UserRow> rows;
  try {
    // Never the backoff loop: with Postgres away the poll just fails until it is back.
    if (!db_.connected() && !db_.ping()) throw pqxx::broken_connection("database unreachable");
    rows = revocation_snapshot(db_.get());
  } catch (const std::exception& e) {
    if (dynamic_cast<const pqxx::broken_connection*>(&e)) db_.lost();
    metrics_.revocation_poll_errors.inc();
    if (!poll_failing_) log::warning(std::string("revocation poll failed: ") + e.what());
    poll_failing_ = true;
    return;
  }
  if (poll_failing_) log::info("revocation poll works again");
  poll_failing_ = false;
  for (const Revocation& r : state_.update(rows, unix_now())) publisher_.publish(r);
}

}  // namespace amo::token_service
