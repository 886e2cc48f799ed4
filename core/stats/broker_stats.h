#pragma once
// The one list of broker-side counters (DESIGN §3 "Stats"). Reason keys are the names of
// the status enums that produced them, so log lines, stats and tests say the same word.
#include "core/enum_list.h"
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/acl/status.h"
#include "core/token/status.h"

namespace amo::stats {

// Connection refusals that are not about the token itself.
#define AMO_CONNECT_STATUS(X) \
  X(ok)                       \
  X(no_token)                 \
  X(no_tick)                  \
  X(client_id_mismatch)       \
  X(client_id_in_use)         \
  X(revoked)                  \
  X(user_cap)                 \
  X(tenant_cap)

AMO_ENUM(ConnectStatus, AMO_CONNECT_STATUS)

#define AMO_KICK_REASON(X) \
  X(expired)               \
  X(revoked)               \
  X(abuse)

AMO_ENUM(KickReason, AMO_KICK_REASON)

inline constexpr std::size_t kTokenStatusCount = count(token::Status{});
inline constexpr std::size_t kAclStatusCount = count(acl::Status{});
inline constexpr std::size_t kConnectStatusCount = count(ConnectStatus{});
inline constexpr std::size_t kKickReasonCount = count(KickReason{});

struct BrokerStats {
  std::uint64_t auth_ok = 0;
  std::array<std::uint64_t, kTokenStatusCount> auth_denied_token{};
  std::array<std::uint64_t, kConnectStatusCount> auth_denied_connect{};
  std::array<std::uint64_t, kAclStatusCount> acl_denied{};
  std::uint64_t schema_rejected = 0;
  std::uint64_t rate_dropped = 0;
  std::array<std::uint64_t, kKickReasonCount> kicked{};

  void denied(token::Status s) noexcept { ++auth_denied_token[static_cast<std::size_t>(s)]; }
  void denied(ConnectStatus s) noexcept { ++auth_denied_connect[static_cast<std::size_t>(s)]; }
  void denied(acl::Status s) noexcept { ++acl_denied[static_cast<std::size_t>(s)]; }
  void kick(KickReason r) noexcept { ++kicked[static_cast<std::size_t>(r)]; }
};

// The `$SYS/broker/amo-realtime/stats` document of DESIGN §3. Reasons with a zero count
// are left out of `auth_denied` and `acl_denied`; `kicked` always has its three keys.
std::string to_json(const BrokerStats& s, std::uint64_t connections);

}  // namespace amo::stats
