#include "token-service/revoke/revoke_publisher.h"

#include "daemon/log/log.h"
#include "daemon/mqtt/client.h"

namespace amo::token_service {

RevokePublisher::RevokePublisher(mqtt_client::Client& mqtt, ServiceMetrics& metrics) : mqtt_(mqtt), metrics_(metrics) {}

bool RevokePublisher::send(const Revocation& r) {
  try {
    mqtt_.publish(mqtt::make_message(kRevokeTopic, revoke_payload(r), 1, false));
  } catch (const mqtt::exception&) {
    return false;
  }
  metrics_.revocation(r.cause).inc();
  log::audit("revocation published user=" + r.user + " before=" + std::to_string(r.before) +
             " cause=" + std::string(name(r.cause)));
  return true;
}

bool RevokePublisher::publish(const Revocation& r) {
  if (send(r)) return true;
  std::lock_guard lock(mutex_);
  auto [it, fresh] = pending_.emplace(r.user, r);
  if (!fresh && it->second.before < r.before) it->second = r;
  metrics_.revocation_pending.set(static_cast<std::int64_t>(pending_.size()));
  return false;
}

void RevokePublisher::flush() {
  std::map<std::string, Revocation> todo;
  {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) return;
    todo.swap(pending_);
  }
  std::map<std::string, Revocation> left;
  for (auto& [user, r] : todo) {
    if (!send(r)) left.emplace(user, r);
  }
  std::lock_guard lock(mutex_);
  for (auto& [user, r] : left) {
    auto [it, fresh] = pending_.emplace(user, r);
    if (!fresh && it->second.before < r.before) it->second = r;
  }
  metrics_.revocation_pending.set(static_cast<std::int64_t>(pending_.size()));
}

std::size_t RevokePublisher::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

}  // namespace amo::token_service
