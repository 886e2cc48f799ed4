#pragma once
// The relay's SQL against realtime_outbox and realtime_relay_leases (DESIGN §5), one short
// transaction per call. Every claim and every write to a row carries the caller's leases
// (partition and generation) in its WHERE, locking those lease rows FOR SHARE: a relay that
// lost a lease (paused, partitioned) claims and marks nothing of that partition, and a
// takeover waits for a claim in progress. A tenant's partition is
// (hashtext(amo_id) & 2147483647) % partitions, computed by Postgres only.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/pg/connection.h"
#include "relay/drain/outbox_row.h"
#include "relay/drain/pipeline.h"

namespace amo::envelope {
class Validator;
}

namespace amo::relay {

struct Lease {
  int partition = 0;
  std::int64_t generation = 0;
};

struct Fence {
  std::string owner;
  std::vector<Lease> leases;
  int partitions = 0;
};

struct ClaimResult {
  std::vector<Row> rows;                                   // valid rows with their new seq, in id order
  std::size_t scanned = 0;                                 // rows claimed, dead-lettered ones included
  std::vector<std::pair<std::int64_t, std::string>> dead;  // id, error
};

// Statements to prepare on every backend of the relay's connections.
std::vector<pg::Statement> store_statements();

class Store {
 public:
  // `stop`: set at shutdown, so a call waiting for Postgres to come back gives up.
  Store(pg::Connection& connection, int partitions, int lease_seconds, const std::atomic<bool>* stop = nullptr);

  // Whether realtime_outbox_notify is enabled (only then does `notify` wake the relay).
  bool notify_trigger_enabled();

  // --- leases
  // Creates the lease rows 0..partitions-1 that do not exist yet.
  void ensure_partitions();
  // Records this instance as alive; returns how many instances are (itself included).
  int heartbeat(const std::string& owner);
  // The leases still held (same owner and generation), with a new expiry.
  std::vector<Lease> renew(const Fence& fence);
  // Takes up to `count` partitions that are free or expired: a new generation each. With
  // `reclaim_own` (only while this process holds none) also those still recorded under
  // `owner`: a previous run of this instance that was killed; the new generation fences
  // whatever that run might still write.
  std::vector<Lease> acquire(const std::string& owner, int count, bool reclaim_own);
  void release(const Fence& fence);
  // At shutdown: releases the leases and removes the instance's heartbeat, so the relays that
  // remain (or this instance restarted) take every partition at once.
  void leave(const Fence& fence);

  // --- rows
  // Rows that already have a seq but are unpublished and not dead, in the fence's
  // partitions, in (amo_id, seq) order, at most per_tenant of each tenant: what a new lease
  // holder must publish first.
  std::vector<Row> pending(const Fence& fence, int per_tenant, envelope::Validator& validator);
  // The same for one tenant, seq > after, at most limit rows (a spilled tenant's next rows).
  std::vector<Row> pending_after(const Fence& fence, const std::string& amo, std::int64_t after, int limit,
                                 envelope::Validator& validator);
  // Claims up to `limit` rows without a seq, in id order; moves invalid ones to
  // realtime_outbox_dead, gives valid ones their tenant's next seq.
  ClaimResult claim(const Fence& fence, int limit, envelope::Validator& validator);
  // published_at = now() for PUBACKed rows; returns how many rows changed.
  std::size_t mark_published(const Fence& fence, const std::vector<std::int64_t>& ids);
  // attempts, last_error, next_attempt_at (and dead_at) of refused rows; returns rows changed.
  std::size_t record_refusals(const Fence& fence, const std::vector<Refusal>& refusals);

  // --- housekeeping
  struct Backlog {
    std::int64_t rows = 0;
    double oldest_age_seconds = 0;
  };
  Backlog backlog();
  // Deletes up to `limit` published or dead rows older than `days` (and dead letters as
  // old); returns how many.
  std::size_t prune(int days, int limit);

 private:
  pqxx::connection& db() { return connection_.get(stop_); }

  pg::Connection& connection_;
  int partitions_;
  int lease_seconds_;
  const std::atomic<bool>* stop_;
};

}  // namespace amo::relay
