#include "core/acl/check.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/core/acl/acl_table.h"

namespace amo::acl {
namespace {

std::string printable(std::string_view t) {
  std::string out;
  for (unsigned char c : t) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out.size() > 80 ? out.substr(0, 60) + "...(" + std::to_string(t.size()) + " bytes)" : out;
}

TEST_CASE("ACL decision table (DESIGN §3)") {
  const auto& rows = test::acl_table();
  CHECK(rows.size() >= 100);
  const Subject user = test::user_subject();
  const Subject service = test::service_subject();
  for (const auto& r : rows) {
    const Subject& who = r.role == amo::Role::user ? user : service;
    INFO(name(r.access), " ", r.role == amo::Role::user ? "user " : "service ", printable(r.topic),
         " qos=", r.qos, " retain=", r.retain);
    CHECK(name(check(who, r.access, r.topic, r.qos, r.retain)) == name(r.want));
  }
}

TEST_CASE("a user without threads reaches no thread") {
  const Subject s{"A", "U", {}, amo::Role::user};
  CHECK(check(s, Access::subscribe, "amo/A/thread/T1/#") == Status::not_member);
  CHECK(check(s, Access::read, "amo/A/thread/T1/events") == Status::not_member);
  CHECK(check(s, Access::write, "amo/A/thread/T1/chat", 1) == Status::not_member);
  CHECK(check(s, Access::subscribe, "amo/A/user/U/#") == Status::ok);
}

TEST_CASE("ids are compared as exact levels, never as patterns") {
  // A token whose ids are not valid ids (never issued, but not trusted here either).
  const std::vector<std::string> threads{"+", "#", "", "T1/events", "T2"};
  const Subject s{"+", "#", threads, amo::Role::user};
  CHECK(check(s, Access::subscribe, "amo/+/user/#") == Status::wide_filter);
  CHECK(check(s, Access::subscribe, "amo/X/user/#") == Status::other_tenant);
  CHECK(check(s, Access::read, "amo/X/user/U") == Status::other_tenant);
  const Subject slash{"A", "U", threads, amo::Role::user};
  CHECK(check(slash, Access::subscribe, "amo/A/thread/+/#") == Status::wide_filter);
  CHECK(check(slash, Access::subscribe, "amo/A/thread/T1/events") == Status::not_member);
  CHECK(check(slash, Access::read, "amo/A/thread/T1/events") == Status::not_member);
  CHECK(check(slash, Access::subscribe, "amo/A/thread/T2/#") == Status::ok);
  const Subject empty{"", "", {}, amo::Role::user};
  CHECK(check(empty, Access::subscribe, "amo/A/user/U") == Status::other_tenant);
}

TEST_CASE("every status has a distinct snake_case name") {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < count(Status{}); ++i) names.push_back(name(static_cast<Status>(i)));
  CHECK(names.front() == "ok");
  for (std::size_t i = 0; i < names.size(); ++i) {
    CHECK(names[i] != "unknown");
    for (char c : names[i]) CHECK(((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'));
    for (std::size_t j = i + 1; j < names.size(); ++j) CHECK(names[i] != names[j]);
  }
  CHECK(name(Access::subscribe) == "subscribe");
  CHECK(name(Access::read) == "read");
  CHECK(name(Access::write) == "write");
}

}  // namespace
}  // namespace amo::acl
