#pragma once
// The daemons' MQTT connection (DESIGN §8): Paho MQTT C++ async, MQTT v5, no Paho
// persistence (Postgres is the only durable buffer), client id = the service token's `cid`,
// the token re-read or re-minted at every reconnect (so Paho's own auto-reconnect, which
// would resend a stale password, is not used: a thread of ours reconnects with backoff).
// A daemon has one Client per broker shard (DESIGN §9); callbacks say which shard.
#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/config/shard_map.h"

namespace amo::metrics {
class Counter;
class Gauge;
}  // namespace amo::metrics

namespace amo::mqtt_client {

struct Options {
  std::string daemon;  // "amo-relay" / "amo-token-service": token `sub` and MQTT user name
  bool clean_start = true;
  // With clean_start false: the session expiry asked of the broker, so subscriptions and
  // QoS 1 messages survive our reconnects.
  std::chrono::seconds session_expiry{0};
  // (Re)subscribed after every connect that found no session on the broker.
  std::vector<std::pair<std::string, int>> subscriptions;
  int max_buffered = 10000;  // Paho's queue of in-flight publishes (its default of 100 is too small)
  std::chrono::milliseconds backoff_min{200}, backoff_max{10000};
  // On Paho's thread: hand work off.
  std::function<void(int shard, mqtt::const_message_ptr)> on_message;
  std::function<void(int shard)> on_connected;  // after subscriptions are in place
  std::function<void(int shard)> on_lost;
  metrics::Counter* reconnects = nullptr;  // amo_mqtt_reconnects_total
  metrics::Gauge* up = nullptr;            // amo_mqtt_up: broker connections up, one per shard
};

class Client : private mqtt::callback {
 public:
  // `shard`: its index in the shard map and the broker it connects to.
  Client(const config::Config& config, int shard, const config::Shard& broker, Options options);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts the connect/reconnect thread; returns at once.
  void start();
  // Disconnects and joins. Idempotent.
  void stop();
  bool connected() const noexcept { return connected_.load(); }
  // Publishes through the current connection; throws mqtt::exception when not connected.
  mqtt::delivery_token_ptr publish(mqtt::message_ptr message);
  // The same, with Paho's listener told of the PUBACK (or the refusal) with `context`.
  mqtt::delivery_token_ptr publish(mqtt::message_ptr message, void* context, mqtt::iaction_listener& listener);
  const std::string& client_id() const noexcept { return cid_; }
  int shard() const noexcept { return shard_; }

 private:
  void run();
  bool connect_once();
  void connection_lost(const std::string& cause) override;
  void message_arrived(mqtt::const_message_ptr msg) override;

  void set_up(bool up);

  const config::Config& config_;
  const int shard_;
  Options options_;
  std::string uri_;
  std::string cid_;
  std::mutex mutex_;  // guards client_
  std::shared_ptr<mqtt::async_client> client_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopping_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool lost_ = false;
  std::thread thread_;
};

}  // namespace amo::mqtt_client
