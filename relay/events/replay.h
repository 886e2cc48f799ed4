#pragma once
// MQTT replay (DESIGN §6): a user's replay.request on amo/{amo}/user/{sub}/cmd/replay, as the
// plugin stamped it (sender, amo and the token's threads are the server's), reaches one relay
// through $share/relay/amo/+/user/+/cmd/replay; the relay answers on
// amo/{amo}/user/{sub}/replay with at most 500 missed envelopes in seq order, then
// replay.done {"last"} — or reset for a cursor SSE would reset — echoing the request's
// correlation data. Requests are answered off Paho's thread, in arrival order, on the broker
// shard they came from (DESIGN §9).
#include <mqtt/async_client.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/metrics/registry.h"

namespace amo::mqtt_client {
class Client;
}

namespace amo::relay {

inline constexpr const char* kReplayFilter = "$share/relay/amo/+/user/+/cmd/replay";
inline constexpr int kReplayMaxEvents = 500;

class Replay {
 public:
  Replay(const config::Config& config, metrics::Registry& registry);
  ~Replay();
  void start(const std::vector<mqtt_client::Client*>& brokers);
  void stop();
  // On Paho's thread: queues the request (up to 10,000; more are dropped and counted).
  void on_message(int shard, mqtt::const_message_ptr message);

 private:
  void run();

  const config::Config& config_;
  metrics::Counter& answered_;
  metrics::Counter& refused_;
  metrics::Counter& dropped_;
  std::vector<mqtt_client::Client*> brokers_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<int, mqtt::const_message_ptr>> queue_;  // (shard, request)
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace amo::relay
