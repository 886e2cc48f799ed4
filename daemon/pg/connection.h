#pragma once
// One libpqxx connection that survives a database restart (DESIGN §8): it connects lazily,
// prepares its statements on every new backend, and on a lost connection reconnects with
// capped exponential backoff instead of taking the process down. Not thread-safe: one per
// thread that talks to Postgres. The connection string is never logged (log::redact masks
// any password in libpq's own messages).
#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace amo::metrics {
class Counter;
class Gauge;
}  // namespace amo::metrics

namespace amo::pg {

struct Statement {
  std::string name, sql;
};

struct Options {
  std::string url;
  std::vector<Statement> prepared;
  // Run on every new backend before preparing (e.g. session settings).
  std::vector<std::string> session_sql;
  std::chrono::milliseconds backoff_min{100}, backoff_max{5000};
  metrics::Counter* reconnects = nullptr;  // amo_db_reconnects_total
  metrics::Gauge* up = nullptr;            // amo_db_up
};

// `url` with libpq's connect_timeout=5 added unless it sets one (keyword or URI form).
std::string with_connect_timeout(const std::string& url);

class Connection {
 public:
  explicit Connection(Options options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The live connection, (re)connecting first with backoff until it succeeds or `stop` is set
  // (then throws pqxx::broken_connection).
  pqxx::connection& get(const std::atomic<bool>* stop = nullptr);

  // Runs work(connection) in its own transaction-free scope; if the connection breaks before
  // work completes, reconnects and runs it again, up to `attempts` times in all. Use only for
  // work that is safe to repeat (reads, idempotent writes). pqxx::in_doubt_error is never
  // retried: the caller must treat that commit as unknown.
  template <class F>
  auto with_retry(F&& work, int attempts = 3, const std::atomic<bool>* stop = nullptr) {
    for (int i = 1;; ++i) {
      try {
        return work(get(stop));
      } catch (const pqxx::in_doubt_error&) {
        throw;
      } catch (const pqxx::broken_connection&) {
        lost();
        if (i >= attempts) throw;
      }
    }
  }

  // Marks the connection lost (after a broken_connection the caller caught itself).
  void lost() noexcept;
  // One `SELECT 1` without retries: for /readyz.
  bool ping() noexcept;
  bool connected() const noexcept { return conn_ != nullptr; }

 private:
  void open();  // connect and prepare; throws on failure

  Options options_;
  std::unique_ptr<pqxx::connection> conn_;
  std::chrono::milliseconds backoff_;
  bool ever_connected_ = false;
  bool ping_failed_ = false;
};

}  // namespace amo::pg
