#pragma once
// The SSE side of the relay (DESIGN §6): every stream of this relay is served by one thread
// that polls the outbox by seq for the tenants that have streams (adaptive, between
// poll_min_ms and poll_max_ms, and at once when this relay's drain claimed rows), whichever
// relay claimed them — the broker is not in this path. Per tenant it keeps the newest rows
// in memory; a stream behind them catches up from Postgres in seq ranges, so the hand-over
// from catch-up to live neither misses nor repeats a seq. Streams end at their credential's
// exp, when the user is revoked or deactivated (realtime_users polled every 500 ms), or when
// the peer goes. A slow reader is held back while it has more than 256 KiB unread (it falls
// behind and catches up later, from Postgres if need be) and dropped after 15 s of that.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/http/message.h"
#include "daemon/metrics/registry.h"
#include "daemon/pg/connection.h"
#include "relay/events/caller.h"
#include "relay/events/events_sql.h"

namespace amo::relay {

class Feed {
 public:
  Feed(const config::Config& config, metrics::Registry& registry);
  ~Feed();
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // A place under sse_per_user and sse_total; false: the caller gets 429.
  bool reserve(const Scope& scope);
  void release(const Scope& scope);
  // Takes a reserved place over: `stream` gets `first` (retry:, a reset frame), then the
  // tenant's events with seq > after in the caller's scope, until it closes (which releases
  // the place).
  void add(std::shared_ptr<http::Stream> stream, Caller caller, std::int64_t after, std::string first);

  void start();
  void stop();
  // New rows may be there (this relay just claimed some).
  void wake();

 private:
  struct StreamState {
    std::shared_ptr<http::Stream> stream;
    Caller caller;
    std::int64_t pos = 0;  // every seq up to here was delivered or is outside the scope
    std::chrono::steady_clock::time_point last_write;
    std::chrono::steady_clock::time_point held_since{};  // since when its peer reads too slowly
    std::atomic<bool> closed{false};
  };
  struct Tenant {
    std::int64_t pos = 0;         // highest seq read
    std::deque<EventRow> recent;  // the newest rows read, contiguous seq up to pos
    std::vector<std::shared_ptr<StreamState>> streams;
  };

  void run();
  struct PollResult {
    bool behind = false;   // a stream is still catching up: poll again at once
    bool fetched = false;  // new rows came in
  };
  PollResult poll(pqxx::connection& c);
  bool deliver(pqxx::connection& c, const std::string& amo, Tenant& tenant, StreamState& s);
  // False while the peer has too much unread: the stream waits (its pos stays), and is ended
  // once it waited kStalledFor.
  bool may_write(StreamState& s);
  void check_users(pqxx::connection& c);
  void write(StreamState& s, std::string frame);
  void end(StreamState& s, const char* why);

  const config::Config& config_;
  metrics::Gauge& streams_gauge_;
  metrics::Counter& frames_;
  metrics::Counter& refused_cap_;
  metrics::Counter& ended_revoked_;
  metrics::Counter& ended_expired_;

  std::mutex places_mutex_;
  std::unordered_map<std::string, int> per_user_;
  int total_ = 0;

  std::mutex incoming_mutex_;
  std::vector<std::shared_ptr<StreamState>> incoming_;

  std::unordered_map<std::string, Tenant> tenants_;  // the feed thread's
  std::atomic<bool> stopping_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace amo::relay
