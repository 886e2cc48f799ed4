#pragma once
// A tenant moved to another broker shard (DESIGN §9): its users' sessions on the shard it
// left are ended by a revocation sent to that shard only ({"user","before": now}, cause
// "moved"), which also refuses their older tokens there. Their next token names the new
// broker; they recover what they missed by seq. The kick waits kMoveGrace after the token
// service saw the new map, so that the relays (which read the same file every second) publish
// the tenant's events to the new shard before its users arrive there and ask for a replay.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/config/shard_map.h"

namespace amo::token_service {

class DbPool;
class RevokePublisher;

inline constexpr std::chrono::seconds kMoveGrace{3};

class MoveKicks {
 public:
  MoveKicks(DbPool& db, RevokePublisher& publisher);
  ~MoveKicks();
  MoveKicks(const MoveKicks&) = delete;
  MoveKicks& operator=(const MoveKicks&) = delete;

  void start();
  void stop();
  void moved(const std::vector<config::Move>& moves);

 private:
  struct Due {
    std::chrono::steady_clock::time_point at;
    config::Move move;
  };
  void run();
  void kick(const config::Move& move);

  DbPool& db_;
  RevokePublisher& publisher_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Due> queue_;  // every move waits the same grace; a retry goes to the back
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace amo::token_service
