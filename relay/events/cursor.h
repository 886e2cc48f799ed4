#pragma once
// Where an SSE stream or an MQTT replay starts (DESIGN §6), from the caller's cursor and the
// tenant's latest and oldest kept seq. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace amo::relay {

struct Cursor {
  enum class Kind { none, valid, bad } kind = Kind::none;
  std::int64_t seq = 0;
};

// Absent or empty → none; only decimal digits up to 2^63-1 → valid; anything else → bad.
Cursor parse_cursor(std::optional<std::string_view> text) noexcept;

struct Start {
  enum class Kind { live, resume, reset } kind = Kind::live;
  std::int64_t after = 0;  // deliver seq > after (for reset: the latest, sent as its id)
  std::string reason;      // reset only
};

// latest: the tenant's latest seq (0 if none); oldest: its oldest kept seq (nullopt if no row
// is kept). A cursor above latest, or below oldest - 1 (expired by retention), or not a
// non-negative integer resets; none starts live at latest.
Start decide_start(const Cursor& cursor, std::int64_t latest, std::optional<std::int64_t> oldest);

}  // namespace amo::relay
