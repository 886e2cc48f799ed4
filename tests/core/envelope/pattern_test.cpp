#include "core/envelope/pattern.h"

#include <doctest/doctest.h>

using amo::envelope::Pattern;

namespace {
bool m(const char* p, std::string_view s) {
  Pattern pat;
  std::string err;
  REQUIRE_MESSAGE(pat.compile(p, err), err);
  return pat.matches(s);
}
}  // namespace

TEST_CASE("our schema patterns") {
  const char* id = "^[A-Za-z0-9_-]{1,64}$";
  CHECK(m(id, "A1_-z"));
  CHECK_FALSE(m(id, ""));
  CHECK(m(id, std::string(64, 'a')));
  CHECK_FALSE(m(id, std::string(65, 'a')));
  CHECK_FALSE(m(id, "a/b"));
  CHECK_FALSE(m(id, "\xC3\xA9"));
  const char* ts = "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$";
  CHECK(m(ts, "2026-11-25T10:00:00.123Z"));
  CHECK_FALSE(m(ts, "2026-11-25T10:00:00.12Z"));
  CHECK_FALSE(m(ts, "2026-11-25T10:00:00,123Z"));
  CHECK_FALSE(m(ts, "2026-11-25T10:00:00.123Z\n"));
}

TEST_CASE("general forms use the NFA walk") {
  CHECK(m("^a*a$", "aaa"));
  CHECK_FALSE(m("^a*a$", ""));
  CHECK(m("a+", "xxaayy"));
  CHECK_FALSE(m("a+", "xyz"));
  CHECK(m("^a?b{2,3}c*$", "bbbcc"));
  CHECK_FALSE(m("^a?b{2,3}c*$", "abbbbc"));
  CHECK(m("^.{2}$", "\xF0\x9F\x98\x80\xC3\xA9"));  // '.' is one code point
  CHECK_FALSE(m("^.$", "\xE2\x80\xA8"));             // U+2028 is a line terminator
  CHECK(m("", "anything"));
}
