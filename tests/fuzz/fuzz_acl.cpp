// acl::check on a fuzzed topic, access, QoS, retain flag and subject. Input: one flag byte
// (access, QoS, retain, whether a subject follows), then either the topic, or
// "<amo>\n<sub>\n<thread>\n<topic>" so the subject's ids are fuzzed too (a verified token only
// ever has valid ids, but check() must not rely on it). Invariants, for both roles:
// - grammar failures are check_topic_grammar's status, the same for `user` and `service`;
//   a topic with good grammar never gets a grammar status;
// - user subscribe ok ⇒ the filter lies in amo/{amo}/user/{sub}, amo/{amo}/thread/{t} (t a
//   member) or amo/{amo}/broadcast, with no wildcard in those levels;
// - user read/write ok ⇒ no wildcard, same namespaces; write only to the §3 topics, QoS 0/1,
//   never retained; a readable topic is subscribable; a writable one is readable or inbound_only;
// - service ok ⇒ amo/…, $share/<group>/amo/… (subscribe), $SYS/broker/amo-realtime… (not write)
//   or $CONTROL/amo-realtime/v1/<cmd>… (write).
#include <array>
#include <string>
#include <vector>

#include "core/acl/check.h"
#include "core/acl/topic.h"
#include "tests/fuzz/fuzz_check.h"

using namespace amo::acl;

namespace {

bool grammar_status(Status s) {
  switch (s) {
    case Status::empty:
    case Status::too_long:
    case Status::too_deep:
    case Status::nul:
    case Status::bad_utf8:
    case Status::empty_level:
    case Status::bad_wildcard: return true;
    default: return false;
  }
}

std::vector<std::string_view> split_levels(std::string_view topic) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto slash = topic.find('/');
    out.push_back(topic.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    topic.remove_prefix(slash + 1);
  }
}

bool exact(std::string_view level) {
  return !level.empty() && level.find_first_of("+#") == std::string_view::npos;
}

bool member(std::string_view t, std::span<const std::string> threads) {
  for (const auto& x : threads)
    if (x == t) return true;
  return false;
}

// Levels 0..n-1 of a user topic/filter that must be exact: "amo", amo, ns[, owner].
void check_user_namespace(const Subject& s, std::string_view topic, bool is_filter) {
  const auto lv = split_levels(topic);
  AMO_FUZZ_CHECK(lv.size() >= 3);
  AMO_FUZZ_CHECK(lv[0] == "amo" && lv[1] == s.amo && exact(lv[1]));
  if (lv[2] == "broadcast") return;
  AMO_FUZZ_CHECK(lv[2] == "user" || lv[2] == "thread");
  AMO_FUZZ_CHECK(lv.size() >= 4 && exact(lv[3]));
  if (lv[2] == "user") AMO_FUZZ_CHECK(lv[3] == s.sub);
  else AMO_FUZZ_CHECK(member(lv[3], s.threads));
  if (!is_filter) AMO_FUZZ_CHECK(topic.find_first_of("+#") == std::string_view::npos);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned flags = data[0];
  const Access access = static_cast<Access>((flags & 3) % 3);
  const int qos = static_cast<int>((flags >> 2) & 3);
  const bool retain = (flags >> 4) & 1;
  std::string_view rest = amo::fuzz::bytes(data + 1, size - 1);

  std::array<std::string, 3> threads{"T1", "T2", ""};
  Subject user{"A1", "u1", std::span<const std::string>(threads.data(), 2), amo::Role::user};
  if (flags & 0x20) {
    std::array<std::string_view, 3> ids;
    for (auto& id : ids) {
      const auto nl = rest.find('\n');
      if (nl == std::string_view::npos) return 0;
      id = rest.substr(0, nl);
      rest.remove_prefix(nl + 1);
    }
    user.amo = ids[0];
    user.sub = ids[1];
    threads[2] = ids[2];
    user.threads = std::span<const std::string>(threads.data(), 3);
  }
  const std::string_view topic = rest;
  Subject service = user;
  service.role = amo::Role::service;

  const Status g = check_topic_grammar(topic, access == Access::subscribe);
  const Status u = check(user, access, topic, qos, retain);
  const Status sv = check(service, access, topic, qos, retain);
  if (g != Status::ok) {
    AMO_FUZZ_CHECK(grammar_status(g));
    AMO_FUZZ_CHECK(u == g && sv == g);
    return 0;
  }
  AMO_FUZZ_CHECK_WHY(!grammar_status(u) && !grammar_status(sv), "%s %.*s: grammar ok, user %s, service %s",
                     name(access).data(), static_cast<int>(topic.size()), topic.data(), name(u).data(),
                     name(sv).data());

  if (u == Status::ok) {
    check_user_namespace(user, topic, access == Access::subscribe);
    if (access == Access::write) {
      AMO_FUZZ_CHECK(qos <= 1 && !retain);
      const auto lv = split_levels(topic);
      const bool thread_write = lv.size() == 5 && lv[2] == "thread" &&
                                (lv[4] == "chat" || lv[4] == "typing" || lv[4] == "read");
      const bool replay = lv.size() == 6 && lv[2] == "user" && lv[4] == "cmd" && lv[5] == "replay";
      AMO_FUZZ_CHECK(thread_write || replay);
      const Status r = check(user, Access::read, topic);
      AMO_FUZZ_CHECK(r == Status::ok || r == Status::inbound_only);
    }
    if (access == Access::read) AMO_FUZZ_CHECK(check(user, Access::subscribe, topic) == Status::ok);
  }

  if (sv == Status::ok) {
    const bool in_amo = topic == "amo" || starts_with(topic, "amo/");
    const bool shared = access == Access::subscribe && starts_with(topic, "$share/") &&
                        [&] {
                          const auto lv = split_levels(topic);
                          return lv.size() >= 3 && exact(lv[1]) && lv[2] == "amo";
                        }();
    const bool sys = access != Access::write &&
                     (topic == "$SYS/broker/amo-realtime" || starts_with(topic, "$SYS/broker/amo-realtime/"));
    const bool control = access == Access::write && starts_with(topic, "$CONTROL/amo-realtime/v1/");
    AMO_FUZZ_CHECK(in_amo || shared || sys || control);
  }
  return 0;
}
