#pragma once
// The peer: a raw Paho MQTT C++ publisher with no database behind it, MQTT v5, QoS 1, no
// persistence — what the relay would be if reading and marking Postgres cost nothing. It
// publishes envelopes shaped like the relay's (the compact realtime_emit notification with
// `seq` appended, the id also as user property `id`) to amo/<tenant>/broadcast/events.
#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace amo::bench_relay {

class RawPublisher : private mqtt::iaction_listener {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int port = 0;
    std::string client_id, username, password;
    std::vector<std::string> tenants;
  };

  explicit RawPublisher(Options options);
  ~RawPublisher() override;
  RawPublisher(const RawPublisher&) = delete;
  RawPublisher& operator=(const RawPublisher&) = delete;

  // The relay's drain: `per_tenant` rows for each tenant, one unacked publish per tenant at a
  // time (the next goes on its PUBACK), so tenants.size() in flight. Returns once every
  // publish is acknowledged, or throws on a failure or after `timeout`.
  void drain(std::int64_t per_tenant, std::chrono::seconds timeout);
  // One publish for tenants[i % tenants] without waiting (paced by the caller); the envelope
  // id it carries is returned.
  std::string publish_next(std::size_t i);
  // Waits until every publish so far is acknowledged.
  bool wait_acked(std::chrono::milliseconds timeout) const;

 private:
  std::string envelope(std::size_t tenant, std::int64_t seq, std::string& id_out);
  std::string send(std::size_t tenant);  // the tenant's next seq; returns the envelope id
  void on_success(const mqtt::token& tok) override;
  void on_failure(const mqtt::token& tok) override;

  Options options_;
  std::unique_ptr<mqtt::async_client> client_;
  std::vector<std::int64_t> next_seq_;  // per tenant, of the next publish
  std::atomic<std::int64_t> per_tenant_{0};  // drain(): a tenant's next goes out on its PUBACK
  std::atomic<std::uint64_t> sent_{0}, acked_{0}, failed_{0};
  std::mutex rng_mutex_;
  std::uint64_t rng_;
};

}  // namespace amo::bench_relay
