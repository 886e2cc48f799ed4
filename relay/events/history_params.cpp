#include "relay/events/history_params.h"

#include <set>
#include <vector>

#include "relay/events/cursor.h"

namespace amo::relay {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A filter value: what ids and entity names are made of (DESIGN §2 id charset, ≤ 64).
bool is_filter_value(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.' || c == ':'))
      return false;
  return true;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int lo, int hi) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return v >= lo && v <= hi;
}

// A parameter name as an error may quote it: the 400 body is JSON, so never bytes that are
// not UTF-8 (%FF decodes to one); short printable ASCII, else `otherwise`.
std::string shown(const std::string& name, std::string_view otherwise) {
  if (name.size() > 32) return std::string(otherwise);
  for (const char c : name)
    if (c < 0x20 || c > 0x7e) return std::string(otherwise);
  return name;
}

}  // namespace

bool is_rfc3339(std::string_view s) noexcept {
  // 2026-11-29T10:00:00[.123]Z or +01:00
  if (s.size() < 20 || s.size() > 40) return false;
  if (!digits(s, 0, 4, 0, 9999) || s[4] != '-' || !digits(s, 5, 2, 1, 12) || s[7] != '-' || !digits(s, 8, 2, 1, 31) ||
      (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, 0, 23) || s[13] != ':' || !digits(s, 14, 2, 0, 59) ||
      s[16] != ':' || !digits(s, 17, 2, 0, 60))
    return false;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 9) return false;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-'))
    return i + 6 == s.size() && digits(s, i + 1, 2, 0, 23) && s[i + 3] == ':' && digits(s, i + 4, 2, 0, 59);
  return false;
}

HistoryParams parse_history_params(std::string_view raw) {
  HistoryParams p;
  std::set<std::string, std::less<>> seen;
  while (!raw.empty()) {
    const std::size_t amp = raw.find('&');
    const std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const auto name = percent_decode(pair.substr(0, eq));
    const auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return {{}, "query: bad percent-encoding"};
    if (!seen.insert(*name).second)
      return {{}, "query: " + shown(*name, "a parameter") + " given twice"};
    HistoryQuery& q = p.query;
    if (*name == "after") {
      const Cursor c = parse_cursor(*value);
      if (c.kind != Cursor::Kind::valid) return {{}, "after: must be an integer 0..9223372036854775807"};
      q.after = c.seq;
    } else if (*name == "limit") {
      const Cursor c = parse_cursor(*value);
      if (c.kind != Cursor::Kind::valid || c.seq < 1 || c.seq > 500) return {{}, "limit: must be an integer 1..500"};
      q.limit = static_cast<int>(c.seq);
    } else if (*name == "kind" || *name == "entity" || *name == "entity_id") {
      if (!is_filter_value(*value)) return {{}, *name + ": 1..64 of A-Z a-z 0-9 _ - . :"};
      (*name == "kind" ? q.kind : *name == "entity" ? q.entity : q.entity_id) = *value;
    } else if (*name == "since" || *name == "until") {
      if (!is_rfc3339(*value)) return {{}, *name + ": must be an RFC 3339 time, e.g. 2026-11-29T10:00:00Z"};
      (*name == "since" ? q.since : q.until) = *value;
    } else if (*name != "token") {
      return {{}, "query: unknown parameter " + shown(*name, "(not shown)")};
    }
  }
  return p;
}

}  // namespace amo::relay
