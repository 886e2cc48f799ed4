#pragma once
// The daemons' one logger (spdlog underneath, kept out of this header): JSON lines in
// production, text in development. Every line, whoever wrote it, passes redact() first, so
// bearer tokens, `token=` values, cookies and connection-string passwords never reach it.
#include <string_view>

namespace amo::log {

enum class Level { debug, info, warning, error };

struct Options {
  Level level = Level::info;
  bool json = false;         // true under APP_ENV=production
  std::string_view daemon;   // "amo-relay" / "amo-token-service": the "daemon" field of every line
};

// Installs the process-wide logger (stderr). Safe to call again (tests, re-configuration).
void init(const Options& options);
// Parses "debug" | "info" | "warning" | "error".
bool parse_level(std::string_view text, Level& out) noexcept;

void write(Level level, std::string_view message);
inline void debug(std::string_view m) { write(Level::debug, m); }
inline void info(std::string_view m) { write(Level::info, m); }
inline void warning(std::string_view m) { write(Level::warning, m); }
inline void error(std::string_view m) { write(Level::error, m); }
// Security events (DESIGN §8): an info line whose JSON form carries "audit":true.
void audit(std::string_view message);

}  // namespace amo::log
