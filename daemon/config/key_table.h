#pragma once
// keys.h as data: the loader walks this table to check a file's keys, set Config's members,
// record their source and name their environment variables, so a new key is one line in
// keys.h and nothing else.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/config/config.h"

namespace amo::config {

// The member a key fills; its alternative is the key's type (str, int, bool).
using Member = std::variant<std::string Config::*, std::int64_t Config::*, bool Config::*>;

struct KeyInfo {
  std::string_view name;
  Member member;
  Source Config::Sources::*source;
  unsigned used_by;      // bits of programs_of()
  unsigned required_by;  // bits of programs_of()
};

std::span<const KeyInfo> all_keys() noexcept;
const KeyInfo* find_key(std::string_view name) noexcept;  // nullptr for a name not in keys.h

// keys.h's R / T / M as bits: the program itself, plus for migrate nothing else (migrate reads
// the relay's [relay] table, but uses only keys marked M).
unsigned program_bit(Program program) noexcept;
unsigned relay_table_bits() noexcept;          // R | M: the programs that read [relay]
unsigned token_service_table_bits() noexcept;  // T: the program that reads [token_service]
inline bool used_by(const KeyInfo& key, Program program) noexcept {
  return (key.used_by & program_bit(program)) != 0;
}
inline bool required_by(const KeyInfo& key, Program program) noexcept {
  return (key.required_by & program_bit(program)) != 0;
}

// AMO_RT_<KEY>: "batch_size" → "AMO_RT_BATCH_SIZE".
inline constexpr std::string_view kEnvPrefix = "AMO_RT_";
std::string env_name(std::string_view key);

}  // namespace amo::config
