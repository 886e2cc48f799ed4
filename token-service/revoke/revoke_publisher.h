#pragma once
// Sends revocations to the broker on $CONTROL/amo-realtime/v1/revoke (DESIGN §3, §7), QoS 1,
// through the daemon's MQTT connection. What the broker cannot take now (disconnected, Paho's
// buffer full) waits — the newest `before` per user — and goes out at the next flush().
// Thread-safe: the revocation poll and POST /api/realtime/revoke both publish.
#include <map>
#include <mutex>
#include <string>

#include "token-service/revoke/revocation_state.h"
#include "token-service/service_metrics.h"

namespace amo::mqtt_client {
class Client;
}

namespace amo::token_service {

inline constexpr const char* kRevokeTopic = "$CONTROL/amo-realtime/v1/revoke";

class RevokePublisher {
 public:
  RevokePublisher(mqtt_client::Client& mqtt, ServiceMetrics& metrics);

  // True if the broker connection took it now (else it waits for flush()).
  bool publish(const Revocation& r);
  void flush();
  std::size_t pending() const;

 private:
  bool send(const Revocation& r);

  mqtt_client::Client& mqtt_;
  ServiceMetrics& metrics_;
  mutable std::mutex mutex_;
  std::map<std::string, Revocation> pending_;
};

}  // namespace amo::token_service
