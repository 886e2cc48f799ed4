#pragma once
// A browser's realtime client as deploy/web/app.js drives mqtt.js, for one user (MQTT v5 via
// Paho C++): on every (re)connect it fetches a fresh token from the token service with the
// portal session, connects (clean start) to the `broker_url` the answer names (ws:// as
// mqtt.js does, or tcp://), subscribes
// `amo/<amo>/user/<sub>/#`, then sends replay.request {"after": highest seq seen} and pages on
// while an answer is full; events from replay answers and live `.../events` are deduplicated
// by envelope `id`. A lost connection is retried after 1 s (mqtt.js' reconnectPeriod).
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace amo::scale_test {

class BrowserClient {
 public:
  struct Options {
    int token_port = 0;  // the token service's HTTP port (127.0.0.1)
    std::string session, amo, sub;
  };
  // What one connection did: the broker it went to and how it ended.
  struct Connection {
    std::string broker_url;
    bool lost = false;           // the broker closed it (not us)
    int disconnect_reason = -1;  // v5 DISCONNECT reason from the server, -1 if none came
    std::string cause;           // Paho's connection-lost cause
  };
  struct Snapshot {
    std::set<std::string> ids;  // distinct envelope ids delivered
    std::int64_t cursor = 0;    // highest seq seen
    std::size_t arrivals = 0, duplicates = 0, live = 0, replayed = 0, resets = 0, replays = 0;
    std::size_t token_failures = 0, connect_failures = 0;
    std::vector<Connection> connections;  // successful connects, in order
  };

  explicit BrowserClient(Options options);
  ~BrowserClient();
  BrowserClient(const BrowserClient&) = delete;
  BrowserClient& operator=(const BrowserClient&) = delete;

  Snapshot snapshot() const;
  // Sends another replay.request from the cursor on the current connection (false if none).
  bool replay_now();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amo::scale_test
