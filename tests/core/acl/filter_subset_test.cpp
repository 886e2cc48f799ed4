#include "core/acl/filter_subset.h"

#include <doctest/doctest.h>

#include <array>
#include <string>
#include <vector>

#include "core/acl/topic.h"

namespace amo::acl {
namespace {

const std::vector<std::string> threads{"T1", "T2"};

Status user_subset(std::string_view f) { return user_filter_subset(f, "A", "U", threads); }

TEST_CASE("filter_within: X/# includes X, wildcards above the base never") {
  constexpr std::array<std::string_view, 3> sys{"$SYS", "broker", "amo-realtime"};
  CHECK(filter_within("$SYS/broker/amo-realtime", sys));
  CHECK(filter_within("$SYS/broker/amo-realtime/#", sys));
  CHECK(filter_within("$SYS/broker/amo-realtime/+/x", sys));
  CHECK_FALSE(filter_within("$SYS/broker/#", sys));
  CHECK_FALSE(filter_within("$SYS/+/amo-realtime/#", sys));
  CHECK_FALSE(filter_within("$SYS/broker", sys));
  CHECK_FALSE(filter_within("#", sys));
  CHECK_FALSE(filter_within("$SYS/broker/amo-realtimex/#", sys));
  constexpr std::array<std::string_view, 1> amo{"amo"};
  CHECK(filter_within("amo", amo));
  CHECK(filter_within("amo/#", amo));
  CHECK_FALSE(filter_within("+", amo));
  CHECK_FALSE(filter_within("amox/#", amo));
  CHECK(filter_within("anything", std::span<const std::string_view>{}));
}

TEST_CASE("user subset: the issue's cases") {
  CHECK(user_subset("amo/A/user/U/#") == Status::ok);
  CHECK(user_subset("amo/A/user/U") == Status::ok);
  CHECK(user_subset("amo/A/thread/T2/chat") == Status::ok);
  CHECK(user_subset("amo/A/broadcast") == Status::ok);
  CHECK(user_subset("amo/A/user/+/#") == Status::wide_filter);
  CHECK(user_subset("amo/+/user/U/#") == Status::wide_filter);
  CHECK(user_subset("amo/#") == Status::wide_filter);
  CHECK(user_subset("#") == Status::wide_filter);
  CHECK(user_subset("+/A/user/U/#") == Status::wide_filter);
  CHECK(user_subset("amo/A/thread/T3/#") == Status::not_member);
  CHECK(user_subset("amo/A/user") == Status::not_allowed);
}

// Reference semantics, by brute force: enumerate the topics a filter matches over a small
// alphabet plus one level no namespace names, and require all of them inside a namespace.
const std::vector<std::string> alphabet{"amo", "A", "B", "user", "thread", "broadcast", "U", "T1", "zz"};

bool inside(const std::vector<std::string>& t) {
  if (t.size() < 3 || t[0] != "amo" || t[1] != "A") return false;
  if (t[2] == "broadcast") return true;
  if (t.size() < 4) return false;
  return (t[2] == "user" && t[3] == "U") || (t[2] == "thread" && (t[3] == "T1" || t[3] == "T2"));
}

// False once some matched topic (bounded: `#` expands to 0..2 levels) lies outside.
bool all_inside(const std::vector<std::string>& f, std::size_t i, std::vector<std::string>& t) {
  if (i == f.size()) return t.empty() || inside(t);
  if (f[i] == "#") {
    if (!t.empty() && !inside(t)) return false;
    for (const auto& a : alphabet) {
      t.push_back(a);
      bool ok = inside(t);
      for (const auto& b : alphabet) {
        if (!ok) break;
        t.push_back(b);
        ok = inside(t);
        t.pop_back();
      }
      t.pop_back();
      if (!ok) return false;
    }
    return true;
  }
  if (f[i] == "+") {
    for (const auto& a : alphabet) {
      t.push_back(a);
      const bool ok = all_inside(f, i + 1, t);
      t.pop_back();
      if (!ok) return false;
    }
    return true;
  }
  t.push_back(f[i]);
  const bool ok = all_inside(f, i + 1, t);
  t.pop_back();
  return ok;
}

TEST_CASE("user subset agrees with brute force on every filter of up to 5 levels") {
  const std::vector<std::string> symbols{"amo", "A", "B", "user", "thread", "U", "T1", "broadcast", "+", "#"};
  std::size_t checked = 0, allowed = 0;
  std::vector<std::string> f;
  std::vector<std::string> t;
  // Odometer over symbols^n for n = 1..5.
  for (std::size_t n = 1; n <= 5; ++n) {
    std::vector<std::size_t> idx(n, 0);
    while (true) {
      f.clear();
      std::string text;
      for (std::size_t k = 0; k < n; ++k) {
        f.push_back(symbols[idx[k]]);
        text += (k ? "/" : "") + symbols[idx[k]];
      }
      if (check_topic_grammar(text, true) == Status::ok) {
        const bool want = all_inside(f, 0, t);
        const bool got = user_subset(text) == Status::ok;
        INFO(text);
        if (want != got) CHECK(want == got);  // only report disagreements: ~100k filters
        ++checked;
        allowed += got;
      }
      std::size_t k = 0;
      while (k < n && ++idx[k] == symbols.size()) idx[k++] = 0;
      if (k == n) break;
    }
  }
  CHECK(checked > 50000);
  CHECK(allowed > 100);
  MESSAGE("filters checked: ", checked, ", allowed: ", allowed);
}

}  // namespace
}  // namespace amo::acl
