#include "core/ids.h"

namespace amo {
namespace {
constexpr bool is_alnum(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
template <typename Pred>
bool all_of(std::string_view s, std::size_t min, std::size_t max, Pred ok) noexcept {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s)
    if (!ok(c)) return false;
  return true;
}
}  // namespace

bool is_valid_id(std::string_view s) noexcept {
  return all_of(s, 1, 64, [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_valid_cid(std::string_view s) noexcept {
  return all_of(s, 1, 128, [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == ':'; });
}

bool is_valid_client_msg_id(std::string_view s) noexcept {
  return all_of(s, 8, 64, [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_valid_jti(std::string_view s) noexcept {
  return all_of(s, 22, 128, [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

}  // namespace amo
