#include "daemon/config/key_table.h"

#include <algorithm>

namespace amo::config {

namespace {

// The bit names keys.h writes in its used_by / required_by columns; only here.
namespace bits {
constexpr unsigned R = 1, T = 2, M = 4;
}  // namespace bits

#define AMO_CONFIG_KEY_INFO_(name, type, def, used, required) \
  KeyInfo{#name, Member{&Config::name}, &Config::Sources::name, (used), (required)},

using namespace bits;
constexpr KeyInfo kKeys[] = {AMO_CONFIG_KEYS(AMO_CONFIG_KEY_INFO_)};
#undef AMO_CONFIG_KEY_INFO_

}  // namespace

std::span<const KeyInfo> all_keys() noexcept {
  return kKeys;
}

const KeyInfo* find_key(std::string_view name) noexcept {
  const auto* it = std::find_if(std::begin(kKeys), std::end(kKeys), [&](const KeyInfo& k) { return k.name == name; });
  return it == std::end(kKeys) ? nullptr : it;
}

unsigned program_bit(Program program) noexcept {
  switch (program) {
    case Program::relay:
      return bits::R;
    case Program::token_service:
      return bits::T;
    case Program::migrate:
      return bits::M;
  }
  return 0;
}

unsigned relay_table_bits() noexcept {
  return bits::R | bits::M;
}

unsigned token_service_table_bits() noexcept {
  return bits::T;
}

std::string env_name(std::string_view key) {
  std::string out(kEnvPrefix);
  for (char c : key) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace amo::config
