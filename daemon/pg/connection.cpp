#include "daemon/pg/connection.h"

#include <algorithm>
#include <random>
#include <thread>

#include "daemon/log/log.h"
#include "daemon/metrics/registry.h"

namespace amo::pg {

Connection::Connection(Options options) : options_(std::move(options)), backoff_(options_.backoff_min) {}

Connection::~Connection() = default;

namespace {

// Sleeps `d` in small steps so a stop request is honoured promptly.
void sleep_unless_stopped(std::chrono::milliseconds d, const std::atomic<bool>* stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (stop && stop->load()) return;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(50)));
  }
}

// Full jitter, so several daemons do not hammer a restarting database in step.
std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return std::chrono::milliseconds(d.count() / 2 + static_cast<long>(rng() % static_cast<unsigned>(d.count() / 2 + 1)));
}

}  // namespace

// A database host that drops packets would hold a connect attempt for the kernel's SYN
// timeout (minutes), and with it /readyz and shutdown; libpq's connect_timeout bounds it.
std::string with_connect_timeout(const std::string& url) {
  if (url.find("connect_timeout") != std::string::npos) return url;
  const bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (!uri) return url + " connect_timeout=5";
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=5";
}

void Connection::open() {
  auto c = std::make_unique<pqxx::connection>(with_connect_timeout(options_.url));
  for (const auto& sql : options_.session_sql) {
    pqxx::nontransaction t(*c);
    t.exec0(sql);
  }
  for (const auto& s : options_.prepared) c->prepare(s.name, s.sql);
  conn_ = std::move(c);
  if (options_.up) options_.up->set(1);
}

pqxx::connection& Connection::get(const std::atomic<bool>* stop) {
  while (!conn_) {
    if (stop && stop->load()) throw pqxx::broken_connection("stopping");
    try {
      open();
      backoff_ = options_.backoff_min;
      if (ever_connected_) {
        log::info("database connection restored");
        if (options_.reconnects) options_.reconnects->inc();
      }
      ever_connected_ = true;
    } catch (const pqxx::broken_connection& e) {
      if (options_.up) options_.up->set(0);
      const auto wait = jittered(backoff_);
      log::warning(std::string("database unreachable, retrying in ") + std::to_string(wait.count()) +
                   " ms: " + e.what());
      sleep_unless_stopped(wait, stop);
      backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    }
  }
  return *conn_;
}

void Connection::lost() noexcept {
  if (conn_) log::warning("database connection lost");
  conn_.reset();
  if (options_.up) options_.up->set(0);
}

bool Connection::ping() noexcept {
  try {
    if (!conn_) open();
    pqxx::nontransaction tx(*conn_);
    tx.exec1("SELECT 1");
    if (ping_failed_) log::info("database reachable again");
    ping_failed_ = false;
    return true;
  } catch (const std::exception& e) {
    // Logged when readiness turns, not at every probe.
    if (conn_ || !ping_failed_) log::warning(std::string("database unreachable: ") + e.what());
    ping_failed_ = true;
    lost();
    return false;
  }
}

}  // namespace amo::pg
