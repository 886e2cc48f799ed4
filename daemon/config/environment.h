#pragma once
// The environment's part of the configuration (DESIGN §8): AMO_RT_<KEY> values, parsed per
// the key's type, and the names of AMO_RT_* variables, which must each name a key.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "daemon/config/config.h"

namespace amo::config {

// Decimal only ("-" allowed, so a negative value gets the range message, not a type one).
std::optional<std::int64_t> parse_env_int(std::string_view s) noexcept;
// true / false / 1 / 0.
std::optional<bool> parse_env_bool(std::string_view s) noexcept;

// The first AMO_RT_* name among `names` (every variable of the environment) that names no key
// of keys.h — used by a program or not, so one environment can serve both daemons — as an
// Error keyed by the variable. Strict like the file: a misspelt AMO_RT_DATABSE_URL would
// otherwise leave its key silently at the file's value. Nothing in this repository sets
// AMO_RT_* for another purpose (scripts/demo reads web_root, itself a key), so strictness
// costs no legitimate use; an operator with a stray variable gets one line naming it.
std::optional<Error> unknown_env_variable(std::span<const std::string> names);

}  // namespace amo::config
