#include "token-service/revoke/revoke_publisher.h"

#include "daemon/log/log.h"
#include "daemon/mqtt/client.h"

namespace amo::token_service {

RevokePublisher::RevokePublisher(std::vector<mqtt_client::Client*> brokers, ServiceMetrics& metrics)
    : brokers_(std::move(brokers)), metrics_(metrics) {}

bool RevokePublisher::send(int shard, const Revocation& r) {
  try {
    brokers_.at(static_cast<std::size_t>(shard))->publish(mqtt::make_message(kRevokeTopic, revoke_payload(r), 1, false));
  } catch (const mqtt::exception&) {
    return false;
  }
  metrics_.revocation(r.cause).inc();
  log::audit("revocation published user=" + r.user + " before=" + std::to_string(r.before) +
             " cause=" + std::string(name(r.cause)) + " shard=" + std::to_string(shard));
  return true;
}

void RevokePublisher::keep(int shard, const Revocation& r) {
  auto [it, fresh] = pending_.try_emplace({shard, r.user}, r);
  if (!fresh && it->second.before < r.before) it->second = r;
  metrics_.revocation_pending.set(static_cast<std::int64_t>(pending_.size()));
}

bool RevokePublisher::publish_to(int shard, const Revocation& r) {
  if (send(shard, r)) return true;
  std::lock_guard lock(mutex_);
  keep(shard, r);
  return false;
}

bool RevokePublisher::publish(const Revocation& r) {
  bool all = true;
  for (std::size_t shard = 0; shard < brokers_.size(); ++shard) all = publish_to(static_cast<int>(shard), r) && all;
  return all;
}

void RevokePublisher::flush() {
  decltype(pending_) todo;
  {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) return;
    todo.swap(pending_);
  }
  decltype(pending_) left;
  for (auto& [key, r] : todo)
    if (!send(key.first, r)) left.emplace(key, r);
  std::lock_guard lock(mutex_);
  for (auto& [key, r] : left) keep(key.first, r);
}

std::size_t RevokePublisher::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

}  // namespace amo::token_service
