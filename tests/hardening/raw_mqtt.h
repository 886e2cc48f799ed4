#pragma once
// MQTT v5 over a plain socket, for attack traffic a library client would not send at a
// fixed rate cheaply: one CONNECT and its CONNACK, or a session that subscribes and then
// never reads another byte.
#include <chrono>
#include <string>

namespace amo::hardening {

// CONNECT (v5, clean start, username + password) and the CONNACK's reason code; -1 if the
// broker closed or did not answer within `timeout`.
int raw_connect(int port, const std::string& client_id, const std::string& password,
                std::chrono::milliseconds timeout);

// Connects, subscribes to `filter` at QoS 1 and from then on never reads: the broker's
// queue for it fills up while the kernel buffers (kept small) stay full.
class StalledSubscriber {
 public:
  StalledSubscriber(int port, const std::string& client_id, const std::string& password, const std::string& filter);
  ~StalledSubscriber();
  StalledSubscriber(const StalledSubscriber&) = delete;
  StalledSubscriber& operator=(const StalledSubscriber&) = delete;
  int connack() const { return connack_; }
  int suback() const { return suback_; }

 private:
  int fd_ = -1;
  int connack_ = -1, suback_ = -1;
};

}  // namespace amo::hardening
