#include "token-service/db_pool.h"

namespace amo::token_service {

DbPool::DbPool(const pg::Options& options, std::size_t size) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, size); ++i) {
    all_.push_back(std::make_unique<pg::Connection>(options));
    free_.push_back(all_.back().get());
  }
}

DbPool::Lease DbPool::acquire() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return !free_.empty(); });
  pg::Connection* c = free_.back();
  free_.pop_back();
  return Lease(*this, c);
}

void DbPool::give_back(pg::Connection* c) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(c);
  }
  cv_.notify_one();
}

}  // namespace amo::token_service
