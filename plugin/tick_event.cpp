#include "plugin/auth_plugin.h"

#include <algorithm>

namespace amo::plugin {

void AuthPlugin::close(Session& s, stats::KickReason reason, std::vector<Kick>& out) {
  if (s.closing) return;
  s.closing = true;  // deny first: a durable session's stored subscriptions fail their re-check
  stats_.kick(reason);
  audit(LogLevel::info, "kick", &s, stats::name(reason));
  out.push_back(Kick{s.cid, reason});
  // An offline durable session gets no DISCONNECT after its kick: forget it now (unknown
  // clients are denied everything, which the kick's subscription re-check relies on).
  if (!s.online) sessions_.remove(s.client);
}

std::vector<Kick> AuthPlugin::on_tick(const Clock& now) {
  tick_seen_ = true;
  std::vector<Kick> out;
  out.swap(pending_kicks_);
  for (Session* s : sessions_.expired(now.now_s)) close(*s, stats::KickReason::expired, out);
  if (now.now_s >= next_prune_s_) {
    revocations_.prune(now.now_s, std::max(options_.max_token_ttl, options_.max_service_token_ttl));
    next_prune_s_ = now.now_s + 60;
  }
  return out;
}

bool AuthPlugin::stats_due(const Clock& now) {
  if (now.mono_ns < next_stats_ns_) return false;
  next_stats_ns_ = now.mono_ns + options_.stats_interval * 1'000'000'000;
  return true;
}

}  // namespace amo::plugin
