#include "relay/drain/drain.h"

#include <algorithm>

#include "core/envelope/validate.h"
#include "daemon/log/log.h"
#include "daemon/metrics/daemon_metrics.h"
#include "daemon/mqtt/client.h"
#include "daemon/pg/connection.h"
#include "relay/drain/row_check.h"

namespace amo::relay {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kRowsPerTenant = 1000;  // held in memory; the rest waits in Postgres
constexpr auto kDrainTimeout = 5s;
constexpr auto kMarkGather = 2ms;  // SIGTERM: how long in-flight rows get for their PUBACK
constexpr auto kBacklogEvery = 5s;
constexpr auto kRetentionEvery = 60s;
constexpr int kPruneBatch = 5000;
constexpr int kPruneBatchesPerRound = 100;  // 500,000 rows a minute at most, in short transactions

std::string partitions_text(const std::vector<Lease>& leases) {
  std::string out;
  for (const auto& l : leases) {
    if (!out.empty()) out += ",";
    out += std::to_string(l.partition) + "@" + std::to_string(l.generation);
  }
  return out;
}

// listen: this connection waits for NOTIFY realtime_outbox: sent by the chat ingest for
// every batch it stores, and by the realtime_outbox_notify trigger where an owner enabled it.
pg::Options pg_options(const config::Config& config, metrics::DaemonMetrics* m, bool listen = false) {
  pg::Options o;
  o.url = config.database_url;
  o.prepared = store_statements();
  // A relay paused inside a transaction (SIGSTOP, a long GC-like stall) must not hold its
  // lease rows locked for longer than a lease: Postgres ends such a session.
  o.session_sql = {"SET idle_in_transaction_session_timeout = " + std::to_string(config.lease_seconds * 1000),
                   "SET application_name = 'amo-relay'",
                   // Short OLTP statements: compiling them costs more than it saves.
                   "SET jit = off", "SET max_parallel_workers_per_gather = 0"};
  if (listen) o.session_sql.push_back("LISTEN realtime_outbox");
  if (m) {
    o.reconnects = &m->db_reconnects;
    o.up = &m->db_up;
  }
  return o;
}

}  // namespace

Drain::Drain(const config::Config& config, const envelope::SchemaSet& schemas, std::function<void()> on_claimed)
    : config_(config), schemas_(schemas), on_claimed_(std::move(on_claimed)) {
  fence_.owner = config.instance_id;
  fence_.partitions = static_cast<int>(config.partitions);
}

Drain::~Drain() {
  stop();
}

void Drain::connected(int shard) {
  std::lock_guard lock(hooks_mutex_);
  if (pipeline_)
    pipeline_->connected(shard);
  else
    broker_connected_.push_back(shard);
}

void Drain::lost(int shard) {
  std::lock_guard lock(hooks_mutex_);
  if (pipeline_)
    pipeline_->lost(shard);
  else
    std::erase(broker_connected_, shard);
}

void Drain::start(const std::vector<mqtt_client::Client*>& brokers, const config::ShardMapWatch& shard_map,
                  metrics::Registry& registry, metrics::DaemonMetrics& daemon_metrics) {
  brokers_ = brokers;
  shard_map_ = &shard_map;
  daemon_metrics_ = &daemon_metrics;
  metrics_ = std::make_unique<RelayMetrics>(registry);
  validator_ = std::make_unique<envelope::Validator>(make_row_validator(schemas_));
  Pipeline::Options po;
  po.max_attempts = static_cast<int>(config_.max_attempts);
  po.max_rows_per_tenant = kRowsPerTenant;
  po.window = 4 * static_cast<std::size_t>(config_.batch_size);
  po.wake = [this] { wake(); };
  po.metrics = metrics_.get();
  po.shards = static_cast<int>(brokers_.size());
  // The map as it is at each send: a moved tenant's next row goes to its new broker.
  if (brokers_.size() > 1) po.shard_of = [this](std::string_view amo) { return shard_map_->current()->shard_of(amo); };
  {
    std::lock_guard lock(hooks_mutex_);
    pipeline_ = std::make_unique<Pipeline>(
        std::move(po), [this](const Row& row, int shard, std::uint64_t key) { return send(row, shard, key); });
    for (const int shard : broker_connected_) pipeline_->connected(shard);
  }
  thread_ = std::thread([this] { run(); });
  housekeeping_thread_ = std::thread([this] { housekeeping(); });
}

void Drain::stop() {
  if (stopping_.exchange(true)) return;
  wake();
  if (thread_.joinable()) thread_.join();
  if (housekeeping_thread_.joinable()) housekeeping_thread_.join();
}

void Drain::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_cv_.notify_all();
  { std::lock_guard lock(marker_mutex_); }
  marker_cv_.notify_one();
}

void Drain::sleep_for(std::chrono::milliseconds wait) {
  std::unique_lock lock(wake_mutex_);
  wake_cv_.wait_for(lock, wait, [&] { return woken_ || stopping_.load(); });
  woken_ = false;
}

bool Drain::send(const Row& row, int shard, std::uint64_t key) {
  mqtt_client::Client* mqtt = brokers_.at(static_cast<std::size_t>(shard));
  auto msg = mqtt::make_message(row.topic, row.body, 1, false);
  // The envelope id also as a v5 user property (DESIGN §4), so consumers dedupe without parsing.
  msg->set_properties(mqtt::properties{{mqtt::property::USER_PROPERTY, std::string("id"), row.event_id}});
  try {
    mqtt->publish(std::move(msg), reinterpret_cast<void*>(static_cast<std::uintptr_t>(key)), *this);
    return true;
  } catch (const mqtt::exception&) {
    return false;
  }
}

void Drain::on_success(const mqtt::token& tok) {
  const auto key = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
  pipeline_->acked(key, true, tok.get_reason_code());
}

void Drain::on_failure(const mqtt::token& tok) {
  const auto key = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
  pipeline_->acked(key, false, tok.get_reason_code());
}

void Drain::drop_leases(const std::vector<Lease>& gone, std::string_view why) {
  if (gone.empty()) return;
  std::vector<int> parts;
  for (const auto& l : gone) parts.push_back(l.partition);
  metrics_->abandoned.inc(pipeline_->drop(parts));
  std::erase_if(fence_.leases,
                [&](const Lease& l) { return std::find(parts.begin(), parts.end(), l.partition) != parts.end(); });
  // Outcomes of those partitions are no longer ours to write: the next holder publishes again.
  log::audit("relay lease " + std::string(why) + ": owner=" + fence_.owner + " partitions=" + partitions_text(gone));
}

void Drain::lease_tick(Store& store) {
  const auto renew_started = std::chrono::steady_clock::now();
  const int live = store.heartbeat(fence_.owner);
  const auto held = store.renew(fence_);
  std::vector<Lease> gone;
  for (const auto& l : fence_.leases)
    if (std::none_of(held.begin(), held.end(), [&](const Lease& h) { return h.partition == l.partition; }))
      gone.push_back(l);
  drop_leases(gone, "lost");

  const int partitions = fence_.partitions;
  const int fair = (partitions + live - 1) / live;
  const int have = static_cast<int>(fence_.leases.size());
  if (have > fair) {
    // Another relay joined: hand over the highest partitions, after writing back their outcomes.
    flush(store);
    std::vector<Lease> extra(fence_.leases.end() - (have - fair), fence_.leases.end());
    drop_leases(extra, "released");
    store.release(Fence{fence_.owner, extra, partitions});
  } else if (have < fair) {
    auto acquired = store.acquire(fence_.owner, fair - have, /*reclaim_own=*/have == 0);
    if (!acquired.empty()) {
      // What the previous holder left with a seq but unpublished goes first, in seq order.
      auto rows = store.pending(Fence{fence_.owner, acquired, partitions}, kRowsPerTenant + 1, *validator_);
      {
        std::lock_guard lock(fence_mutex_);
        fence_.leases.insert(fence_.leases.end(), acquired.begin(), acquired.end());
        std::sort(fence_.leases.begin(), fence_.leases.end(),
                  [](const Lease& a, const Lease& b) { return a.partition < b.partition; });
      }
      log::audit("relay lease acquired: owner=" + fence_.owner + " partitions=" + partitions_text(acquired) +
                 " unpublished=" + std::to_string(rows.size()));
      pipeline_->add(std::move(rows));
    }
  }
  // Every lease held now was renewed (or taken) after renew_started.
  pipeline_->lease_valid_until(renew_started + std::chrono::seconds(config_.lease_seconds));
  metrics_->partitions.set(static_cast<std::int64_t>(fence_.leases.size()));
}

Fence Drain::fence_snapshot() {
  std::lock_guard lock(fence_mutex_);
  return fence_;
}

void Drain::flush(Store& store) {
  Outcomes todo;
  {
    std::lock_guard lock(unflushed_mutex_);
    todo = std::exchange(unflushed_, {});
  }
  auto fresh = pipeline_->take();
  todo.published.insert(todo.published.end(), fresh.published.begin(), fresh.published.end());
  todo.refusals.insert(todo.refusals.end(), std::make_move_iterator(fresh.refusals.begin()),
                       std::make_move_iterator(fresh.refusals.end()));
  if (todo.published.empty() && todo.refusals.empty()) return;
  const Fence fence = fence_snapshot();
  try {
    // Refusals first: a refused row's dead_at precedes the marks of the rows its tenant sent
    // after it.
    if (!todo.refusals.empty()) {
      store.record_refusals(fence, todo.refusals);
      for (const auto& r : todo.refusals)
        if (r.dead)
          log::audit("relay dead letter: id=" + std::to_string(r.id) + " attempts=" + std::to_string(r.attempts) +
                     " error=" + r.error);
      todo.refusals.clear();
    }
    if (!todo.published.empty()) {
      const std::size_t changed = store.mark_published(fence, todo.published);
      // Rows not changed lie in a partition this relay lost, or were marked already: the next
      // holder publishes them again.
      metrics_->marked.inc(changed);
      if (changed < todo.published.size()) metrics_->fenced.inc(todo.published.size() - changed);
      pipeline_->confirm(todo.published.size());
      todo.published.clear();
    }
  } catch (...) {
    std::lock_guard lock(unflushed_mutex_);
    unflushed_.published.insert(unflushed_.published.end(), todo.published.begin(), todo.published.end());
    unflushed_.refusals.insert(unflushed_.refusals.end(), std::make_move_iterator(todo.refusals.begin()),
                               std::make_move_iterator(todo.refusals.end()));
    throw;
  }
}

void Drain::mark_loop() {
  pg::Connection connection(pg_options(config_, nullptr));
  Store store(connection, fence_.partitions, static_cast<int>(config_.lease_seconds), &marker_stop_);
  while (!marker_stop_) {
    {
      std::unique_lock lock(marker_mutex_);
      marker_cv_.wait_for(lock, 100ms, [&] { return marker_stop_.load() || pipeline_->has_outcomes(); });
    }
    if (marker_stop_) break;
    // Let a few more PUBACKs gather: one mark transaction for many rows, not one for each.
    std::this_thread::sleep_for(kMarkGather);
    try {
      flush(store);
    } catch (const pqxx::broken_connection&) {
      connection.lost();
      std::this_thread::sleep_for(100ms);
    } catch (const std::exception& e) {
      log::warning(std::string("outbox marks: ") + e.what());
      std::this_thread::sleep_for(100ms);
    }
  }
}

// After a commit whose outcome is unknown: forget what is in memory and load it again.
void Drain::resync(Store& store) {
  pipeline_->drop_all();
  pipeline_->add(store.pending(fence_, kRowsPerTenant + 1, *validator_));
}

void Drain::run() {
  pg::Connection connection(pg_options(config_, daemon_metrics_, true));
  Store store(connection, fence_.partitions, static_cast<int>(config_.lease_seconds), &stopping_);
  const auto poll_min = std::chrono::milliseconds(config_.poll_min_ms);
  const auto poll_max = std::chrono::milliseconds(config_.poll_max_ms);
  const auto lease_every = std::chrono::milliseconds(config_.lease_seconds * 1000 / 3);
  const int batch = static_cast<int>(config_.batch_size);
  auto poll = poll_min;
  auto next_lease = std::chrono::steady_clock::now();
  bool partitions_ready = false;
  std::thread marker([this] { mark_loop(); });

  while (!stopping_) {
    auto wait = poll;
    try {
      if (!partitions_ready) {
        store.ensure_partitions();
        if (config_.notify && !store.notify_trigger_enabled())
          log::warning(
              "notify = true, but the realtime_outbox_notify trigger is disabled: idle relays wake by "
              "polling only (ALTER TABLE realtime_outbox ENABLE TRIGGER realtime_outbox_notify)");
        partitions_ready = true;
      }
      if (std::chrono::steady_clock::now() >= next_lease) {
        lease_tick(store);
        next_lease = std::chrono::steady_clock::now() + lease_every;
      }
      pipeline_->retry_due();
      // Claims never wait for the broker: seq is what SSE and history serve, and a tenant's
      // rows beyond what the pipeline holds stay in Postgres until it has room.
      auto result = store.claim(fence_, batch, *validator_);
      const std::size_t claimed = result.scanned;
      metrics_->claimed.inc(result.rows.size());
      if (!result.rows.empty() && on_claimed_) on_claimed_();
      if (!result.dead.empty()) {
        metrics_->dead_invalid.inc(result.dead.size());
        for (const auto& [id, error] : result.dead)
          log::audit("relay dead letter: id=" + std::to_string(id) + " moved to realtime_outbox_dead: " + error);
      }
      pipeline_->add(std::move(result.rows));
      for (const auto& [amo, after] : pipeline_->reloads())
        pipeline_->reloaded(amo, store.pending_after(fence_, amo, after, kRowsPerTenant + 1, *validator_));
      metrics_->in_flight.set(static_cast<std::int64_t>(pipeline_->in_flight()));
      metrics_->queued.set(static_cast<std::int64_t>(pipeline_->queued()));
      if (claimed >= static_cast<std::size_t>(batch)) {
        poll = poll_min;
        continue;  // a full batch: more is probably waiting
      }
      poll = claimed > 0 ? poll_min : std::min(poll * 2, poll_max);
      wait = poll;
    } catch (const pqxx::in_doubt_error& e) {
      log::warning(std::string("outbox claim commit in doubt, reloading: ") + e.what());
      connection.lost();
      try {
        resync(store);
      } catch (const std::exception&) {
        // Reloaded at the next lease tick at the latest: the leases lapse while Postgres is away.
      }
      wait = poll_max;
    } catch (const pqxx::broken_connection&) {
      connection.lost();
      wait = poll_max;
    } catch (const std::exception& e) {
      log::error(std::string("outbox drain: ") + e.what());
      wait = poll_max;
    }
    // Never past the next lease renewal.
    wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::max(next_lease - std::chrono::steady_clock::now(), std::chrono::nanoseconds(0))));
    if (connection.connected()) {
      // A NOTIFY from a producer's commit ends the wait early (SIGTERM within the wait).
      try {
        connection.get().await_notification(wait.count() / 1000, (wait.count() % 1000) * 1000);
      } catch (const pqxx::broken_connection&) {
        connection.lost();
      }
    } else {
      sleep_for(wait);
    }
  }

  // SIGTERM: nothing new is sent; rows in flight get their PUBACK (or not) and are marked.
  pipeline_->pause();
  const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (pipeline_->in_flight() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  marker_stop_ = true;
  marker_cv_.notify_all();
  marker.join();
  try {
    flush(store);
    store.leave(fence_);
    log::info("outbox drain stopped: " + std::to_string(pipeline_->in_flight()) +
              " rows were still in flight and stay unpublished");
  } catch (const std::exception& e) {
    log::warning(std::string("outbox drain stopped without writing back: ") + e.what());
  }
}

void Drain::housekeeping() {
  pg::Connection connection(pg_options(config_, nullptr));
  Store store(connection, fence_.partitions, static_cast<int>(config_.lease_seconds), &stopping_);
  auto next_retention = std::chrono::steady_clock::now() + kBacklogEvery;
  while (!stopping_) {
    try {
      const auto backlog = store.backlog();
      metrics_->backlog.set(backlog.rows);
      metrics_->oldest_age.set(static_cast<std::int64_t>(backlog.oldest_age_seconds));
      if (std::chrono::steady_clock::now() >= next_retention) {
        for (int i = 0; i < kPruneBatchesPerRound && !stopping_; ++i) {
          const std::size_t n = store.prune(static_cast<int>(config_.history_days), kPruneBatch);
          metrics_->pruned.inc(n);
          if (n < static_cast<std::size_t>(kPruneBatch)) break;
        }
        next_retention = std::chrono::steady_clock::now() + kRetentionEvery;
      }
    } catch (const pqxx::broken_connection&) {
      connection.lost();
    } catch (const std::exception& e) {
      log::warning(std::string("outbox housekeeping: ") + e.what());
    }
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait_for(lock, kBacklogEvery, [&] { return stopping_.load(); });
  }
}

}  // namespace amo::relay
