#pragma once
// The ACL decision of DESIGN §3 for roles `user` and `service`: subscribe (raw filter,
// `$share/<group>/` included), read (every delivery) and write. Allocation-free.
#include <span>
#include <string>
#include <string_view>

#include "core/acl/status.h"
#include "core/enum_list.h"
#include "core/identity.h"

namespace amo::acl {

#define AMO_ACL_ACCESS(X) \
  X(subscribe)            \
  X(read)                 \
  X(write)

AMO_ENUM(Access, AMO_ACL_ACCESS)

// From a verified token. Ids are compared as exact level strings, never pattern-matched.
struct Subject {
  std::string_view amo;
  std::string_view sub;
  std::span<const std::string> threads;
  amo::Role role = amo::Role::user;
};

// ok, or the one reason for denial. Grammar is checked first for every role. Decisions:
// - user subscribe: user_filter_subset (filter_subset.h).
// - user read: inside the user, thread (member) or broadcast namespace, except exactly
//   `amo/{amo}/thread/{t}/chat` and `.../read` (inbound_only); their subtopics are readable.
// - user write: exactly `amo/{amo}/thread/{t}/chat|typing|read` (member) or
//   `amo/{amo}/user/{sub}/cmd/replay`; then retain_denied, then qos_denied unless QoS 0/1.
// - service: everything under `amo/#` (subscribe also `$share/<group>/amo/...`, group an exact
//   level), write `$CONTROL/amo-realtime/v1/<cmd>...`, subscribe/read only the subtree
//   `$SYS/broker/amo-realtime/#`. QoS 2 and retain allowed.
// `$SYS`, `$CONTROL`, `$share` as first level deny with sys_topic, control_topic,
// shared_subscription; a wildcard where an exact level is needed with wide_filter.
Status check(const Subject& subject, Access access, std::string_view topic, int qos = 0,
             bool retain = false) noexcept;

}  // namespace amo::acl
