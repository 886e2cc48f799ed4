#include "relay/drain/pg_array.h"

namespace amo::relay {
namespace {

template <class T>
std::string numbers(std::span<const T> values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(values[i]);
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::string int_array(std::span<const std::int64_t> values) {
  return numbers(values);
}
std::string int_array(std::span<const int> values) {
  return numbers(values);
}

std::string bool_array(const std::vector<bool>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back(values[i] ? 't' : 'f');
  }
  out.push_back('}');
  return out;
}

std::string text_array(std::span<const std::string> values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

}  // namespace amo::relay
