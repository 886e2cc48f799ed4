#include "daemon/config/environment.h"

#include <charconv>

#include "daemon/config/key_table.h"

namespace amo::config {

std::optional<std::int64_t> parse_env_int(std::string_view s) noexcept {
  const std::size_t digits_from = s.starts_with('-') ? 1 : 0;
  if (s.size() == digits_from) return std::nullopt;
  for (std::size_t i = digits_from; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;  // no "+", blanks, hex or exponents
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_env_bool(std::string_view s) noexcept {
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  return std::nullopt;
}

std::optional<Error> unknown_env_variable(std::span<const std::string> names) {
  for (const std::string& name : names) {
    if (!name.starts_with(kEnvPrefix)) continue;
    bool known = false;
    for (const KeyInfo& key : all_keys()) known = known || env_name(key.name) == name;
    if (!known) return Error{name, "names no configuration key (AMO_RT_<KEY> with a key of DESIGN §8)"};
  }
  return std::nullopt;
}

}  // namespace amo::config
