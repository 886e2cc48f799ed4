#pragma once
// Postgres connections for the relay's HTTP handlers, which run on the server's worker
// pool: a handler borrows one for the request (pg::Connection is one-thread-at-a-time).
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/pg/connection.h"

namespace amo::relay {

class ConnectionPool {
 public:
  explicit ConnectionPool(pg::Options options) : options_(std::move(options)) {}

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<pg::Connection> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.give_back(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    pg::Connection& operator*() { return *c_; }
    pg::Connection* operator->() { return c_.get(); }

   private:
    ConnectionPool& pool_;
    std::unique_ptr<pg::Connection> c_;
  };

  Lease borrow() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return Lease(*this, std::make_unique<pg::Connection>(options_));
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }

 private:
  void give_back(std::unique_ptr<pg::Connection> c) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
  }

  pg::Options options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<pg::Connection>> idle_;
};

}  // namespace amo::relay
