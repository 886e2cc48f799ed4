#include "core/token/base64url.h"

#include <array>
#include <cstdint>

namespace amo::token {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> make_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kTable = make_table();
}  // namespace

void append_base64url(std::string& out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  out.reserve(out.size() + (n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (n - i == 1) {
    std::uint32_t v = std::uint32_t{p[i]} << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (n - i == 2) {
    std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  append_base64url(out, bytes);
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) noexcept {
  const std::size_t n = text.size();
  const std::size_t rem = n % 4;
  if (rem == 1) return false;
  out.resize(n / 4 * 3 + (rem == 0 ? 0 : rem - 1));
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    int a = kTable[p[i]], b = kTable[p[i + 1]], c = kTable[p[i + 2]], d = kTable[p[i + 3]];
    if ((a | b | c | d) < 0) return false;
    std::uint32_t v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) | (std::uint32_t(c) << 6) | std::uint32_t(d);
    out[o++] = static_cast<char>(v >> 16);
    out[o++] = static_cast<char>(v >> 8);
    out[o++] = static_cast<char>(v);
  }
  if (rem == 2) {
    int a = kTable[p[i]], b = kTable[p[i + 1]];
    if ((a | b) < 0 || (b & 0x0f) != 0) return false;  // non-canonical: unused bits set
    out[o++] = static_cast<char>((a << 2) | (b >> 4));
  } else if (rem == 3) {
    int a = kTable[p[i]], b = kTable[p[i + 1]], c = kTable[p[i + 2]];
    if ((a | b | c) < 0 || (c & 0x03) != 0) return false;
    std::uint32_t v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) | (std::uint32_t(c) << 6);
    out[o++] = static_cast<char>(v >> 16);
    out[o++] = static_cast<char>(v >> 8);
  }
  return true;
}

bool is_base64url_text(std::string_view text) noexcept {
  for (unsigned char ch : text)
    if (kTable[ch] < 0) return false;
  return true;
}

}  // namespace amo::token
