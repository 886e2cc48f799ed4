#pragma once
// Pure: renders one log line, redacted, in the text or the JSON form (DESIGN §8). log.cpp's
// spdlog formatter calls it for every line, whoever wrote it.
#include <chrono>
#include <string>
#include <string_view>

#include "daemon/log/log.h"

namespace amo::log {

struct Line {
  std::chrono::system_clock::time_point time;
  Level level = Level::info;
  std::string_view daemon;
  std::string_view message;  // as written: render() redacts it
  bool audit = false;
};

std::string_view level_name(Level level) noexcept;

// Appends the line and its '\n' to `out`. Text: `2026-11-29T10:00:00.123Z info amo-relay: msg`,
// control characters escaped so one record stays one line. JSON: `{"ts":…,"level":…,
// "daemon":…,"msg":…}` (+ `"audit":true`), valid JSON whatever bytes the message holds.
void render(const Line& line, bool json, std::string& out);

// `2026-11-29T10:00:00.123Z` (UTC, milliseconds).
void append_timestamp(std::chrono::system_clock::time_point time, std::string& out);
// The contents of a JSON string (no quotes): `"` `\` and control characters escaped, invalid
// UTF-8 replaced by U+FFFD.
void append_json_escaped(std::string_view text, std::string& out);

}  // namespace amo::log
