#pragma once
// Walks a topic's levels as views into it, so ACL decisions never copy a topic.
#include <string_view>

namespace amo::acl {

class Levels {
 public:
  explicit Levels(std::string_view topic) noexcept : rest_(topic) {}

  // Next level into `level`; false after the last. `a/` yields "a" then "".
  bool next(std::string_view& level) noexcept {
    if (done_) return false;
    const auto slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      level = rest_;
      done_ = true;
      return true;
    }
    level = rest_.substr(0, slash);
    rest_.remove_prefix(slash + 1);
    return true;
  }

  // The text after the last level returned (empty once the last level is out).
  std::string_view rest() const noexcept { return done_ ? std::string_view{} : rest_; }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// Any `+` or `#` in a level, even a malformed one like `a+b` (a hand loop: find_first_of is slow).
inline bool has_wildcard(std::string_view level) noexcept {
  for (const char c : level)
    if (c == '+' || c == '#') return true;
  return false;
}

}  // namespace amo::acl
