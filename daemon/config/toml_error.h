#pragma once
// One line for a toml++ parse error: toml++ quotes the bytes it choked on, a newline among
// them ("saw 'tr\n'"), so control characters are escaped; it quotes at most a character, a
// key or a number, never a string value.
#include <cstdint>
#include <string>
#include <string_view>

namespace amo::config {

inline std::string toml_error_line(std::string_view description, std::uint32_t line, std::uint32_t column) {
  std::string text;
  for (const char c : description) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      text.push_back(c);
      continue;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    text += "\\x";
    text.push_back(kHex[u >> 4]);
    text.push_back(kHex[u & 0xf]);
  }
  if (text.starts_with("Error")) text[0] = 'e';  // it follows a colon in our line
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + text;
}

}  // namespace amo::config
