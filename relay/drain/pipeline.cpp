#include "relay/drain/pipeline.h"

#include <algorithm>
#include <utility>

#include "relay/drain/relay_metrics.h"

namespace amo::relay {

std::chrono::milliseconds refusal_backoff(int attempts) {
  const int doublings = std::clamp(attempts - 1, 0, 20);
  const std::chrono::milliseconds wait(100LL << doublings);
  return std::min(wait, std::chrono::milliseconds(30000));
}

Pipeline::Pipeline(Options options, Send send)
    : options_(std::move(options)), send_(std::move(send)), connected_(std::max(options_.shards, 1), 0) {}

void Pipeline::schedule(Tenant& tenant, Clock::time_point now, std::vector<Pending>& out) {
  if (paused_ || now >= lease_deadline_ || tenant.key != 0 || tenant.rows.empty() || now < tenant.retry_at) return;
  const int shard = options_.shard_of ? options_.shard_of(tenant.rows.front()->amo_id) : 0;
  if (!connected_[static_cast<std::size_t>(shard)]) return;
  if (window_used() >= options_.window) {
    if (!tenant.waiting) {
      tenant.waiting = true;
      waiting_.push_back(tenant.rows.front()->amo_id);
    }
    return;
  }
  tenant.waiting = false;
  tenant.key = ++next_key_;
  tenant.shard = shard;
  tenant.sent = now;
  in_flight_.emplace(tenant.key, &tenant);
  out.push_back({tenant.rows.front(), shard, tenant.key});
}

void Pipeline::schedule_waiting(Clock::time_point now, std::vector<Pending>& out) {
  while (!waiting_.empty() && window_used() < options_.window) {
    auto it = tenants_.find(waiting_.front());
    waiting_.pop_front();
    if (it == tenants_.end() || !it->second.waiting) continue;  // dropped, or sent since
    it->second.waiting = false;
    schedule(it->second, now, out);
  }
}

void Pipeline::send_all(const std::vector<Pending>& pending) {
  for (const auto& p : pending) {
    if (send_(*p.row, p.shard, p.key)) continue;
    // Not sent (the connection just went): the row waits for its shard's connected().
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(p.key);
    if (it == in_flight_.end()) continue;
    it->second->key = 0;
    in_flight_.erase(it);
    connected_[static_cast<std::size_t>(p.shard)] = 0;
  }
}

void Pipeline::notify_if_needed(bool had_outcomes_before) {
  if (!had_outcomes_before && options_.wake) options_.wake();
}

void Pipeline::append(std::vector<Row> rows, std::vector<Tenant*>& fresh) {
  const auto now = Clock::now();
  for (auto& row : rows) {
    auto& tenant = tenants_[row.amo_id];
    if (row.seq <= tenant.last_seq) continue;  // held already (a reload overlapping a claim)
    if (tenant.spilled || tenant.rows.size() >= options_.max_rows_per_tenant) {
      tenant.spilled = true;
      continue;
    }
    if (tenant.rows.empty()) {
      fresh.push_back(&tenant);
      if (row.wait.count() > 0) tenant.retry_at = now + row.wait;
    }
    tenant.last_seq = row.seq;
    tenant.rows.push_back(std::make_shared<Row>(std::move(row)));
    ++queued_;
  }
}

void Pipeline::add(std::vector<Row> rows) {
  std::vector<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    std::vector<Tenant*> fresh;
    append(std::move(rows), fresh);
    const auto now = Clock::now();
    for (Tenant* tenant : fresh) schedule(*tenant, now, pending);
  }
  send_all(pending);
}

std::vector<std::pair<std::string, std::int64_t>> Pipeline::reloads() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [amo, tenant] : tenants_)
    if (tenant.spilled && tenant.rows.size() <= options_.max_rows_per_tenant / 2)
      out.emplace_back(amo, tenant.last_seq);
  return out;
}

void Pipeline::reloaded(const std::string& amo, std::vector<Row> rows) {
  std::vector<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    auto it = tenants_.find(amo);
    if (it == tenants_.end()) return;  // dropped meanwhile
    it->second.spilled = false;
    std::vector<Tenant*> fresh;
    append(std::move(rows), fresh);
    const auto now = Clock::now();
    for (Tenant* tenant : fresh) schedule(*tenant, now, pending);
    if (it->second.rows.empty() && !it->second.spilled && it->second.key == 0) tenants_.erase(it);
  }
  send_all(pending);
}

void Pipeline::connected(int shard) {
  std::vector<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    connected_.at(static_cast<std::size_t>(shard)) = 1;
    const auto now = Clock::now();
    for (auto& [amo, tenant] : tenants_) schedule(tenant, now, pending);
  }
  send_all(pending);
}

void Pipeline::lost(int shard) {
  std::vector<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    connected_.at(static_cast<std::size_t>(shard)) = 0;
    // Every row in flight to that broker is unacked: it goes again, same id and seq, after the
    // reconnect (or to another shard, if the map moved its tenant meanwhile).
    std::erase_if(in_flight_, [&](const auto& entry) {
      if (entry.second->shard != shard) return false;
      entry.second->key = 0;
      return true;
    });
    // The slots they held may let tenants of the other shards go.
    schedule_waiting(Clock::now(), pending);
  }
  send_all(pending);
}

void Pipeline::acked(std::uint64_t key, bool ok, int reason_code) {
  std::vector<Pending> pending;
  bool had_outcomes = true;
  {
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(key);
    if (it == in_flight_.end()) return;  // lost, dropped or answered already
    Tenant& tenant = *it->second;
    in_flight_.erase(it);
    tenant.key = 0;
    const auto now = Clock::now();
    had_outcomes = !outcomes_.published.empty() || !outcomes_.refusals.empty();
    Row& row = *tenant.rows.front();
    const std::string amo = row.amo_id;
    if (ok) {
      if (options_.metrics) {
        options_.metrics->published.inc();
        options_.metrics->puback_seconds.observe(std::chrono::duration<double>(now - tenant.sent).count());
      }
      outcomes_.published.push_back(row.id);
      tenant.rows.pop_front();
      tenant.retry_at = {};
      --queued_;
    } else if (reason_code >= 0x80) {
      Refusal r;
      r.id = row.id;
      r.partition = row.partition;
      r.attempts = ++row.attempts;
      r.error = "broker refused: reason " + std::to_string(reason_code);
      r.dead = row.attempts >= options_.max_attempts;
      if (options_.metrics) options_.metrics->refused.inc();
      if (r.dead) {
        if (options_.metrics) options_.metrics->dead_refused.inc();
        tenant.rows.pop_front();
        tenant.retry_at = {};
        --queued_;
      } else {
        r.backoff = refusal_backoff(r.attempts);
        tenant.retry_at = now + r.backoff;
      }
      outcomes_.refusals.push_back(std::move(r));
    } else {
      // Not a refusal: the publish did not get through. Not counted (DESIGN §5); again soon.
      tenant.retry_at = now + options_.transient_retry;
    }
    if (tenant.rows.empty() && !tenant.spilled)
      tenants_.erase(amo);
    else
      schedule(tenant, now, pending);
    schedule_waiting(now, pending);
  }
  send_all(pending);
  notify_if_needed(had_outcomes);
}

void Pipeline::retry_due() {
  std::vector<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    for (auto& [amo, tenant] : tenants_)
      if (tenant.retry_at != Clock::time_point{} && now >= tenant.retry_at) schedule(tenant, now, pending);
  }
  send_all(pending);
}

std::size_t Pipeline::drop(std::span<const int> partitions) {
  std::lock_guard lock(mutex_);
  std::size_t in_flight = 0;
  for (auto it = tenants_.begin(); it != tenants_.end();) {
    Tenant& t = it->second;
    if (t.rows.empty() ||
        std::find(partitions.begin(), partitions.end(), t.rows.front()->partition) == partitions.end()) {
      ++it;
      continue;
    }
    if (t.key != 0) in_flight += in_flight_.erase(t.key);
    queued_ -= t.rows.size();
    it = tenants_.erase(it);
  }
  return in_flight;
}

void Pipeline::drop_all() {
  std::lock_guard lock(mutex_);
  tenants_.clear();
  in_flight_.clear();
  waiting_.clear();
  queued_ = 0;
}

void Pipeline::pause() {
  std::lock_guard lock(mutex_);
  paused_ = true;
}

void Pipeline::lease_valid_until(Clock::time_point t) {
  std::vector<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    lease_deadline_ = t;
    const auto now = Clock::now();
    for (auto& [amo, tenant] : tenants_) schedule(tenant, now, pending);
  }
  send_all(pending);
}

Outcomes Pipeline::take() {
  std::lock_guard lock(mutex_);
  unconfirmed_ += outcomes_.published.size();
  return std::exchange(outcomes_, {});
}

void Pipeline::confirm(std::size_t published) {
  std::vector<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    unconfirmed_ -= std::min(published, unconfirmed_);
    schedule_waiting(Clock::now(), pending);
  }
  send_all(pending);
}

bool Pipeline::has_outcomes() const {
  std::lock_guard lock(mutex_);
  return !outcomes_.published.empty() || !outcomes_.refusals.empty();
}

std::size_t Pipeline::queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

std::size_t Pipeline::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_.size();
}

}  // namespace amo::relay
