#include "relay/drain/store.h"

#include <unordered_map>

#include "core/envelope/validate.h"
#include "relay/drain/pg_array.h"
#include "relay/drain/row_check.h"

namespace amo::relay {
namespace {

// A tenant's partition: Postgres computes it, so every relay agrees whatever its platform.
#define AMO_PARTITION_OF(col) "((hashtext(" col ") & 2147483647) % $4)"

// $1 partitions int[], $2 generations bigint[], $3 owner, $4 partition count. The lease rows
// are locked FOR SHARE, so a takeover (UPDATE of the lease) waits for this transaction, and
// this one sees a takeover that committed first.
#define AMO_FENCE_JOIN(extra)                                         \
  "fence AS (SELECT l.partition FROM realtime_relay_leases l "        \
  "JOIN unnest($1::int[], $2::bigint[]) AS f(partition, generation) " \
  "ON l.partition = f.partition AND l.generation = f.generation "     \
  "WHERE l.owner = $3 " extra
#define AMO_FENCE(extra) AMO_FENCE_JOIN(extra) " FOR SHARE OF l) "
// The same check without the lock, for writes that are true whoever holds the lease now.
#define AMO_FENCE_NOLOCK(extra) AMO_FENCE_JOIN(extra) ") "

// The claim's first statement: which of the caller's leases still hold, locked FOR SHARE for
// the rest of the transaction (a takeover waits for it; a takeover that committed first
// leaves that partition out).
const char* const kFence = "WITH " AMO_FENCE("AND l.expires_at > now()") "SELECT partition FROM fence";

// Then the rows, in the partitions that held. The partitions come as a plain array, never as
// a join the planner must estimate (a misjudged semi-join once turned this into a sequential
// scan and sort of the whole table mid-drain); and only `seq IS NULL` is asked, so the one
// partial index that fits is realtime_outbox_unclaimed_idx (a row without a seq is never
// published or dead), never the pending index that holds every row awaiting its PUBACK.
const char* const kClaim =
    "SELECT o.id, o.event_id::text, o.amo_id, o.topic, o.envelope::text, ((hashtext(o.amo_id) & 2147483647) % $2) "
    "FROM realtime_outbox o WHERE o.seq IS NULL AND ((hashtext(o.amo_id) & 2147483647) % $2) = ANY ($1::int[]) "
    "ORDER BY o.id LIMIT $3 FOR UPDATE OF o SKIP LOCKED";

// Within the claim transaction, after kClaim locked the rows: seq from the tenant's counter
// row, locked by the upsert (in amo_id order, so two claimers cannot deadlock), so seq values
// of a tenant become visible in increasing order with no gap. `o.seq IS NULL`: a row numbered
// already (claims that overlapped despite the lock) is not numbered twice — it comes back
// missing and the claim rolls back; and `ON`, not `USING`, which Citus cannot deparse in an
// UPDATE's FROM (docs/SCALING.md, C3).
const char* const kAssign =
    "WITH claimed AS (SELECT c.id, c.amo_id, row_number() OVER (PARTITION BY c.amo_id ORDER BY c.id) AS rn, "
    "  count(*) OVER (PARTITION BY c.amo_id) AS n FROM unnest($1::bigint[], $2::text[]) AS c(id, amo_id)), "
    "counts AS (SELECT DISTINCT amo_id, n FROM claimed), "
    "bumped AS (INSERT INTO realtime_outbox_seq AS s (amo_id, last_seq) SELECT amo_id, n FROM counts ORDER BY amo_id "
    "  ON CONFLICT (amo_id) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq RETURNING s.amo_id, s.last_seq) "
    "UPDATE realtime_outbox o SET seq = b.last_seq - c.n + c.rn FROM claimed c JOIN bumped b ON b.amo_id = c.amo_id "
    "WHERE o.id = c.id AND o.seq IS NULL RETURNING o.id, o.seq";

const char* const kBury =
    "WITH gone AS (DELETE FROM realtime_outbox o USING unnest($1::bigint[], $2::text[]) AS d(id, error) "
    "  WHERE o.id = d.id AND o.seq IS NULL "
    "  RETURNING o.id, o.event_id, o.amo_id, o.topic, o.envelope, o.created_at, d.error) "
    "INSERT INTO realtime_outbox_dead (id, event_id, amo_id, topic, envelope, created_at, error) "
    "SELECT id, event_id, amo_id, topic, envelope, created_at, error FROM gone ON CONFLICT (id) DO NOTHING";

// Per tenant at most $5 rows: a tenant with more spills (the pipeline reads the rest later).
const char* const kPending =
    "WITH " AMO_FENCE("AND l.expires_at > now()")
    "SELECT id, seq, amo_id, topic, event_id, envelope, partition, attempts, wait_ms FROM ("
    "SELECT o.id, o.seq, o.amo_id, o.topic, o.event_id::text AS event_id, o.envelope::text AS envelope, "
    AMO_PARTITION_OF("o.amo_id") " AS partition, o.attempts, "
    "GREATEST(0, EXTRACT(EPOCH FROM o.next_attempt_at - now()) * 1000)::bigint AS wait_ms, "
    "row_number() OVER (PARTITION BY o.amo_id ORDER BY o.seq) AS rn "
    "FROM realtime_outbox o "
    "WHERE o.seq IS NOT NULL AND o.published_at IS NULL AND o.dead_at IS NULL "
    "AND " AMO_PARTITION_OF("o.amo_id") " IN (SELECT partition FROM fence)) AS p "
    "WHERE rn <= $5 ORDER BY amo_id, seq";

// One tenant's next rows after a seq (a spilled tenant's reload), on the (amo_id, seq) index.
const char* const kPendingAfter =
    "WITH " AMO_FENCE("AND l.expires_at > now()")
    "SELECT o.id, o.seq, o.amo_id, o.topic, o.event_id::text, o.envelope::text, " AMO_PARTITION_OF("o.amo_id") ", "
    "o.attempts, GREATEST(0, EXTRACT(EPOCH FROM o.next_attempt_at - now()) * 1000)::bigint "
    "FROM realtime_outbox o "
    "WHERE o.amo_id = $5 AND o.seq > $6 AND o.published_at IS NULL AND o.dead_at IS NULL "
    "AND " AMO_PARTITION_OF("o.amo_id") " IN (SELECT partition FROM fence) "
    "ORDER BY o.seq LIMIT $7";

// Marks need only the generation: if nobody took the lease over, an expired one is still ours.
// They lock no lease row: a mark races a takeover harmlessly (the row was published; the new
// holder may publish it once more), and claims and marks then never share lease-row locks.
const char* const kMark =
    "WITH " AMO_FENCE_NOLOCK("")
    "UPDATE realtime_outbox o SET published_at = now() "
    "WHERE o.id = ANY ($5::bigint[]) AND o.published_at IS NULL "
    "AND " AMO_PARTITION_OF("o.amo_id") " IN (SELECT partition FROM fence)";

const char* const kRefuse =
    "WITH " AMO_FENCE("")
    "UPDATE realtime_outbox o SET attempts = r.attempts, last_error = r.error, "
    "next_attempt_at = CASE WHEN r.dead THEN NULL ELSE now() + r.backoff_ms * interval '1 millisecond' END, "
    "dead_at = CASE WHEN r.dead THEN now() END "
    "FROM unnest($5::bigint[], $6::int[], $7::text[], $8::int[], $9::bool[]) AS r(id, attempts, error, backoff_ms, dead) "
    "WHERE o.id = r.id AND o.published_at IS NULL AND o.dead_at IS NULL "
    "AND " AMO_PARTITION_OF("o.amo_id") " IN (SELECT partition FROM fence)";

const char* const kNotifyEnabled =
    "SELECT count(*) FROM pg_trigger WHERE tgname = 'realtime_outbox_notify' AND tgenabled <> 'D'";

const char* const kEnsurePartitions =
    "INSERT INTO realtime_relay_leases (partition) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING";

const char* const kHeartbeat =
    "WITH beat AS (INSERT INTO realtime_relay_instances AS i (owner, seen_at) VALUES ($1, now()) "
    "  ON CONFLICT (owner) DO UPDATE SET seen_at = now() RETURNING i.owner), "
    "gc AS (DELETE FROM realtime_relay_instances WHERE seen_at < now() - 100 * $2::int * interval '1 second') "
    "SELECT count(*) + 1 FROM realtime_relay_instances WHERE owner <> $1 "
    "AND seen_at > now() - $2::int * interval '1 second'";

const char* const kRenew =
    "UPDATE realtime_relay_leases l SET expires_at = now() + $4::int * interval '1 second' "
    "FROM unnest($1::int[], $2::bigint[]) AS f(partition, generation) "
    "WHERE l.partition = f.partition AND l.generation = f.generation AND l.owner = $3 "
    "RETURNING l.partition, l.generation";

const char* const kAcquire =
    "WITH free AS (SELECT partition FROM realtime_relay_leases "
    "  WHERE partition < $4::int AND (owner IS NULL OR expires_at IS NULL OR expires_at < now() OR ($5 AND owner = $1)) "
    "  ORDER BY partition LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE realtime_relay_leases l SET owner = $1, generation = l.generation + 1, "
    "expires_at = now() + $3::int * interval '1 second' FROM free WHERE l.partition = free.partition "
    "RETURNING l.partition, l.generation";

const char* const kRelease =
    "UPDATE realtime_relay_leases l SET owner = NULL, expires_at = NULL "
    "FROM unnest($1::int[], $2::bigint[]) AS f(partition, generation) "
    "WHERE l.partition = f.partition AND l.generation = f.generation AND l.owner = $3";

// A stopping relay no longer counts towards the others' fair share.
const char* const kLeave = "DELETE FROM realtime_relay_instances WHERE owner = $1";

// Counting a large backlog reads the whole pending index: housekeeping's own connection.
const char* const kBacklog =
    "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 FROM realtime_outbox "
    "WHERE published_at IS NULL AND dead_at IS NULL";

// Never an unpublished row, however old: retention must not lose what was never delivered.
const char* const kPrune =
    "WITH old AS (DELETE FROM realtime_outbox WHERE id IN (SELECT id FROM realtime_outbox "
    "  WHERE created_at < now() - $1::int * interval '1 day' AND (published_at IS NOT NULL OR dead_at IS NOT NULL) "
    "  ORDER BY created_at LIMIT $2) RETURNING 1), "
    "dead AS (DELETE FROM realtime_outbox_dead WHERE id IN (SELECT id FROM realtime_outbox_dead "
    "  WHERE dead_at < now() - $1::int * interval '1 day' ORDER BY dead_at LIMIT $2) RETURNING 1) "
    "SELECT (SELECT count(*) FROM old) + (SELECT count(*) FROM dead)";

struct FenceParams {
  std::string partitions, generations;
};

FenceParams params(const Fence& fence) {
  std::vector<int> parts;
  std::vector<std::int64_t> gens;
  for (const auto& l : fence.leases) {
    parts.push_back(l.partition);
    gens.push_back(l.generation);
  }
  return {int_array(parts), int_array(gens)};
}

std::vector<Lease> leases_of(const pqxx::result& r) {
  std::vector<Lease> out;
  for (const auto& row : r) out.push_back({row[0].as<int>(), row[1].as<std::int64_t>()});
  return out;
}

}  // namespace

std::vector<pg::Statement> store_statements() {
  return {{"relay_fence", kFence},
          {"relay_claim", kClaim},
          {"relay_assign", kAssign},
          {"relay_bury", kBury},
          {"relay_pending", kPending},
          {"relay_pending_after", kPendingAfter},
          {"relay_mark", kMark},
          {"relay_refuse", kRefuse},
          {"relay_partitions", kEnsurePartitions},
          {"relay_heartbeat", kHeartbeat},
          {"relay_renew", kRenew},
          {"relay_acquire", kAcquire},
          {"relay_release", kRelease},
          {"relay_leave", kLeave},
          {"relay_backlog", kBacklog},
          {"relay_prune", kPrune},
          {"relay_notify_enabled", kNotifyEnabled}};
}

Store::Store(pg::Connection& connection, int partitions, int lease_seconds, const std::atomic<bool>* stop)
    : connection_(connection), partitions_(partitions), lease_seconds_(lease_seconds), stop_(stop) {}

void Store::ensure_partitions() {
  pqxx::work w(db());
  w.exec_prepared("relay_partitions", partitions_);
  w.commit();
}

bool Store::notify_trigger_enabled() {
  pqxx::work w(db());
  const auto r = w.exec_prepared1("relay_notify_enabled");
  w.commit();
  return r[0].as<int>() > 0;
}

int Store::heartbeat(const std::string& owner) {
  pqxx::work w(db());
  const auto r = w.exec_prepared1("relay_heartbeat", owner, lease_seconds_);
  w.commit();
  return r[0].as<int>();
}

std::vector<Lease> Store::renew(const Fence& fence) {
  if (fence.leases.empty()) return {};
  const auto p = params(fence);
  pqxx::work w(db());
  auto r = w.exec_prepared("relay_renew", p.partitions, p.generations, fence.owner, lease_seconds_);
  w.commit();
  return leases_of(r);
}

std::vector<Lease> Store::acquire(const std::string& owner, int count, bool reclaim_own) {
  if (count <= 0) return {};
  pqxx::work w(db());
  auto r = w.exec_prepared("relay_acquire", owner, count, lease_seconds_, partitions_, reclaim_own);
  w.commit();
  return leases_of(r);
}

void Store::release(const Fence& fence) {
  if (fence.leases.empty()) return;
  const auto p = params(fence);
  pqxx::work w(db());
  w.exec_prepared("relay_release", p.partitions, p.generations, fence.owner);
  w.commit();
}

void Store::leave(const Fence& fence) {
  const auto p = params(fence);
  pqxx::work w(db());
  if (!fence.leases.empty()) w.exec_prepared("relay_release", p.partitions, p.generations, fence.owner);
  w.exec_prepared("relay_leave", fence.owner);
  w.commit();
}

namespace {

std::vector<Row> pending_rows(const pqxx::result& r, envelope::Validator& validator) {
  std::vector<Row> rows;
  rows.reserve(r.size());
  for (const auto& f : r) {
    Row row;
    row.id = f[0].as<std::int64_t>();
    row.seq = f[1].as<std::int64_t>();
    row.amo_id = f[2].c_str();
    row.topic = f[3].c_str();
    row.event_id = f[4].c_str();
    row.partition = f[6].as<int>();
    row.attempts = f[7].as<int>();
    row.wait = std::chrono::milliseconds(f[8].as<std::int64_t>());
    // Checked when it got its seq; compacted again the same way. Should the schemas have
    // changed since, the row keeps its seq and is published as stored (history has no gap).
    ClaimedRow stored{row.id, row.event_id, row.amo_id, row.topic, f[5].c_str(), row.partition};
    auto verdict = check_row(validator, stored);
    row.body = with_seq(verdict.error.empty() ? verdict.compact : stored.envelope, row.seq);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<Row> Store::pending(const Fence& fence, int per_tenant, envelope::Validator& validator) {
  if (fence.leases.empty()) return {};
  const auto p = params(fence);
  pqxx::work w(db());
  const auto r = w.exec_prepared("relay_pending", p.partitions, p.generations, fence.owner, partitions_, per_tenant);
  w.commit();
  return pending_rows(r, validator);
}

std::vector<Row> Store::pending_after(const Fence& fence, const std::string& amo, std::int64_t after, int limit,
                                      envelope::Validator& validator) {
  if (fence.leases.empty()) return {};
  const auto p = params(fence);
  pqxx::work w(db());
  const auto r =
      w.exec_prepared("relay_pending_after", p.partitions, p.generations, fence.owner, partitions_, amo, after, limit);
  w.commit();
  return pending_rows(r, validator);
}

ClaimResult Store::claim(const Fence& fence, int limit, envelope::Validator& validator) {
  ClaimResult out;
  if (fence.leases.empty() || limit <= 0) return out;
  const auto p = params(fence);
  pqxx::work w(db());
  std::vector<int> held;
  for (const auto& row : w.exec_prepared("relay_fence", p.partitions, p.generations, fence.owner))
    held.push_back(row[0].as<int>());
  if (held.empty()) {
    w.commit();
    return out;
  }
  // Walk the unclaimed index in id order, whatever the statistics say. A table filled faster
  // than autovacuum analyzes it (a chat burst into a fresh database) looks nearly empty to the
  // planner, which then prefers a bitmap scan of every unclaimed row plus a sort: 92 ms for a
  // claim of 100 at 40,000 unclaimed rows, against 0.4 ms in index order.
  w.exec0("SET LOCAL enable_bitmapscan = off");
  const auto claimed = w.exec_prepared("relay_claim", int_array(held), partitions_, limit);
  out.scanned = claimed.size();
  if (claimed.empty()) {
    w.commit();
    return out;
  }
  std::vector<std::int64_t> valid_ids, dead_ids;
  std::vector<std::string> valid_amo, dead_errors, compacts;
  std::vector<Row> rows;
  for (const auto& f : claimed) {
    ClaimedRow c{f[0].as<std::int64_t>(), f[1].c_str(), f[2].c_str(), f[3].c_str(), f[4].c_str(), f[5].as<int>()};
    auto verdict = check_row(validator, c);
    if (!verdict.error.empty()) {
      dead_ids.push_back(c.id);
      dead_errors.push_back(verdict.error);
      out.dead.emplace_back(c.id, std::move(verdict.error));
      continue;
    }
    valid_ids.push_back(c.id);
    valid_amo.push_back(c.amo_id);
    Row row;
    row.id = c.id;
    row.amo_id = std::move(c.amo_id);
    row.topic = std::move(c.topic);
    row.event_id = std::move(c.event_id);
    row.partition = c.partition;
    row.body = std::move(verdict.compact);  // seq added below
    rows.push_back(std::move(row));
  }
  if (!dead_ids.empty()) w.exec_prepared("relay_bury", int_array(dead_ids), text_array(dead_errors));
  if (!valid_ids.empty()) {
    const auto seqs = w.exec_prepared("relay_assign", int_array(valid_ids), text_array(valid_amo));
    std::unordered_map<std::int64_t, std::int64_t> seq_of;
    seq_of.reserve(seqs.size());
    for (const auto& f : seqs) seq_of.emplace(f[0].as<std::int64_t>(), f[1].as<std::int64_t>());
    for (auto& row : rows) {
      row.seq = seq_of.at(row.id);
      row.body = with_seq(row.body, row.seq);
    }
  }
  w.commit();
  out.rows = std::move(rows);
  return out;
}

std::size_t Store::mark_published(const Fence& fence, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return 0;
  const auto p = params(fence);
  pqxx::work w(db());
  const auto r = w.exec_prepared("relay_mark", p.partitions, p.generations, fence.owner, partitions_, int_array(ids));
  w.commit();
  return r.affected_rows();
}

std::size_t Store::record_refusals(const Fence& fence, const std::vector<Refusal>& refusals) {
  if (refusals.empty()) return 0;
  const auto p = params(fence);
  std::vector<std::int64_t> ids;
  std::vector<int> attempts, backoff;
  std::vector<std::string> errors;
  std::vector<bool> dead;
  for (const auto& r : refusals) {
    ids.push_back(r.id);
    attempts.push_back(r.attempts);
    errors.push_back(r.error);
    backoff.push_back(static_cast<int>(r.backoff.count()));
    dead.push_back(r.dead);
  }
  pqxx::work w(db());
  const auto r = w.exec_prepared("relay_refuse", p.partitions, p.generations, fence.owner, partitions_, int_array(ids),
                                 int_array(attempts), text_array(errors), int_array(backoff), bool_array(dead));
  w.commit();
  return r.affected_rows();
}

Store::Backlog Store::backlog() {
  pqxx::work w(db());
  const auto r = w.exec_prepared1("relay_backlog");
  w.commit();
  return {r[0].as<std::int64_t>(), r[1].as<double>()};
}

std::size_t Store::prune(int days, int limit) {
  pqxx::work w(db());
  const auto r = w.exec_prepared1("relay_prune", days, limit);
  w.commit();
  return r[0].as<std::size_t>();
}

}  // namespace amo::relay
