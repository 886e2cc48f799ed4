#include "plugin/sessions.h"

namespace amo::plugin {
namespace {
template <typename Key>
std::int64_t get(const std::unordered_map<Key, std::int64_t>& m, const Key& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

template <typename Key>
void bump(std::unordered_map<Key, std::int64_t>& m, Key k, int delta) {
  auto it = m.try_emplace(std::move(k), 0).first;
  if ((it->second += delta) <= 0) m.erase(it);
}
}  // namespace

stats::ConnectStatus SessionTable::admit(std::string_view cid, std::string_view user_key,
                                         std::int64_t max_per_user, std::int64_t max_per_tenant) const {
  std::int64_t replaced = 0;
  if (auto it = by_cid_.find(cid); it != by_cid_.end()) {
    const Session& old = *it->second;
    if (old.user_key() != user_key) return stats::ConnectStatus::client_id_in_use;
    if (old.role == Role::user && old.online) replaced = 1;
  }
  if (get(per_user_, user_hash(user_key)) - replaced >= max_per_user) return stats::ConnectStatus::user_cap;
  const std::string amo(user_key.substr(0, user_key.find(':')));
  if (get(per_tenant_, amo) - replaced >= max_per_tenant) return stats::ConnectStatus::tenant_cap;
  return stats::ConnectStatus::ok;
}

void SessionTable::count(const Session& s, int delta) {
  if (s.role != Role::user || !s.online) return;
  bump(per_user_, user_hash(s.user_key()), delta);
  bump(per_tenant_, std::string(s.amo()), delta);
}

void SessionTable::note_due(const Session& s) noexcept {
  if (const std::int64_t due = s.due(); due > 0 && due < next_due_) next_due_ = due;
}

Session& SessionTable::add(Session s) {
  if (auto it = by_cid_.find(s.cid); it != by_cid_.end()) remove(it->second->client);
  remove(s.client);
  carry_.forget(s.cid);  // s has the bucket now (rate_for)
  Session& ref = by_client_.try_emplace(s.client, std::move(s)).first->second;
  by_cid_.emplace(std::string_view(ref.cid), &ref);
  count(ref, +1);
  note_due(ref);
  return ref;
}

std::optional<RateLimit> SessionTable::rate_for(std::string_view cid, std::string_view user_key) {
  if (const Session* same = find_cid(cid)) {
    if (same->user_key() == user_key) return same->rate;
    return std::nullopt;
  }
  return carry_.take(cid, user_hash(user_key));
}

Session* SessionTable::find(const void* client) noexcept {
  auto it = by_client_.find(client);
  return it == by_client_.end() ? nullptr : &it->second;
}

Session* SessionTable::find_cid(std::string_view cid) noexcept {
  auto it = by_cid_.find(cid);
  return it == by_cid_.end() ? nullptr : it->second;
}

void SessionTable::set_offline(const void* client) {
  Session* s = find(client);
  if (!s || !s->online) return;
  count(*s, -1);
  s->online = false;
  note_due(*s);
}

void SessionTable::remove(const void* client) {
  auto it = by_client_.find(client);
  if (it == by_client_.end()) return;
  const Session& s = it->second;
  if (s.role == Role::user) carry_.keep(s.cid, user_hash(s.user_key()), s.rate);
  count(s, -1);
  by_cid_.erase(std::string_view(it->second.cid));  // before the session its key views goes
  by_client_.erase(it);
}

std::vector<Session*> SessionTable::of_user(std::string_view user_key) {
  std::vector<Session*> out;
  for (auto& [client, s] : by_client_)
    if (s.user_key() == user_key) out.push_back(&s);
  return out;
}

std::vector<Session*> SessionTable::with_jti(std::string_view jti) {
  std::vector<Session*> out;
  for (auto& [client, s] : by_client_)
    if (s.jti() == jti) out.push_back(&s);
  return out;
}

std::vector<Session*> SessionTable::expired(std::int64_t now) {
  std::vector<Session*> out;
  if (now < next_due_) return out;
  next_due_ = std::numeric_limits<std::int64_t>::max();
  for (auto& [client, s] : by_client_) {
    if (s.closing) continue;
    const std::int64_t due = s.due();
    if (due > 0 && due <= now)
      out.push_back(&s);
    else
      note_due(s);
  }
  return out;
}

}  // namespace amo::plugin
