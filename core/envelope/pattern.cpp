#include "core/envelope/pattern.h"

#include <bitset>
#include <charconv>

namespace amo::envelope {

namespace {

std::uint32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) { ++i; return c; }
  int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
  std::uint32_t cp = c & (0x3f >> (len - 1));
  for (int k = 1; k < len && i + static_cast<std::size_t>(k) < s.size(); ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3f);
  i += static_cast<std::size_t>(len);
  return cp;
}

void add(std::array<std::uint64_t, 2>& set, unsigned lo, unsigned hi) {
  for (unsigned c = lo; c <= hi; ++c) set[c >> 6] |= std::uint64_t{1} << (c & 63);
}

bool is_syntax_char(char c) {
  return std::string_view("^$\\.*+?()[]{}|/-").find(c) != std::string_view::npos;
}

}  // namespace

bool Pattern::compile(std::string_view src, std::string& error) {
  atoms_.clear();
  states_.clear();
  anchored_start_ = !src.empty() && src.front() == '^';
  if (anchored_start_) src.remove_prefix(1);
  if (!src.empty() && src.back() == '$') {
    std::size_t slashes = 0;
    for (std::size_t k = src.size() - 1; k > 0 && src[k - 1] == '\\'; --k) ++slashes;
    if (slashes % 2 == 0) { anchored_end_ = true; src.remove_suffix(1); }
  }
  auto fail = [&](std::string_view what) { error = "pattern: unsupported " + std::string(what); return false; };
  std::size_t i = 0;
  while (i < src.size()) {
    Atom a;
    char c = src[i];
    if (static_cast<unsigned char>(c) >= 0x80) return fail("non-ASCII character");
    if (c == '[') {
      ++i;
      if (i < src.size() && src[i] == '^') return fail("negated class");
      bool closed = false;
      while (i < src.size()) {
        char x = src[i];
        if (x == ']') { closed = true; ++i; break; }
        if (static_cast<unsigned char>(x) >= 0x80) return fail("non-ASCII character");
        unsigned lo;
        if (x == '\\') {
          if (i + 1 >= src.size()) return fail("trailing backslash");
          char e = src[i + 1];
          i += 2;
          if (e == 'd') { add(a.ascii, '0', '9'); continue; }
          if (e == 'w') { add(a.ascii, '0', '9'); add(a.ascii, 'a', 'z'); add(a.ascii, 'A', 'Z'); add(a.ascii, '_', '_'); continue; }
          if (!is_syntax_char(e)) return fail(std::string("escape \\") + e);
          lo = static_cast<unsigned char>(e);
        } else {
          lo = static_cast<unsigned char>(x);
          ++i;
        }
        if (i + 1 < src.size() && src[i] == '-' && src[i + 1] != ']') {
          char h = src[i + 1];
          if (h == '\\' || h == '[' || static_cast<unsigned char>(h) >= 0x80) return fail("class range end");
          if (static_cast<unsigned char>(h) < lo) return fail("reversed class range");
          add(a.ascii, lo, static_cast<unsigned char>(h));
          i += 2;
        } else {
          add(a.ascii, lo, lo);
        }
      }
      if (!closed) return fail("unterminated class");
    } else if (c == '\\') {
      if (i + 1 >= src.size()) return fail("trailing backslash");
      char e = src[i + 1];
      i += 2;
      if (e == 'd') add(a.ascii, '0', '9');
      else if (e == 'w') { add(a.ascii, '0', '9'); add(a.ascii, 'a', 'z'); add(a.ascii, 'A', 'Z'); add(a.ascii, '_', '_'); }
      else if (is_syntax_char(e)) add(a.ascii, static_cast<unsigned char>(e), static_cast<unsigned char>(e));
      else return fail(std::string("escape \\") + e);
    } else if (c == '.') {
      ++i;
      add(a.ascii, 0, 127);
      for (unsigned t : {'\n', '\r'}) a.ascii[t >> 6] &= ~(std::uint64_t{1} << (t & 63));
      a.non_ascii = true;  // ECMA '.' also excludes U+2028/U+2029, checked in matches()
    } else if (std::string_view("()|").find(c) != std::string_view::npos) {
      return fail(std::string("group or alternation '") + c + "'");
    } else if (std::string_view("*+?{}^$]").find(c) != std::string_view::npos) {
      return fail(std::string("'") + c + "' here");
    } else if (c < 0x20 || c == 0x7f) {
      return fail("control character");
    } else {
      add(a.ascii, static_cast<unsigned char>(c), static_cast<unsigned char>(c));
      ++i;
    }
    if (i < src.size()) {
      char q = src[i];
      if (q == '?') { a.min = 0; a.max = 1; ++i; }
      else if (q == '*') { a.min = 0; a.max = kUnbounded; ++i; }
      else if (q == '+') { a.min = 1; a.max = kUnbounded; ++i; }
      else if (q == '{') {
        std::size_t close = src.find('}', i);
        if (close == std::string_view::npos) return fail("unterminated {");
        std::string_view body = src.substr(i + 1, close - i - 1);
        std::size_t comma = body.find(',');
        auto num = [](std::string_view t, std::uint32_t& v) {
          auto r = std::from_chars(t.data(), t.data() + t.size(), v);
          return !t.empty() && r.ec == std::errc{} && r.ptr == t.data() + t.size();
        };
        if (comma == std::string_view::npos) {
          if (!num(body, a.min)) return fail("quantifier");
          a.max = a.min;
        } else {
          if (!num(body.substr(0, comma), a.min)) return fail("quantifier");
          std::string_view hi = body.substr(comma + 1);
          if (hi.empty()) a.max = kUnbounded;
          else if (!num(hi, a.max) || a.max < a.min) return fail("quantifier");
        }
        i = close + 1;
      }
      if (i < src.size() && (src[i] == '?' || src[i] == '*' || src[i] == '+' || src[i] == '{'))
        return fail("lazy or stacked quantifier");
    }
    // Merge runs of the same set (\d\d -> \d{2}) so greedy matching applies more often.
    if (!atoms_.empty() && atoms_.back().ascii == a.ascii && atoms_.back().non_ascii == a.non_ascii) {
      Atom& b = atoms_.back();
      b.min += a.min;
      b.max = (b.max == kUnbounded || a.max == kUnbounded) ? kUnbounded : b.max + a.max;
    } else {
      atoms_.push_back(a);
    }
  }
  // Greedy is exact when anchored and no atom can take a character its successor wants.
  greedy_ = anchored_start_ && anchored_end_;
  for (std::size_t k = 0; greedy_ && k + 1 < atoms_.size(); ++k) {
    const Atom& x = atoms_[k];
    const Atom& y = atoms_[k + 1];
    if ((x.ascii[0] & y.ascii[0]) || (x.ascii[1] & y.ascii[1]) || (x.non_ascii && y.non_ascii)) greedy_ = false;
  }
  if (!greedy_) {
    for (const Atom& a : atoms_) {
      for (std::uint32_t k = 0; k < a.min; ++k) {
        Atom s = a; s.min = 1; s.max = 1; states_.push_back(s);
        if (states_.size() > kMaxStates) return fail("pattern too long for the matcher");
      }
      if (a.max == kUnbounded) {
        Atom s = a; s.min = 0; states_.push_back(s);
      } else {
        for (std::uint32_t k = a.min; k < a.max; ++k) {
          Atom s = a; s.min = 0; s.max = 1; states_.push_back(s);
          if (states_.size() > kMaxStates) return fail("pattern too long for the matcher");
        }
      }
      if (states_.size() > kMaxStates) return fail("pattern too long for the matcher");
    }
  }
  return true;
}

bool Pattern::matches(std::string_view s) const noexcept {
  return greedy_ ? match_greedy(s) : match_nfa(s);
}

namespace {
bool line_terminator(std::uint32_t cp) noexcept { return cp == 0x2028 || cp == 0x2029; }
}  // namespace

bool Pattern::match_greedy(std::string_view s) const noexcept {
  std::size_t i = 0;
  for (const Atom& a : atoms_) {
    std::uint32_t n = 0;
    while (n < a.max && i < s.size()) {
      std::size_t j = i;
      std::uint32_t cp = next_code_point(s, j);
      if (!a.accepts(cp) || (a.non_ascii && line_terminator(cp))) break;
      i = j;
      ++n;
    }
    if (n < a.min) return false;
  }
  return i == s.size();
}

bool Pattern::match_nfa(std::string_view s) const noexcept {
  const std::size_t n = states_.size();
  using Set = std::bitset<kMaxStates + 1>;
  auto closure = [&](Set& set) {
    for (std::size_t k = 0; k < n; ++k)
      if (set[k] && states_[k].min == 0) set.set(k + 1);
  };
  Set start;
  start.set(0);
  closure(start);
  Set cur = start;
  if (!anchored_end_ && cur[n]) return true;
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint32_t cp = next_code_point(s, i);
    Set next;
    for (std::size_t k = 0; k < n; ++k) {
      if (!cur[k]) continue;
      const Atom& a = states_[k];
      if (!a.accepts(cp) || (a.non_ascii && line_terminator(cp))) continue;
      next.set(a.max == kUnbounded ? k : k + 1);
    }
    closure(next);
    if (!anchored_start_) next |= start;
    if (!anchored_end_ && next[n]) return true;
    if (next.none()) return false;
    cur = next;
  }
  return cur[n];
}

}  // namespace amo::envelope
