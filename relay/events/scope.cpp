#include "relay/events/scope.h"

#include <algorithm>

namespace amo::relay {

bool Scope::allows(std::string_view topic) const noexcept {
  return std::binary_search(topics.begin(), topics.end(), topic, std::less<>());
}

Scope make_scope(std::string amo, std::string user, const std::vector<std::string>& threads) {
  Scope s;
  const std::string base = "amo/" + amo + "/";
  s.topics.push_back(base + "user/" + user + "/events");
  s.topics.push_back(base + "broadcast/events");
  for (const auto& t : threads) s.topics.push_back(base + "thread/" + t + "/events");
  std::sort(s.topics.begin(), s.topics.end());
  s.topics.erase(std::unique(s.topics.begin(), s.topics.end()), s.topics.end());
  s.amo = std::move(amo);
  s.user = std::move(user);
  return s;
}

}  // namespace amo::relay
