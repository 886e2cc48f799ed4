#pragma once
// The bench's QoS 1 subscriber to amo/# (MQTT v5, libmosquitto, its own network thread): it
// counts what arrives and checks, per tenant, that `seq` goes 1, 2, 3… with no gap, repeat or
// reordering while the peers run at full speed. The tenant comes from the topic
// (amo/<tenant>/…), `seq` from the payload's last "seq": (where the relay appends it, and the
// raw publisher too). Optionally it keeps (envelope id, receive time) for latency.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;

namespace amo::bench_relay {

class CheckingSubscriber {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int port = 0;
    std::string client_id, username, password;
    bool keep_arrivals = false;  // (id, time) per message, for latency
  };
  struct Tally {
    std::uint64_t received = 0;     // messages, duplicates included
    std::uint64_t bytes = 0;        // payload bytes
    std::uint64_t out_of_order = 0;  // seq other than the tenant's previous + 1 (gap or reorder)
    std::uint64_t repeated = 0;      // seq at or below one already seen for the tenant
    std::uint64_t unparsed = 0;      // no tenant in the topic or no seq in the payload
    std::size_t tenants = 0;
  };

  explicit CheckingSubscriber(Options options);
  ~CheckingSubscriber();
  CheckingSubscriber(const CheckingSubscriber&) = delete;
  CheckingSubscriber& operator=(const CheckingSubscriber&) = delete;

  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  // Time the n-th message arrived, once received() ≥ n; waits up to `timeout` for it.
  bool wait_received(std::uint64_t n, std::chrono::milliseconds timeout) const;
  Clock::time_point last_arrival() const;
  Tally tally() const;
  // Highest seq seen per tenant.
  std::unordered_map<std::string, std::int64_t> highest() const;
  std::vector<std::pair<std::string, Clock::time_point>> arrivals() const;
  bool connected() const { return connected_.load(); }

 private:
  static void on_connect(mosquitto* m, void* self, int rc, int flags, const mqtt5__property* props);
  static void on_subscribe(mosquitto* m, void* self, int mid, int count, const int* granted,
                           const mqtt5__property* props);
  static void on_disconnect(mosquitto* m, void* self, int rc, const mqtt5__property* props);
  static void on_message(mosquitto* m, void* self, const mosquitto_message* msg, const mqtt5__property* props);
  void record(const mosquitto_message* msg, const mqtt5__property* props);

  Options options_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<std::uint64_t> received_{0};
  mutable std::mutex mutex_;  // what the network thread writes, read by the bench
  Tally tally_;
  std::unordered_map<std::string, std::int64_t> last_seq_;
  std::vector<std::pair<std::string, Clock::time_point>> arrivals_;
  Clock::time_point last_arrival_{};
};

}  // namespace amo::bench_relay
