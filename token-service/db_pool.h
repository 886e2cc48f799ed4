#pragma once
// Postgres connections for the HTTP workers (pg::Connection is one per thread at a time): a
// fixed set, each lent to one handler for the length of its request.
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "daemon/pg/connection.h"

namespace amo::token_service {

class DbPool {
 public:
  // `size` connections, each opened lazily with `options` (its prepared statements included).
  DbPool(const pg::Options& options, std::size_t size);

  class Lease {
   public:
    Lease(DbPool& pool, pg::Connection* c) : pool_(&pool), c_(c) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), c_(o.c_) { o.c_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (c_) pool_->give_back(c_);
    }
    pg::Connection& operator*() const noexcept { return *c_; }
    pg::Connection* operator->() const noexcept { return c_; }

   private:
    DbPool* pool_;
    pg::Connection* c_;
  };

  // Waits for a free connection.
  Lease acquire();

 private:
  void give_back(pg::Connection* c);

  std::vector<std::unique_ptr<pg::Connection>> all_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<pg::Connection*> free_;
};

// Postgres is down (or the connection broke twice in one request): the handler answers 503.
struct DatabaseUnavailable : std::runtime_error {
  DatabaseUnavailable() : std::runtime_error("database unavailable") {}
};

// Runs work(pqxx::connection&) for a request: connects at most once now (never the backoff
// loop of pg::Connection::get, which would hold an HTTP worker through an outage), and runs
// the work again once after a lost connection or a commit in doubt — so work must be safe to
// repeat (reads; writes deduplicated by a unique key).
template <class F>
auto with_db(DbPool& pool, F&& work) {
  auto lease = pool.acquire();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!lease->connected() && !lease->ping()) break;
    try {
      return work(lease->get());
    } catch (const pqxx::broken_connection&) {
      lease->lost();
    } catch (const pqxx::in_doubt_error&) {
      lease->lost();
    }
  }
  throw DatabaseUnavailable();
}

}  // namespace amo::token_service
