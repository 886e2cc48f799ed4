#include "plugin/auth_plugin.h"

#include "core/acl/topic.h"
#include "core/envelope/stamp.h"

namespace amo::plugin {

// Inbound publish from a user: size first, then rate, schema, kind-topic, then stamping.
MessageResult AuthPlugin::on_message(const void* client, std::string_view topic, std::string_view payload,
                                     const Clock& now) {
  Session* s = sessions_.find(client);
  if (!s || s->closing) {
    // Untracked, or being kicked (abuse, expiry, revocation): refused, and counted as the ACL
    // counts the same sessions' other writes.
    stats_.denied(acl::Status::not_allowed);
    return {};
  }
  if (s->role == Role::service) return MessageResult{true, false, {}};

  if (payload.size() > static_cast<std::size_t>(options_.max_payload)) {
    ++stats_.schema_rejected;
    audit(LogLevel::debug, "message_rejected", s, envelope::name(envelope::Status::too_large));
    return {};
  }
  switch (s->rate.take(rate_limits_, now.mono_ns)) {
    case RateLimit::Verdict::pass: break;
    case RateLimit::Verdict::drop:
      ++stats_.rate_dropped;
      return {};
    case RateLimit::Verdict::abuse:
      ++stats_.rate_dropped;
      // Its next sessions (any client id of the user) start in debt: reconnecting is no reset.
      s->rate.cool_down(rate_limits_, now.mono_ns, RateLimit::kAbuseCooldownNs);
      sessions_.cool_down(s->user_key(), now.mono_ns + RateLimit::kAbuseCooldownNs);
      close(*s, stats::KickReason::abuse, pending_kicks_);
      return {};
  }
  acl::TopicRef ref;
  if (!acl::parse_topic(topic, ref)) {
    ++stats_.schema_rejected;
    return {};
  }
  const envelope::Verdict v = validator_.validate(payload, ref.rest);
  envelope::Status st = v.status;
  if (st == envelope::Status::ok) {
    const auto [amo_id, sub] = s->amo_sub();
    const envelope::StampInput in{amo_id, sub, ref.ns == acl::TopicRef::Ns::thread ? ref.owner : std::string_view{},
                                  s->threads, now.now_ms};
    st = envelope::stamp(v, in, stamped_);
  }
  if (st != envelope::Status::ok) {
    ++stats_.schema_rejected;
    audit(LogLevel::debug, "message_rejected", s, envelope::name(st), "at=" + std::string(v.pointer));
    return {};
  }
  return MessageResult{true, true, stamped_};
}

}  // namespace amo::plugin
