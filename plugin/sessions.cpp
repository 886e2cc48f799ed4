#include "plugin/sessions.h"

namespace amo::plugin {
namespace {
std::int64_t get(const std::unordered_map<std::string, std::int64_t>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}
}  // namespace

stats::ConnectStatus SessionTable::admit(const std::string& cid, const std::string& user_key, const std::string& amo,
                          std::int64_t max_per_user, std::int64_t max_per_tenant) const {
  std::int64_t replaced = 0;
  if (auto it = by_cid_.find(cid); it != by_cid_.end()) {
    const Session& old = *it->second.session;
    if (old.user_key != user_key) return stats::ConnectStatus::client_id_in_use;
    if (old.role == Role::user && old.online) replaced = 1;
  }
  if (get(per_user_, user_key) - replaced >= max_per_user) return stats::ConnectStatus::user_cap;
  if (get(per_tenant_, amo) - replaced >= max_per_tenant) return stats::ConnectStatus::tenant_cap;
  return stats::ConnectStatus::ok;
}

void SessionTable::count(const Session& s, int delta) {
  if (s.role != Role::user || !s.online) return;
  if ((per_user_[s.user_key] += delta) <= 0) per_user_.erase(s.user_key);
  if ((per_tenant_[s.amo] += delta) <= 0) per_tenant_.erase(s.amo);
}

Session& SessionTable::add(Session s) {
  auto it = by_cid_.find(s.cid);
  if (it != by_cid_.end()) {
    by_client_.erase(it->second.session->client);
    count(*it->second.session, -1);
    by_cid_.erase(it);
  }
  const std::uint64_t generation = next_generation_++;
  auto owned = std::make_unique<Session>(std::move(s));
  Session& ref = *owned;
  by_cid_.emplace(ref.cid, Entry{std::move(owned), generation});
  by_client_[ref.client] = &ref;
  count(ref, +1);
  if (ref.sess_exp > 0) expiries_.push(Expiry{ref.sess_exp, ref.cid, generation});
  return ref;
}

Session* SessionTable::find(const void* client) noexcept {
  auto it = by_client_.find(client);
  return it == by_client_.end() ? nullptr : it->second;
}

Session* SessionTable::find_cid(const std::string& cid) noexcept {
  auto it = by_cid_.find(cid);
  return it == by_cid_.end() ? nullptr : it->second.session.get();
}

void SessionTable::set_offline(const void* client) {
  Session* s = find(client);
  if (!s || !s->online) return;
  count(*s, -1);
  s->online = false;
  if (s->sess_exp == 0) expiries_.push(Expiry{s->exp, s->cid, by_cid_.at(s->cid).generation});
}

void SessionTable::remove(const void* client) {
  auto it = by_client_.find(client);
  if (it == by_client_.end()) return;
  Session* s = it->second;
  by_client_.erase(it);
  count(*s, -1);
  by_cid_.erase(s->cid);
}

std::vector<Session*> SessionTable::of_user(const std::string& user_key) {
  std::vector<Session*> out;
  for (auto& [cid, e] : by_cid_)
    if (e.session->user_key == user_key) out.push_back(e.session.get());
  return out;
}

std::vector<Session*> SessionTable::with_jti(std::string_view jti) {
  std::vector<Session*> out;
  for (auto& [cid, e] : by_cid_)
    if (e.session->jti == jti) out.push_back(e.session.get());
  return out;
}

std::vector<Session*> SessionTable::expired(std::int64_t now) {
  std::vector<Session*> out;
  while (!expiries_.empty() && expiries_.top().at <= now) {
    Expiry e = expiries_.top();
    expiries_.pop();
    auto it = by_cid_.find(e.cid);
    if (it == by_cid_.end() || it->second.generation != e.generation) continue;  // gone or replaced
    if (!it->second.session->closing) out.push_back(it->second.session.get());
  }
  return out;
}

}  // namespace amo::plugin
