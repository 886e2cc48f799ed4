// core/acl/allowed_topics.h: the `topics` the token service answers are exactly what check()
// (the plugin's decision) allows for the same claims — every entry allowed, and the entries
// for a thread or user outside the claims denied.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/acl/allowed_topics.h"
#include "core/acl/check.h"

using namespace amo::acl;

namespace {

Subject user(const std::vector<std::string>& threads) {
  return Subject{"A1", "u1", threads, amo::Role::user};
}

}  // namespace

TEST_CASE("the lists spell out the user's namespaces, threads in order") {
  const std::vector<std::string> threads{"T2", "T1"};
  const AllowedTopics t = allowed_topics("A1", "u1", threads);
  CHECK(t.subscribe ==
        std::vector<std::string>{"amo/A1/user/u1/#", "amo/A1/thread/T2/#", "amo/A1/thread/T1/#", "amo/A1/broadcast/#"});
  CHECK(t.publish == std::vector<std::string>{"amo/A1/thread/T2/chat", "amo/A1/thread/T2/typing",
                                              "amo/A1/thread/T2/read", "amo/A1/thread/T1/chat",
                                              "amo/A1/thread/T1/typing", "amo/A1/thread/T1/read",
                                              "amo/A1/user/u1/cmd/replay"});
}

TEST_CASE("no threads: the user's own namespace and the broadcast only") {
  const AllowedTopics t = allowed_topics("A1", "u1", {});
  CHECK(t.subscribe == std::vector<std::string>{"amo/A1/user/u1/#", "amo/A1/broadcast/#"});
  CHECK(t.publish == std::vector<std::string>{"amo/A1/user/u1/cmd/replay"});
}

TEST_CASE("every listed filter and topic is allowed by check() for the same claims") {
  const std::vector<std::string> threads{"T1", "T2", "T3"};
  const Subject s = user(threads);
  const AllowedTopics t = allowed_topics(s.amo, s.sub, threads);
  for (const std::string& f : t.subscribe) {
    CAPTURE(f);
    CHECK(check(s, Access::subscribe, f, 1) == Status::ok);
  }
  for (const std::string& p : t.publish) {
    CAPTURE(p);
    CHECK(check(s, Access::write, p, 1) == Status::ok);
    CHECK(check(s, Access::write, p, 0) == Status::ok);
  }
}

TEST_CASE("the same lists for claims without a thread are denied: nothing listed is wider than the claims") {
  const std::vector<std::string> threads{"T1"};
  const AllowedTopics t = allowed_topics("A1", "u1", threads);
  const Subject other_user{"A1", "u2", threads, amo::Role::user};
  const Subject no_threads = user({});
  const Subject other_tenant{"A2", "u1", threads, amo::Role::user};
  for (const std::string& f : t.subscribe) {
    CAPTURE(f);
    const bool thread_filter = f.find("/thread/") != std::string::npos;
    const bool user_filter = f.find("/user/") != std::string::npos;
    CHECK(check(other_tenant, Access::subscribe, f, 1) != Status::ok);
    if (thread_filter) CHECK(check(no_threads, Access::subscribe, f, 1) == Status::not_member);
    if (user_filter) CHECK(check(other_user, Access::subscribe, f, 1) != Status::ok);
  }
  for (const std::string& p : t.publish) {
    CAPTURE(p);
    if (p.find("/thread/") != std::string::npos) CHECK(check(no_threads, Access::write, p, 1) == Status::not_member);
    if (p.find("/user/") != std::string::npos) CHECK(check(other_user, Access::write, p, 1) == Status::other_user);
  }
}

TEST_CASE("what a listed filter delivers is readable, except the inbound-only chat and read") {
  const std::vector<std::string> threads{"T1"};
  const Subject s = user(threads);
  CHECK(check(s, Access::read, "amo/A1/user/u1/events", 1) == Status::ok);
  CHECK(check(s, Access::read, "amo/A1/thread/T1/events", 1) == Status::ok);
  CHECK(check(s, Access::read, "amo/A1/thread/T1/typing", 1) == Status::ok);
  CHECK(check(s, Access::read, "amo/A1/broadcast/events", 1) == Status::ok);
  CHECK(check(s, Access::read, "amo/A1/thread/T1/chat", 1) == Status::inbound_only);
  CHECK(check(s, Access::read, "amo/A1/thread/T1/read", 1) == Status::inbound_only);
}
