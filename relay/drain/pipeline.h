#pragma once
// The relay's publishing state (DESIGN §5): rows with a seq, queued per tenant in seq order,
// at most one unacked row per tenant in flight (so a broker reconnect cannot reorder a
// tenant: Mosquitto reorders resent messages when several are in flight), and as many
// tenants in flight at once as have rows. A PUBACK moves the row to `published` (marked in
// Postgres by the drain loop) and sends the tenant's next row; a refusal (v5 reason ≥ 0x80)
// holds the tenant back with backoff and, after max_attempts, lets the row die and the
// tenant flow again; a lost connection leaves every in-flight row unacked, to be sent again
// (same id, same seq) after the reconnect. Thread-safe: the drain loop adds rows and takes
// outcomes, Paho's thread reports acks. `send` is never called with the lock held.
// Broker shards (DESIGN §9): each row goes to its tenant's shard as the map says when it is
// sent; connected / lost are per shard, so one broker's outage holds back only its tenants.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "relay/drain/outbox_row.h"

namespace amo::relay {

struct RelayMetrics;

// The wait before the n-th retry of a refused row: 100 ms doubling, capped at 30 s.
std::chrono::milliseconds refusal_backoff(int attempts);

// What the drain loop must write back for a refused row.
struct Refusal {
  std::int64_t id = 0;
  int partition = 0;
  int attempts = 0;
  std::string error;
  std::chrono::milliseconds backoff{0};
  bool dead = false;  // attempts reached max_attempts: dead_at now, the tenant flows again
};

struct Outcomes {
  std::vector<std::int64_t> published;  // PUBACKed ids
  std::vector<Refusal> refusals;
};

class Pipeline {
 public:
  using Clock = std::chrono::steady_clock;
  // Publishes one row to `shard`'s broker; `key` comes back in acked(). False if it was not
  // sent (not connected).
  using Send = std::function<bool(const Row& row, int shard, std::uint64_t key)>;

  struct Options {
    int max_attempts = 10;
    // Rows held per tenant. Past it the tenant spills: its later rows stay in Postgres (with
    // their seq) and are loaded again, in seq order, once it has sent half of what it holds.
    std::size_t max_rows_per_tenant = 1000;
    // The window: rows sent whose PUBACK is not yet written to Postgres (in flight, acked
    // but not taken, taken but not confirmed), all tenants together. A crash repeats at most
    // this many rows; it also bounds Paho's queue (below its max_buffered).
    std::size_t window = 400;
    std::chrono::milliseconds transient_retry{100};  // after a send that failed without a refusal
    std::function<void()> wake;                      // called (without the lock) when the drain loop has work
    RelayMetrics* metrics = nullptr;
    int shards = 1;
    std::function<int(std::string_view amo)> shard_of;  // [0, shards); unset: every tenant on 0
  };

  Pipeline(Options options, Send send);

  // Rows of one or more tenants, each tenant's in seq order and after any it already has
  // (rows at or below what a tenant holds are skipped). A tenant that spilled keeps none of
  // them: they are loaded again by reload().
  void add(std::vector<Row> rows);
  // Spilled tenants that have room again, with the seq after which their rows are to be read.
  std::vector<std::pair<std::string, std::int64_t>> reloads() const;
  // Rows read for a reload (up to max_rows_per_tenant + 1 asked): the tenant stops spilling
  // unless they fill it again.
  void reloaded(const std::string& amo, std::vector<Row> rows);
  void connected(int shard = 0);
  void lost(int shard = 0);
  // From Paho's thread: reason_code < 0x80 with ok = true is a PUBACK; ok = false with
  // reason_code ≥ 0x80 is the broker's refusal; any other failure is transient.
  void acked(std::uint64_t key, bool ok, int reason_code);
  // Sends the tenants whose backoff has passed.
  void retry_due();
  // Forgets the rows of these partitions (their lease is gone); late acks of them are ignored.
  // Returns how many of the dropped rows were in flight (sent, PUBACK not yet seen).
  std::size_t drop(std::span<const int> partitions);
  void drop_all();
  // Stop sending new rows (SIGTERM); rows in flight still complete.
  void pause();
  // Nothing is sent after `t` (monotonic): the leases were last renewed a lease period
  // before. A relay resumed after a pause (SIGSTOP) longer than its lease therefore sends
  // nothing on Paho's thread until the drain loop has renewed and dropped what it lost.
  // Sends what waited if `t` lies ahead.
  void lease_valid_until(Clock::time_point t);

  // Hands over the outcomes to write; their rows stay in the window until confirm().
  Outcomes take();
  // `published` rows of a take() are written (or given up on: fenced): the window moves on.
  void confirm(std::size_t published);
  bool has_outcomes() const;
  std::size_t queued() const;
  std::size_t in_flight() const;

 private:
  struct Tenant {
    std::deque<std::shared_ptr<Row>> rows;  // shared: a send outside the lock keeps its row
    std::uint64_t key = 0;                  // of the row in flight, 0 if none
    int shard = 0;                          // where the row in flight went
    Clock::time_point sent{};
    Clock::time_point retry_at{};
    bool waiting = false;       // in waiting_ for a free slot of the window
    bool spilled = false;       // rows past last_seq wait in Postgres
    std::int64_t last_seq = 0;  // the highest seq held (or sent)
  };
  struct Pending {
    std::shared_ptr<const Row> row;
    int shard;
    std::uint64_t key;
  };

  // Under the lock: picks the tenant's head for sending if it may go now.
  void schedule(Tenant& tenant, Clock::time_point now, std::vector<Pending>& out);
  // Under the lock: appends what fits, returns the tenants that got a first row.
  void append(std::vector<Row> rows, std::vector<Tenant*>& fresh);
  // Under the lock: fills the window's free slots from waiting_.
  void schedule_waiting(Clock::time_point now, std::vector<Pending>& out);
  // Without the lock.
  void send_all(const std::vector<Pending>& pending);
  void notify_if_needed(bool had_outcomes_before);

  Options options_;
  Send send_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Tenant> tenants_;
  std::unordered_map<std::uint64_t, Tenant*> in_flight_;
  std::deque<std::string> waiting_;  // tenants ready to send while the window was full
  std::uint64_t next_key_ = 0;
  std::size_t queued_ = 0;
  std::size_t unconfirmed_ = 0;  // published rows taken but not confirmed
  std::size_t window_used() const { return in_flight_.size() + outcomes_.published.size() + unconfirmed_; }
  std::vector<char> connected_;  // per shard
  bool paused_ = false;
  Clock::time_point lease_deadline_ = Clock::time_point::max();
  Outcomes outcomes_;
};

}  // namespace amo::relay
