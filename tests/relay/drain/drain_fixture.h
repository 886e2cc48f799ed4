#pragma once
// The outbox drain's live tests (DESIGN §5): a throwaway Postgres with every migration,
// Mosquitto with our plugin (or a harness broker), amo-relay processes, producers writing
// through realtime_emit from their own connections, a durable QoS 1 subscriber to amo/#, and
// the final count — every inserted event delivered live or recoverable by seq, no gap.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/harness/daemon.h"
#include "tests/harness/durable_subscriber.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/postgres.h"
#include "tests/harness/wait.h"

namespace amo::drain_test {

using namespace std::chrono_literals;

// "T07": the tenant ids of these tests (valid ids, DESIGN §2).
std::string tenant(int i);
std::string events_topic(const std::string& amo);  // amo/<amo>/broadcast/events

struct Stack {
  struct Options {
    harness::Postgres::Options pg{};
    bool plugin = true;          // false: a bare broker that reads `acl_file` (refusal tests)
    std::string broker_extra{};  // appended to the broker config
    bool allow_anonymous = false;
  };
  Stack();
  explicit Stack(Options options);

  harness::Postgres pg;
  harness::KeyFile keys;
  std::unique_ptr<harness::Mosquitto> broker;

  // The relay's TOML; `extra` lines are appended (batch_size, partitions, instance_id…).
  std::string relay_config(const std::string& extra = "") const;
  std::unique_ptr<harness::Daemon> start_relay(const std::string& extra = "") const;
  // A durable subscriber to amo/# with fresh service tokens (client id = the token's cid).
  std::unique_ptr<harness::DurableSubscriber> subscribe(const std::string& name = "drain-test") const;

  // One query's first column of the first row, as text.
  std::string scalar(const std::string& sql) const;
  long count(const std::string& sql) const { return std::stol(scalar(sql)); }
};

// `producers` connections insert per_tenant events for each of `tenants` tenants through
// realtime_emit, interleaved across tenants, `batch` per transaction. Blocks until done.
void emit(const harness::Postgres& pg, int tenants, int per_tenant, int producers = 1, int batch = 50);

struct OutboxRow {
  std::int64_t id = 0;
  std::string event_id, amo_id;
  std::int64_t seq = -1;  // -1: NULL
  bool published = false;
  bool dead = false;
  int attempts = 0;
  std::string last_error;
};
std::vector<OutboxRow> outbox(const harness::Postgres& pg);

// Checks (doctest CHECKs inside) that every tenant's seqs are exactly 1..N: no gap, no repeat.
void check_seq_gap_free(const std::vector<OutboxRow>& rows);
// Checks that, per tenant, the seq of each envelope id's first delivery strictly increases
// (redeliveries of a seq already seen are allowed) and that a redelivery keeps its id's seq.
void check_delivery_order(const std::vector<harness::DurableSubscriber::Record>& records);

using harness::wait_until;

// The ids the subscriber got, and the published rows it did not get (recoverable by seq).
struct Count {
  std::size_t inserted = 0, delivered = 0, recovered = 0, missing = 0;
};
Count count_delivery(const std::vector<OutboxRow>& rows, const std::set<std::string>& delivered_ids);

// amo_relay_* value from GET /metrics (the first series of that name, labels included in
// `series`), or -1 if absent.
double metric(const harness::Daemon& relay, const std::string& series);

}  // namespace amo::drain_test
