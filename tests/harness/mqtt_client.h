#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace amo::harness {

struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string client_id{};  // empty = a unique generated id
  std::string username = "u";
  std::string password{};
  int mqtt_version = 5;                     // 5, or 4 for MQTT 3.1.1 (Paho's numbering; 3 = 3.1)
  bool clean = true;                        // clean start (v5) / clean session (v3)
  int session_expiry = 0;                   // v5 only, seconds
  std::chrono::milliseconds timeout{5000};  // per operation
};

// A synchronous MQTT 3.1.1/5 test client (libmosquitto, own network thread, no reconnect).
// Refusals are return values, never exceptions.
class TestClient {
 public:
  struct Received {
    std::string topic, payload;
    int qos = 0;
    bool retained = false;
    std::map<std::string, std::string> user_props;
    std::string correlation_data;
  };

  explicit TestClient(ClientOptions options);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // CONNACK reason code: 0 ok, v5 codes (0x86, 0x87, 0x97…), v3.1.1 return codes 1..5;
  // negative for a transport failure or timeout (no CONNACK at all).
  int connect();
  // SUBACK code per filter (granted QoS 0..2, or >= 0x80); negative codes on failure/timeout.
  std::vector<int> subscribe(std::vector<std::string> filters, int qos = 1);
  // PUBACK reason code (v5: 0 ok, 0x87 not authorized…), 0 for QoS 0 or v3 once sent,
  // negative on failure or timeout.
  int publish(std::string topic, std::string payload, int qos = 1, bool retain = false,
              std::map<std::string, std::string> user_props = {}, std::string correlation_data = {});
  // Waits until at least n messages are queued; returns (and removes) what arrived, maybe fewer.
  std::vector<Received> wait_messages(std::size_t n, std::chrono::milliseconds timeout);
  std::vector<Received> take_messages();
  bool wait_disconnected(std::chrono::milliseconds timeout);
  bool connected() const;
  // v5 reason code (>= 0x80) of a server DISCONNECT, -1 if none arrived (2.0.11 closes the
  // socket without one on a session takeover).
  int disconnect_reason() const;
  void disconnect();
  const std::string& client_id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amo::harness
