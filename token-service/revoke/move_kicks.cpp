#include "token-service/revoke/move_kicks.h"

#include "core/ids.h"
#include "daemon/log/log.h"
#include "token-service/db_pool.h"
#include "token-service/revoke/revoke_publisher.h"
#include "token-service/users.h"

namespace amo::token_service {

MoveKicks::MoveKicks(DbPool& db, RevokePublisher& publisher) : db_(db), publisher_(publisher) {}

MoveKicks::~MoveKicks() {
  stop();
}

void MoveKicks::start() {
  thread_ = std::thread([this] { run(); });
}

void MoveKicks::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MoveKicks::moved(const std::vector<config::Move>& moves) {
  {
    std::lock_guard lock(mutex_);
    const auto at = std::chrono::steady_clock::now() + kMoveGrace;
    for (const auto& m : moves) queue_.push_back({at, m});
  }
  cv_.notify_all();
}

void MoveKicks::kick(const config::Move& move) {
  const auto users = with_db(db_, [&](pqxx::connection& c) { return tenant_users(c, move.amo); });
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::size_t sent = 0;
  for (const auto& user : users) {
    if (!is_valid_id(user)) continue;  // such a user never had a token
    Revocation r;
    r.user = move.amo + ":" + user;
    r.before = now;
    r.cause = RevokeCause::moved;
    publisher_.publish_to(move.from, r);
    ++sent;
  }
  log::audit("shard move: tenant=" + move.amo + " users=" + std::to_string(sent) + " kicked from shard " +
             std::to_string(move.from));
}

void MoveKicks::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      continue;
    }
    if (cv_.wait_until(lock, queue_.front().at, [&] { return stopping_; })) break;
    if (std::chrono::steady_clock::now() < queue_.front().at) continue;
    const config::Move move = queue_.front().move;
    queue_.pop_front();
    lock.unlock();
    try {
      kick(move);
    } catch (const std::exception& e) {
      // The database is away: try again in a second (the users stay on the old shard meanwhile).
      log::warning(std::string("shard move: tenant=") + move.amo + " not kicked yet: " + e.what());
      lock.lock();
      queue_.push_back({std::chrono::steady_clock::now() + std::chrono::seconds(1), move});
      continue;
    }
    lock.lock();
  }
}

}  // namespace amo::token_service
