#pragma once
// The subset of ECMA-262 regular expressions our schemas use, compiled once at load: a
// sequence of single-character atoms ([class], \d, \w, '.', literal) each with a
// quantifier (?, *, +, {n}, {n,}, {n,m}), optionally anchored by ^ and $. Groups,
// alternation, negated classes, \s \b \D \W \S, backreferences, lookaround, lazy
// quantifiers and non-ASCII literals are refused at load, so no schema can rely on them.
// Matching is linear in the input (greedy when adjacent atoms are disjoint, else an NFA
// walk over a bounded state set): no backtracking, no recursion.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amo::envelope {

class Pattern {
 public:
  // Returns false and sets error (naming the construct) for anything outside the subset.
  bool compile(std::string_view source, std::string& error);
  // s must be valid UTF-8 (it comes out of the strict parser).
  bool matches(std::string_view s) const noexcept;

 private:
  struct Atom {
    std::array<std::uint64_t, 2> ascii{};  // which ASCII code points match
    bool non_ascii = false;                // whether code points >= 0x80 match ('.')
    std::uint32_t min = 1;
    std::uint32_t max = 1;  // kUnbounded for * and +
    bool accepts(std::uint32_t cp) const noexcept {
      return cp < 128 ? ((ascii[cp >> 6] >> (cp & 63)) & 1) != 0 : non_ascii;
    }
  };
  static constexpr std::uint32_t kUnbounded = 0xffffffffu;
  static constexpr std::size_t kMaxStates = 255;

  bool match_greedy(std::string_view s) const noexcept;
  bool match_nfa(std::string_view s) const noexcept;

  std::vector<Atom> atoms_;
  std::vector<Atom> states_;  // atoms expanded to one state per repetition (NFA only)
  bool anchored_start_ = false;
  bool anchored_end_ = false;
  bool greedy_ = false;
};

}  // namespace amo::envelope
