#pragma once
// The query of GET /api/events/history (DESIGN §6), checked strictly: every parameter known,
// none twice, after a non-negative integer, limit 1..500, filters short ids, since/until
// RFC 3339. Pure.
#include <optional>
#include <string>
#include <string_view>

#include "relay/events/events_sql.h"

namespace amo::relay {

struct HistoryParams {
  HistoryQuery query;  // amo and topics left for the caller's scope
  std::string error;   // non-empty: answer 400 with it
};

HistoryParams parse_history_params(std::string_view raw_query);

// YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), with plausible field ranges.
bool is_rfc3339(std::string_view s) noexcept;

}  // namespace amo::relay
