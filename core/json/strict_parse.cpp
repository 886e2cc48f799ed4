#include "core/json/strict_parse.h"

#include <algorithm>
#include <cstring>

namespace amo::json {

AMO_ENUM_NAME(Status, AMO_JSON_STATUS)

StrictParser::StrictParser(std::size_t max_bytes, std::size_t max_depth)
    : max_bytes_(max_bytes), max_depth_(max_depth), parser_(max_bytes) {
  padded_.resize(max_bytes + simdjson::SIMDJSON_PADDING);
}

namespace {
Status from_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS: return Status::ok;
    case simdjson::UTF8_ERROR: return Status::not_utf8;
    case simdjson::DEPTH_ERROR: return Status::too_deep;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return Status::bad_number;
    case simdjson::STRING_ERROR:
    case simdjson::UNESCAPED_CHARS: return Status::bad_string;
    case simdjson::CAPACITY: return Status::too_large;
    default: return Status::syntax;
  }
}
}  // namespace

Status StrictParser::parse(std::string_view bytes, simdjson::dom::element& out) noexcept {
  if (bytes.size() > max_bytes_) return Status::too_large;
  if (parser_.max_depth() != max_depth_ || parser_.capacity() < bytes.size()) {
    if (parser_.allocate(std::max(bytes.size(), std::size_t{64}), max_depth_) != simdjson::SUCCESS)
      return Status::too_large;
  }
  if (!bytes.empty()) std::memcpy(padded_.data(), bytes.data(), bytes.size());  // data() may be null
  std::memset(padded_.data() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
  auto result = parser_.parse(reinterpret_cast<const std::uint8_t*>(padded_.data()), bytes.size(), false);
  if (result.error() != simdjson::SUCCESS) return from_simdjson(result.error());
  out = result.value_unsafe();
  return check_tree(out);
}

namespace {
// U+0000 is valid JSON but Postgres jsonb cannot store it (DESIGN §4): refused like a bad escape.
bool has_nul(std::string_view s) noexcept { return std::memchr(s.data(), 0, s.size()) != nullptr; }
}  // namespace

// Recursion depth is bounded by max_depth, which the parser already enforced.
Status StrictParser::check_tree(simdjson::dom::element e) noexcept {
  std::string_view str;
  if (e.get(str) == simdjson::SUCCESS) return has_nul(str) ? Status::bad_string : Status::ok;
  simdjson::dom::array arr;
  if (e.get(arr) == simdjson::SUCCESS) {
    for (auto child : arr) {
      if (auto s = check_tree(child); s != Status::ok) return s;
    }
    return Status::ok;
  }
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return Status::ok;
  const std::size_t first = keys_.size();
  for (auto field : obj) {
    if (has_nul(field.key)) {
      keys_.resize(first);
      return Status::bad_string;
    }
    keys_.push_back(field.key);
  }
  std::size_t n = keys_.size() - first;
  bool dup = false;
  if (n <= 16) {
    for (std::size_t i = first; i < keys_.size() && !dup; ++i)
      for (std::size_t j = i + 1; j < keys_.size(); ++j)
        if (keys_[i] == keys_[j]) { dup = true; break; }
  } else {
    std::sort(keys_.begin() + static_cast<std::ptrdiff_t>(first), keys_.end());
    dup = std::adjacent_find(keys_.begin() + static_cast<std::ptrdiff_t>(first), keys_.end()) != keys_.end();
  }
  keys_.resize(first);
  if (dup) return Status::duplicate_key;
  for (auto field : obj) {
    if (auto s = check_tree(field.value); s != Status::ok) return s;
  }
  return Status::ok;
}

}  // namespace amo::json
