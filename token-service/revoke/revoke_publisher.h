#pragma once
// Sends revocations to the brokers on $CONTROL/amo-realtime/v1/revoke (DESIGN §3, §7), QoS 1,
// through the daemon's MQTT connections: to every broker shard (a user's sessions may be on
// any shard its tenant was on), or to one shard (a moved tenant's users, kicked from the shard
// it left, DESIGN §9). What a broker cannot take now (disconnected, Paho's buffer full) waits —
// the newest `before` per shard and user — and goes out at the next flush().
// Thread-safe: the revocation poll, POST /api/realtime/revoke and the move kicks all publish.
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "token-service/revoke/revocation_state.h"
#include "token-service/service_metrics.h"

namespace amo::mqtt_client {
class Client;
}

namespace amo::token_service {

inline constexpr const char* kRevokeTopic = "$CONTROL/amo-realtime/v1/revoke";

class RevokePublisher {
 public:
  // One connection per shard, indexed as the shard map's shards.
  RevokePublisher(std::vector<mqtt_client::Client*> brokers, ServiceMetrics& metrics);

  // To every shard. True if every broker took it now (else the rest wait for flush()).
  bool publish(const Revocation& r);
  // To one shard.
  bool publish_to(int shard, const Revocation& r);
  void flush();
  std::size_t pending() const;

 private:
  bool send(int shard, const Revocation& r);
  void keep(int shard, const Revocation& r);  // under mutex_

  std::vector<mqtt_client::Client*> brokers_;
  ServiceMetrics& metrics_;
  mutable std::mutex mutex_;
  std::map<std::pair<int, std::string>, Revocation> pending_;  // (shard, user)
};

}  // namespace amo::token_service
