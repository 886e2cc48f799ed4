#pragma once
// The outbox drain of amo-relay (DESIGN §5): one thread owns a Postgres connection and runs
// the loop — hold a fair share of the partition leases, claim due rows of owned partitions
// (seq assigned, invalid rows dead-lettered), hand them to the Pipeline that publishes them
// QoS 1 through the daemon's MQTT connection to the tenant's broker shard (DESIGN §9). Adaptive polling: at once after a full batch,
// doubling from poll_min_ms to poll_max_ms while idle. A marker thread with its own
// connection writes back what the broker acknowledged or refused as soon as it is known (so a
// crash repeats little: rows in flight plus one mark in progress). A third thread reports the
// backlog and applies retention (history_days).
#include <mqtt/async_client.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/run/shard_map_watch.h"
#include "relay/drain/pipeline.h"
#include "relay/drain/relay_metrics.h"
#include "relay/drain/store.h"

namespace amo::envelope {
class SchemaSet;
class Validator;
}  // namespace amo::envelope
namespace amo::mqtt_client {
class Client;
}
namespace amo::metrics {
struct DaemonMetrics;
}

namespace amo::relay {

class Drain : private mqtt::iaction_listener {
 public:
  // on_claimed: called after a claim gave rows a seq (the SSE feed polls at once).
  Drain(const config::Config& config, const envelope::SchemaSet& schemas, std::function<void()> on_claimed = {});
  ~Drain() override;
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;

  // A shard's MQTT client's on_connected / on_lost (they may come before start()).
  void connected(int shard);
  void lost(int shard);

  // `brokers`: one connection per shard of `shard_map` (both outlive the drain).
  void start(const std::vector<mqtt_client::Client*>& brokers, const config::ShardMapWatch& shard_map,
             metrics::Registry& registry, metrics::DaemonMetrics& daemon_metrics);
  // SIGTERM: claims stop, rows in flight get up to `drain_timeout` for their PUBACK and are
  // marked; the rest stay unpublished (same seq) for whoever holds the lease next; the leases
  // are released so another relay takes them at once.
  void stop();

 private:
  void run();
  void mark_loop();
  void housekeeping();
  bool send(const Row& row, int shard, std::uint64_t key);
  void on_success(const mqtt::token& tok) override;
  void on_failure(const mqtt::token& tok) override;

  void lease_tick(Store& store);
  // Writes back the pipeline's outcomes (and any a failed flush left) under the current fence.
  void flush(Store& store);
  Fence fence_snapshot();
  void resync(Store& store);
  void drop_leases(const std::vector<Lease>& gone, std::string_view why);
  void sleep_for(std::chrono::milliseconds wait);
  void wake();

  const config::Config& config_;
  const envelope::SchemaSet& schemas_;
  std::function<void()> on_claimed_;
  std::vector<mqtt_client::Client*> brokers_;  // set before the pipeline exists
  const config::ShardMapWatch* shard_map_ = nullptr;
  std::unique_ptr<RelayMetrics> metrics_;
  metrics::DaemonMetrics* daemon_metrics_ = nullptr;

  std::mutex hooks_mutex_;  // pipeline_ creation against connected()/lost()
  std::vector<int> broker_connected_;  // shards whose connection came up before start()
  std::unique_ptr<Pipeline> pipeline_;

  // Written by the drain thread only (under fence_mutex_), read by the marker.
  Fence fence_;
  std::mutex fence_mutex_;
  std::mutex unflushed_mutex_;
  Outcomes unflushed_;                              // outcomes a failed write left, for the next flush
  std::unique_ptr<envelope::Validator> validator_;  // the drain thread's

  std::atomic<bool> marker_stop_{false};
  std::mutex marker_mutex_;
  std::condition_variable marker_cv_;

  std::atomic<bool> stopping_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
  std::thread thread_, housekeeping_thread_;
};

}  // namespace amo::relay
