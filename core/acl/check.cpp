#include "core/acl/check.h"

#include <algorithm>
#include <array>

#include "core/acl/filter_subset.h"
#include "core/acl/levels.h"
#include "core/acl/topic.h"

namespace amo::acl {
namespace {

constexpr std::array<std::string_view, 1> amo_base{"amo"};
constexpr std::array<std::string_view, 3> sys_base{"$SYS", "broker", "amo-realtime"};
constexpr std::array<std::string_view, 3> control_base{"$CONTROL", "amo-realtime", "v1"};

std::string_view first_level(std::string_view topic) noexcept {
  return topic.substr(0, topic.find('/'));
}

// Why a topic outside every allowed namespace is denied, by its first level.
Status outside(std::string_view first) noexcept {
  if (first == "$SYS") return Status::sys_topic;
  if (first == "$CONTROL") return Status::control_topic;
  if (first == "$share") return Status::shared_subscription;
  if (first == "+" || first == "#") return Status::wide_filter;
  return Status::not_allowed;
}

bool is_member(std::string_view thread, std::span<const std::string> threads) noexcept {
  return std::any_of(threads.begin(), threads.end(),
                     [thread](const std::string& t) { return std::string_view(t) == thread; });
}

Status user_publish_flags(int qos, bool retain) noexcept {
  if (retain) return Status::retain_denied;
  if (qos != 0 && qos != 1) return Status::qos_denied;
  return Status::ok;
}

// `$share/<group>/<filter>`: the group must be one exact level and the filter lie under amo/#.
Status service_shared(std::string_view topic) noexcept {
  Levels levels(topic);
  std::string_view level;
  levels.next(level);  // "$share"
  if (!levels.next(level)) return Status::shared_subscription;
  if (has_wildcard(level)) return Status::wide_filter;  // grammar is fine; a group must be exact
  const std::string_view inner = levels.rest();
  if (inner.empty()) return Status::shared_subscription;
  return filter_within(inner, amo_base) ? Status::ok : outside(first_level(inner));
}

Status service_check(Access access, std::string_view topic, int qos) noexcept {
  if (access == Access::write && (qos < 0 || qos > 2)) return Status::qos_denied;
  if (filter_within(topic, amo_base)) return Status::ok;
  const std::string_view first = first_level(topic);
  if (first == "$share" && access == Access::subscribe) return service_shared(topic);
  if (access != Access::write && filter_within(topic, sys_base)) return Status::ok;
  // A command needs a level after `v1`; grammar already ruled out an empty one.
  if (access == Access::write && filter_within(topic, control_base) &&
      topic.size() > std::string_view("$CONTROL/amo-realtime/v1").size())
    return Status::ok;
  return outside(first);
}

Status user_topic(const Subject& s, Access access, std::string_view topic, int qos,
                  bool retain) noexcept {
  TopicRef ref;
  if (!parse_topic(topic, ref)) return outside(first_level(topic));
  if (ref.amo != s.amo) return Status::other_tenant;
  const bool write = access == Access::write;
  switch (ref.ns) {
    case TopicRef::Ns::broadcast:
      return write ? Status::not_allowed : Status::ok;
    case TopicRef::Ns::user:
      if (ref.owner != s.sub) return Status::other_user;
      if (!write) return Status::ok;
      return ref.tail == "cmd/replay" ? user_publish_flags(qos, retain) : Status::not_allowed;
    case TopicRef::Ns::thread: {
      if (!is_member(ref.owner, s.threads)) return Status::not_member;
      const bool inbound = ref.tail == "chat" || ref.tail == "read";
      if (!write) return inbound ? Status::inbound_only : Status::ok;
      return inbound || ref.tail == "typing" ? user_publish_flags(qos, retain) : Status::not_allowed;
    }
    case TopicRef::Ns::other:
      break;
  }
  return Status::not_allowed;
}

}  // namespace

AMO_ENUM_NAME(Access, AMO_ACL_ACCESS)

Status check(const Subject& subject, Access access, std::string_view topic, int qos,
             bool retain) noexcept {
  const Status grammar = check_topic_grammar(topic, access == Access::subscribe);
  if (grammar != Status::ok) return grammar;
  if (subject.role == amo::Role::service) return service_check(access, topic, qos);
  if (subject.role != amo::Role::user) return Status::not_allowed;
  if (access == Access::subscribe) {
    const std::string_view first = first_level(topic);
    if (first != "amo") return outside(first);
    return user_filter_subset(topic, subject.amo, subject.sub, subject.threads);
  }
  return user_topic(subject, access, topic, qos, retain);
}

}  // namespace amo::acl
