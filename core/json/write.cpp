#include "core/json/write.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace amo::json {

namespace {
// Bytes JSON strings must escape: control characters, '"' and '\\'.
constexpr auto kEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// True if any of the 8 bytes in w may need escaping (SWAR: a byte < 0x20, '"' or '\\'); a
// word it flags is then scanned byte by byte with kEscape, which decides.
constexpr bool any_escape(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  auto zero_byte = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
  return (below_space | zero_byte(w ^ (ones * '"')) | zero_byte(w ^ (ones * '\\'))) != 0;
}
}  // namespace

void append_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes that need no escape
  std::size_t i = 0;
  // Most strings need no escape at all: skip clean 8-byte words, then look byte by byte.
  for (std::uint64_t w; i + 8 <= s.size(); i += 8) {
    std::memcpy(&w, s.data() + i, 8);
    if (any_escape(w)) break;
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (!kEscape[u]) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(hex[u >> 4]);
        out.push_back(hex[u & 0xf]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_string_array(std::string& out, std::span<const std::string> items) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    append_string(out, items[i]);
  }
  out.push_back(']');
}

namespace {
template <typename Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 chars hold every 64-bit integer
  out.append(buf, static_cast<std::size_t>(end - buf));
}
}  // namespace

void append_element(std::string& out, simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      const simdjson::dom::array arr = e.get_array().value_unsafe();
      for (simdjson::dom::element child : arr) {
        if (!first) out.push_back(',');
        first = false;
        append_element(out, child);
      }
      out.push_back(']');
      return;
    }
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      const simdjson::dom::object obj = e.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair field : obj) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, field.key);
        out.push_back(':');
        append_element(out, field.value);
      }
      out.push_back('}');
      return;
    }
    case element_type::STRING: append_string(out, e.get_string().value_unsafe()); return;
    case element_type::INT64: append_int(out, e.get_int64().value_unsafe()); return;
    case element_type::UINT64: append_int(out, e.get_uint64().value_unsafe()); return;
    case element_type::DOUBLE: out += simdjson::minify(e); return;  // shortest round-trip form
    case element_type::BOOL: out += e.get_bool().value_unsafe() ? "true" : "false"; return;
    case element_type::NULL_VALUE: out += "null"; return;
  }
}

}  // namespace amo::json
