#pragma once
// What a caller may read from the outbox (DESIGN §3, §6): its own user topic, each of its
// threads' topics and its tenant's broadcast — the outbound …/events topics its connect
// token could subscribe to. Inbound topics (chat, read, typing, cmd/replay) never reach
// the outbox (the drain dead-letters them). Pure.
#include <string>
#include <string_view>
#include <vector>

namespace amo::relay {

struct Scope {
  std::string amo;
  std::string user;
  std::vector<std::string> topics;  // sorted, exact topic names

  bool allows(std::string_view topic) const noexcept;
};

Scope make_scope(std::string amo, std::string user, const std::vector<std::string>& threads);

}  // namespace amo::relay
