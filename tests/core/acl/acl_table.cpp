#include "tests/core/acl/acl_table.h"

#include <string_view>

namespace amo::acl::test {
namespace {

const std::vector<std::string> user_threads{"T1", "T2", "T3", "T4", "T5"};

// `n` levels under the user's namespace: amo/A/user/U then x, y, ... up to n levels.
std::string levels(std::size_t n) {
  std::string t = "amo/A/user/U";
  for (std::size_t i = 4; i < n; ++i) t += "/x";
  return t;
}

std::string of_size(std::size_t n) {
  std::string t = "amo/A/user/U/";
  t.append(n - t.size(), 'x');
  return t;
}

}  // namespace

Subject user_subject() { return {"A", "U", user_threads, amo::Role::user}; }
Subject service_subject() { return {"system", "relay", {}, amo::Role::service}; }

const std::vector<Row>& acl_table() {
  using R = amo::Role;
  using A = Access;
  using S = Status;
  constexpr auto u = R::user;
  constexpr auto s = R::service;
  constexpr auto sub = A::subscribe;
  constexpr auto rd = A::read;
  constexpr auto wr = A::write;
  using namespace std::string_view_literals;
  static const std::vector<Row> rows{
      // user subscribe: the subset check
      {u, sub, "amo/A/user/U/#", 0, false, S::ok},
      {u, sub, "amo/A/user/U", 0, false, S::ok},
      {u, sub, "amo/A/user/U/events", 1, false, S::ok},
      {u, sub, "amo/A/user/U/+", 0, false, S::ok},
      {u, sub, "amo/A/user/U/+/x/#", 0, false, S::ok},
      {u, sub, "amo/A/user/U/cmd/replay", 0, false, S::ok},
      {u, sub, "amo/A/thread/T1/#", 1, false, S::ok},
      {u, sub, "amo/A/thread/T5/events", 2, false, S::ok},
      {u, sub, "amo/A/thread/T1/chat", 0, false, S::ok},
      {u, sub, "amo/A/thread/T1", 0, false, S::ok},
      {u, sub, "amo/A/thread/T3/+", 0, false, S::ok},
      {u, sub, "amo/A/broadcast/#", 0, false, S::ok},
      {u, sub, "amo/A/broadcast", 0, false, S::ok},
      {u, sub, "amo/A/broadcast/+/x", 0, false, S::ok},
      {u, sub, "amo/A/user/U/\xC3\xA9t\xC3\xA9", 0, false, S::ok},
      {u, sub, "amo/A/user/+/#", 0, false, S::wide_filter},
      {u, sub, "amo/+/user/U/#", 0, false, S::wide_filter},
      {u, sub, "amo/#", 0, false, S::wide_filter},
      {u, sub, "#", 0, false, S::wide_filter},
      {u, sub, "+/A/user/U/#", 0, false, S::wide_filter},
      {u, sub, "+", 0, false, S::wide_filter},
      {u, sub, "amo/A/+/U/#", 0, false, S::wide_filter},
      {u, sub, "amo/A/#", 0, false, S::wide_filter},
      {u, sub, "amo/A/+", 0, false, S::wide_filter},
      {u, sub, "amo/A/thread/+/events", 0, false, S::wide_filter},
      {u, sub, "amo/A/thread/#", 0, false, S::wide_filter},
      {u, sub, "amo/A/user/V/#", 0, false, S::other_user},
      {u, sub, "amo/A/user/U2/#", 0, false, S::other_user},
      {u, sub, "amo/A/user/u/#", 0, false, S::other_user},
      {u, sub, "amo/B/user/U/#", 0, false, S::other_tenant},
      {u, sub, "amo/a/broadcast/#", 0, false, S::other_tenant},
      {u, sub, "amo/A/thread/T9/#", 0, false, S::not_member},
      {u, sub, "amo/A/thread/t1/#", 0, false, S::not_member},
      {u, sub, "amo/A/thread/T1x/events", 0, false, S::not_member},
      {u, sub, "amo/A/thread", 0, false, S::not_allowed},
      {u, sub, "amo/A/user", 0, false, S::not_allowed},
      {u, sub, "amo/A", 0, false, S::not_allowed},
      {u, sub, "amo", 0, false, S::not_allowed},
      {u, sub, "amo/A/other/#", 0, false, S::not_allowed},
      {u, sub, "foo/#", 0, false, S::not_allowed},
      {u, sub, "$SYS/#", 0, false, S::sys_topic},
      {u, sub, "$SYS/broker/amo-realtime/#", 0, false, S::sys_topic},
      {u, sub, "$CONTROL/#", 0, false, S::control_topic},
      {u, sub, "$share/g/amo/A/user/U/#", 0, false, S::shared_subscription},
      {u, sub, "$share/g/#", 0, false, S::shared_subscription},
      // user: grammar, denied always
      {u, sub, "amo/A/user/U/#/x", 0, false, S::bad_wildcard},
      {u, sub, "amo/A/user/U/a+b", 0, false, S::bad_wildcard},
      {u, sub, "amo/A/user/U/x#", 0, false, S::bad_wildcard},
      {u, sub, "amo//user/U/#", 0, false, S::empty_level},
      {u, sub, "/amo/A/user/U", 0, false, S::empty_level},
      {u, sub, "amo/A/user/U/", 0, false, S::empty_level},
      {u, sub, "", 0, false, S::empty},
      {u, sub, std::string("amo/A/user/U/\0"sv), 0, false, S::nul},
      {u, sub, std::string("amo/A/user/U/a\0b"sv), 0, false, S::nul},
      {u, sub, "amo/A/user/U/\xC0\xAF", 0, false, S::bad_utf8},
      {u, sub, "amo/A/user/U/\xED\xA0\x80", 0, false, S::bad_utf8},
      {u, sub, "amo/A/user/U/\xE2\x82", 0, false, S::bad_utf8},
      {u, sub, of_size(256), 0, false, S::ok},
      {u, sub, of_size(257), 0, false, S::too_long},
      {u, sub, levels(12), 0, false, S::ok},
      {u, sub, levels(13), 0, false, S::too_deep},
      {u, sub, levels(11) + "/#", 0, false, S::ok},
      {u, sub, levels(12) + "/#", 0, false, S::too_deep},
      // user read: every delivery
      {u, rd, "amo/A/user/U/events", 1, false, S::ok},
      {u, rd, "amo/A/user/U", 0, false, S::ok},
      {u, rd, "amo/A/user/U/cmd/replay", 0, false, S::ok},
      {u, rd, "amo/A/thread/T1/events", 1, false, S::ok},
      {u, rd, "amo/A/thread/T2/typing", 0, false, S::ok},
      {u, rd, "amo/A/thread/T5", 0, false, S::ok},
      {u, rd, "amo/A/thread/T1/chat/x", 0, false, S::ok},
      {u, rd, "amo/A/broadcast/news", 1, true, S::ok},
      {u, rd, "amo/A/broadcast", 0, false, S::ok},
      {u, rd, "amo/A/thread/T1/chat", 1, false, S::inbound_only},
      {u, rd, "amo/A/thread/T3/read", 0, false, S::inbound_only},
      {u, rd, "amo/A/thread/T9/chat", 0, false, S::not_member},
      {u, rd, "amo/A/thread/T9/events", 0, false, S::not_member},
      {u, rd, "amo/A/user/V/events", 0, false, S::other_user},
      {u, rd, "amo/B/broadcast/x", 0, false, S::other_tenant},
      {u, rd, "amo/B/user/U/events", 0, false, S::other_tenant},
      {u, rd, "amo/A/other", 0, false, S::not_allowed},
      {u, rd, "amo/A/thread", 0, false, S::not_allowed},
      {u, rd, "amo", 0, false, S::not_allowed},
      {u, rd, "x/y", 0, false, S::not_allowed},
      {u, rd, "amo/A/user/+", 0, false, S::bad_wildcard},
      {u, rd, "amo/A/user/U/#", 0, false, S::bad_wildcard},
      {u, rd, "$SYS/broker/amo-realtime/stats", 0, false, S::sys_topic},
      {u, rd, "$CONTROL/amo-realtime/v1/revoke", 0, false, S::control_topic},
      {u, rd, "$share/g/amo/A/user/U/x", 0, false, S::shared_subscription},
      {u, rd, "amo/A/user/U/\xF4\x90\x80\x80", 0, false, S::bad_utf8},
      {u, rd, levels(13), 0, false, S::too_deep},
      // user write: QoS 0/1, never retained
      {u, wr, "amo/A/thread/T1/chat", 1, false, S::ok},
      {u, wr, "amo/A/thread/T2/typing", 0, false, S::ok},
      {u, wr, "amo/A/thread/T3/read", 1, false, S::ok},
      {u, wr, "amo/A/user/U/cmd/replay", 1, false, S::ok},
      {u, wr, "amo/A/thread/T1/chat", 2, false, S::qos_denied},
      {u, wr, "amo/A/thread/T1/chat", -1, false, S::qos_denied},
      {u, wr, "amo/A/thread/T1/chat", 1, true, S::retain_denied},
      {u, wr, "amo/A/user/U/cmd/replay", 0, true, S::retain_denied},
      {u, wr, "amo/A/thread/T1/events", 1, false, S::not_allowed},
      {u, wr, "amo/A/thread/T1/chat/x", 1, false, S::not_allowed},
      {u, wr, "amo/A/thread/T1", 1, false, S::not_allowed},
      {u, wr, "amo/A/broadcast/x", 0, false, S::not_allowed},
      {u, wr, "amo/A/user/U/cmd", 0, false, S::not_allowed},
      {u, wr, "amo/A/user/U/events", 0, false, S::not_allowed},
      {u, wr, "amo/A/thread/T9/chat", 1, false, S::not_member},
      {u, wr, "amo/A/user/V/cmd/replay", 1, false, S::other_user},
      {u, wr, "amo/B/thread/T1/chat", 1, false, S::other_tenant},
      {u, wr, "$CONTROL/amo-realtime/v1/revoke", 0, false, S::control_topic},
      {u, wr, "$SYS/broker/x", 0, false, S::sys_topic},
      {u, wr, "amo/A/thread/+/chat", 0, false, S::bad_wildcard},
      {u, wr, "amo/A/thread/T1//chat", 0, false, S::empty_level},
      {u, wr, std::string("amo/A/thread/T1/chat\0"sv), 0, false, S::nul},
      // service
      {s, sub, "amo/#", 1, false, S::ok},
      {s, sub, "amo/+/thread/+/chat", 1, false, S::ok},
      {s, sub, "amo", 0, false, S::ok},
      {s, sub, "$share/ingest/amo/+/thread/+/chat", 1, false, S::ok},
      {s, sub, "$share/g/amo/A/user/U/#", 0, false, S::ok},
      {s, sub, "$share/+/amo/#", 0, false, S::wide_filter},
      {s, sub, "$share/#", 0, false, S::wide_filter},
      {s, sub, "$share/g", 0, false, S::shared_subscription},
      {s, sub, "$share/g/#", 0, false, S::wide_filter},
      {s, sub, "$share/g/foo", 0, false, S::not_allowed},
      {s, sub, "$share/g/$SYS/broker/amo-realtime/#", 0, false, S::sys_topic},
      {s, sub, "$share/g/" + levels(10) + "/#", 0, false, S::too_deep},
      {s, sub, "$share/g/" + levels(10), 0, false, S::ok},
      {s, sub, "#", 0, false, S::wide_filter},
      {s, sub, "+/x", 0, false, S::wide_filter},
      {s, sub, "$SYS/broker/amo-realtime/#", 0, false, S::ok},
      {s, sub, "$SYS/broker/amo-realtime", 0, false, S::ok},
      {s, sub, "$SYS/#", 0, false, S::sys_topic},
      {s, sub, "$SYS/broker/+/stats", 0, false, S::sys_topic},
      {s, sub, "$CONTROL/amo-realtime/v1/revoke", 0, false, S::control_topic},
      {s, sub, "foo/bar", 0, false, S::not_allowed},
      {s, sub, "amo/#/x", 0, false, S::bad_wildcard},
      {s, sub, "amo//x", 0, false, S::empty_level},
      {s, rd, "amo/A/thread/T1/chat", 1, false, S::ok},
      {s, rd, "$SYS/broker/amo-realtime/stats", 0, false, S::ok},
      {s, rd, "$SYS/broker/uptime", 0, false, S::sys_topic},
      {s, rd, "$share/g/amo/x", 0, false, S::shared_subscription},
      {s, rd, "amo/A/+", 0, false, S::bad_wildcard},
      {s, wr, "amo/A/thread/T1/events", 1, false, S::ok},
      {s, wr, "amo/A/broadcast/x", 2, true, S::ok},
      {s, wr, "$CONTROL/amo-realtime/v1/revoke", 1, false, S::ok},
      {s, wr, "$CONTROL/amo-realtime/v1", 1, false, S::control_topic},
      {s, wr, "$CONTROL/other/v1/x", 1, false, S::control_topic},
      {s, wr, "$SYS/broker/amo-realtime/stats", 0, false, S::sys_topic},
      {s, wr, "other/topic", 0, false, S::not_allowed},
      {s, wr, "amo/A/#", 0, false, S::bad_wildcard},
      {s, wr, "amo/A/x", 3, false, S::qos_denied},
      {s, wr, of_size(257), 0, false, S::too_long},
  };
  return rows;
}

}  // namespace amo::acl::test
