#include "core/acl/topic.h"

#include <cstdint>
#include <cstring>

#include "core/acl/levels.h"

namespace amo::acl {
namespace {

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

constexpr bool is_cont(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

// RFC 3629 §4 table, so overlongs, surrogates and > U+10FFFF fail on their second byte.
bool valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  while (p < end) {
    // Topics are mostly ASCII: skip 8 bytes at a time while no high bit is set.
    if (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, sizeof w);
      if ((w & highs) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i < len; ++i)
      if (!is_cont(p[i])) return false;
    p += len;
  }
  return true;
}

constexpr bool has_zero_byte(std::uint64_t w) noexcept { return ((w - ones) & ~w & highs) != 0; }

// Does any of the 8 bytes at `p` equal `/`, `+` or `#`?
bool has_special(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return has_zero_byte(w ^ (ones * '/')) || has_zero_byte(w ^ (ones * '+')) ||
         has_zero_byte(w ^ (ones * '#'));
}

}  // namespace

Status check_topic_grammar(std::string_view topic, bool is_filter) noexcept {
  if (topic.empty()) return Status::empty;
  if (topic.size() > max_topic_bytes) return Status::too_long;
  if (std::memchr(topic.data(), '\0', topic.size()) != nullptr) return Status::nul;
  if (!valid_utf8(topic)) return Status::bad_utf8;

  std::size_t depth = 0;
  std::size_t start = 0;
  bool wild = false;
  const std::size_t n = topic.size();
  std::size_t i = 0;
  while (i <= n) {
    // Skip 8 bytes at a time that hold no `/`, `+` or `#`.
    if (i + 8 <= n && !has_special(topic.data() + i)) {
      i += 8;
      continue;
    }
    if (i < n && topic[i] != '/') {
      if (topic[i] == '+' || topic[i] == '#') wild = true;
      ++i;
      continue;
    }
    const std::size_t len = i - start;
    if (len == 0) return Status::empty_level;
    if (wild) {
      // Only whole-level wildcards in a filter, and `#` only as the last level.
      if (!is_filter || len != 1 || (topic[start] == '#' && i != n)) return Status::bad_wildcard;
    }
    if (++depth > max_topic_levels) return Status::too_deep;
    start = ++i;
    wild = false;
  }
  return Status::ok;
}

bool parse_topic(std::string_view topic, TopicRef& out) noexcept {
  constexpr std::string_view root = "amo/";
  if (!topic.starts_with(root)) return false;
  Levels levels(topic.substr(root.size()));
  std::string_view amo;
  levels.next(amo);
  if (amo.empty()) return false;

  out = TopicRef{};
  out.amo = amo;
  out.rest = levels.rest();
  std::string_view ns;
  if (!levels.next(ns)) return true;
  if (ns == "broadcast") {
    out.ns = TopicRef::Ns::broadcast;
    out.tail = levels.rest();
    return true;
  }
  const bool user = ns == "user";
  if (!user && ns != "thread") return true;
  std::string_view owner;
  if (!levels.next(owner) || owner.empty()) return true;
  out.ns = user ? TopicRef::Ns::user : TopicRef::Ns::thread;
  out.owner = owner;
  out.tail = levels.rest();
  return true;
}

}  // namespace amo::acl
