#include "core/stats/broker_stats.h"

namespace amo::stats {

AMO_ENUM_NAME(ConnectStatus, AMO_CONNECT_STATUS)

AMO_ENUM_NAME(KickReason, AMO_KICK_REASON)

namespace {
void field(std::string& out, std::string_view key, std::uint64_t v, bool& first) {
  if (!first) out += ',';
  first = false;
  out += '"';
  out += key;  // enum names: plain snake_case, nothing to escape
  out += "\":";
  out += std::to_string(v);
}

template <typename Enum, std::size_t N>
void nonzero(std::string& out, const std::array<std::uint64_t, N>& counts, bool& first) {
  for (std::size_t i = 0; i < N; ++i)
    if (counts[i] != 0) field(out, name(static_cast<Enum>(i)), counts[i], first);
}
}  // namespace

std::string to_json(const BrokerStats& s, std::uint64_t connections) {
  std::string out = "{";
  bool first = true;
  field(out, "connections", connections, first);
  field(out, "auth_ok", s.auth_ok, first);
  out += ",\"auth_denied\":{";
  first = true;
  nonzero<token::Status>(out, s.auth_denied_token, first);
  nonzero<ConnectStatus>(out, s.auth_denied_connect, first);
  out += "},\"acl_denied\":{";
  first = true;
  nonzero<acl::Status>(out, s.acl_denied, first);
  out += '}';
  first = false;
  field(out, "schema_rejected", s.schema_rejected, first);
  field(out, "rate_dropped", s.rate_dropped, first);
  out += ",\"kicked\":{";
  first = true;
  for (std::size_t i = 0; i < kKickReasonCount; ++i)
    field(out, name(static_cast<KickReason>(i)), s.kicked[i], first);
  out += "}}";
  return out;
}

}  // namespace amo::stats
