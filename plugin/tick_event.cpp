#include "plugin/auth_plugin.h"

#include <algorithm>

namespace amo::plugin {

void AuthPlugin::close(Session& s, stats::KickReason reason, std::vector<Kick>& out) {
  if (s.closing) return;
  stats_.kick(reason);
  if (!s.online) {
    // Never kick an offline session: 2.0.11 would disconnect it a second time and put it on its
    // session-expiry list twice, then read it after freeing it. Forgotten, it is unknown to
    // every check (all deny; messages stop queueing for it) until its client comes back.
    audit(LogLevel::info, "forget", &s, stats::name(reason), "offline=forgotten");
    sessions_.remove(s.client);
    return;
  }
  s.closing = true;  // deny first: a durable session's stored subscriptions fail their re-check
  audit(LogLevel::info, "kick", &s, stats::name(reason));
  out.push_back(Kick{s.cid, reason});
}

std::vector<Kick> AuthPlugin::on_tick(const Clock& now) {
  tick_seen_ = true;
  reauth_pass_ = false;
  std::vector<Kick> out;
  // Queued by other callbacks: only sessions still live and still the ones closed. One that
  // went offline meanwhile was forgotten at its DISCONNECT; a newer session may hold its cid.
  for (Kick& k : pending_kicks_) {
    if (const Session* s = sessions_.find_cid(k.cid); s && s->closing && s->online) out.push_back(std::move(k));
  }
  pending_kicks_.clear();
  for (Session* s : sessions_.expired(now.now_s)) close(*s, stats::KickReason::expired, out);
  if (now.now_s >= next_prune_s_) {
    revocations_.prune(now.now_s, std::max(options_.max_token_ttl, options_.max_service_token_ttl));
    next_prune_s_ = now.now_s + 60;
  }
  if (now.mono_ns >= next_rate_prune_ns_) {
    sessions_.prune_rates(rate_limits_, now.mono_ns);
    next_rate_prune_ns_ = now.mono_ns + 10'000'000'000;
  }
  return out;
}

bool AuthPlugin::stats_due(const Clock& now) {
  if (now.mono_ns < next_stats_ns_) return false;
  next_stats_ns_ = now.mono_ns + options_.stats_interval * 1'000'000'000;
  return true;
}

}  // namespace amo::plugin
