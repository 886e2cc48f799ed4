#include "daemon/http/request_id.h"

#include <algorithm>
#include <random>

namespace amo::http {

bool is_sane_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

RequestIds::RequestIds() {
  std::random_device rd;
  prefix_ = static_cast<std::uint64_t>(rd()) << 32;
  counter_.store(rd(), std::memory_order_relaxed);
}

std::string RequestIds::next() {
  const std::uint64_t v = prefix_ | counter_.fetch_add(1, std::memory_order_relaxed);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (std::size_t i = 0; i < 16; ++i) id[15 - i] = kHex[(v >> (4 * i)) & 0xf];
  return id;
}

}  // namespace amo::http
