#pragma once
// Every reason an ACL decision can give (DESIGN §3): one list for the log line, the
// `acl_denied` stats key and the test assertion.
#include "core/enum_list.h"
#include <cstddef>
#include <string_view>

namespace amo::acl {

#define AMO_ACL_STATUS(X)  \
  X(ok)                    \
  X(empty)                 \
  X(too_long)              \
  X(too_deep)              \
  X(nul)                   \
  X(bad_utf8)              \
  X(empty_level)           \
  X(bad_wildcard)          \
  X(sys_topic)             \
  X(control_topic)         \
  X(shared_subscription)   \
  X(wide_filter)           \
  X(other_tenant)          \
  X(other_user)            \
  X(not_member)            \
  X(inbound_only)          \
  X(retain_denied)         \
  X(qos_denied)            \
  X(not_allowed)

AMO_ENUM(Status, AMO_ACL_STATUS)

}  // namespace amo::acl
