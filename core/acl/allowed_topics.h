#pragma once
// The topic lists a `user` connect token opens (DESIGN §3), spelled out from its claims: what
// the token service answers as `topics` (§7), so a page knows exactly what the plugin will
// allow. check() (check.h) stays the one decision; tests hold these lists against it.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amo::acl {

struct AllowedTopics {
  // amo/{amo}/user/{sub}/#, amo/{amo}/thread/{t}/# for each t, amo/{amo}/broadcast/#
  std::vector<std::string> subscribe;
  // amo/{amo}/thread/{t}/chat|typing|read for each t, amo/{amo}/user/{sub}/cmd/replay
  std::vector<std::string> publish;
};

// Threads in the order given. The ids are taken as they are: the caller has checked them
// (DESIGN §2 id grammar), as the verifier does for a token's claims.
AllowedTopics allowed_topics(std::string_view amo, std::string_view sub, std::span<const std::string> threads);

}  // namespace amo::acl
