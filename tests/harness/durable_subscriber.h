#pragma once
// A durable MQTT v5 subscriber for fault tests: clean start false with a session expiry, so
// the broker queues QoS 1 messages while it is away; it reconnects by itself (with a fresh
// password from `password()` each time, as tokens expire) and records the envelope `id` and
// `seq` of every message it gets, duplicates included, for the final count.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace amo::harness {

class DurableSubscriber {
 public:
  struct Record {
    std::string topic, id;  // id: the envelope's, empty if the payload had none
    std::int64_t seq = -1;  // -1 if the payload had none
  };
  struct Options {
    int port = 0;
    std::string client_id{};
    std::function<std::string()> password{};  // called before every connect
    std::vector<std::string> filters{};     // subscribed at QoS 1 after every connect
    std::chrono::seconds session_expiry{3600};
  };

  explicit DurableSubscriber(Options options);
  ~DurableSubscriber();
  DurableSubscriber(const DurableSubscriber&) = delete;
  DurableSubscriber& operator=(const DurableSubscriber&) = delete;

  bool wait_connected(std::chrono::milliseconds timeout) const;
  bool connected() const;
  // True once at least n messages (duplicates included) arrived.
  bool wait_count(std::size_t n, std::chrono::milliseconds timeout) const;
  // True once at least n distinct envelope ids arrived.
  bool wait_distinct(std::size_t n, std::chrono::milliseconds timeout) const;
  std::vector<Record> records() const;
  std::set<std::string> ids() const;
  std::size_t connects() const;  // successful CONNACKs so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amo::harness
