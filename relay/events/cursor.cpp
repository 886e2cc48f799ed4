#include "relay/events/cursor.h"

#include <limits>

namespace amo::relay {

Cursor parse_cursor(std::optional<std::string_view> text) noexcept {
  if (!text || text->empty()) return {};
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t v = 0;
  for (const char c : *text) {
    if (c < '0' || c > '9') return {Cursor::Kind::bad, 0};
    const int d = c - '0';
    if (v > (kMax - d) / 10) return {Cursor::Kind::bad, 0};
    v = v * 10 + d;
  }
  return {Cursor::Kind::valid, v};
}

Start decide_start(const Cursor& cursor, std::int64_t latest, std::optional<std::int64_t> oldest) {
  switch (cursor.kind) {
    case Cursor::Kind::none:
      return {Start::Kind::live, latest, {}};
    case Cursor::Kind::bad:
      return {Start::Kind::reset, latest, "cursor is not a non-negative integer"};
    case Cursor::Kind::valid:
      break;
  }
  if (cursor.seq > latest) return {Start::Kind::reset, latest, "cursor is ahead of the latest event"};
  // Every seq up to latest was pruned when no row is kept.
  const std::int64_t first_kept = oldest.value_or(latest + 1);
  if (cursor.seq < first_kept - 1) return {Start::Kind::reset, latest, "cursor is older than the kept history"};
  return {Start::Kind::resume, cursor.seq, {}};
}

}  // namespace amo::relay
