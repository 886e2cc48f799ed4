#include "relay/events/feed.h"

#include <algorithm>
#include <unordered_set>

#include "daemon/log/log.h"
#include "relay/events/frames.h"

namespace amo::relay {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kRecentPerTenant = 512;
constexpr int kRowsPerPoll = 1000;           // per tenant
constexpr std::int64_t kCatchUpRange = 500;  // seqs per catch-up query
constexpr int kCatchUpQueriesPerPoll = 4;    // per stream, so one far-behind stream cannot stall the rest
constexpr auto kHeartbeat = 10s;             // ≤ 15 s (DESIGN §6)
constexpr auto kUserCheck = 500ms;
constexpr std::size_t kHoldBackBytes = 256 * 1024;  // well under the server's per-stream buffer
constexpr auto kStalledFor = 15s;

std::string user_key(const Scope& s) {
  return s.amo + '\x1f' + s.user;
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Feed::Feed(const config::Config& config, metrics::Registry& registry)
    : config_(config),
      streams_gauge_(registry.gauge("amo_sse_streams", "Open SSE streams on this relay.")),
      frames_(registry.counter("amo_sse_events_total", "Events written to SSE streams.")),
      refused_cap_(registry.counter("amo_sse_refused_total",
                                    "SSE connects refused with 429 (sse_per_user or sse_total reached).")),
      ended_revoked_(
          registry.counter("amo_sse_ended_total", "SSE streams the relay ended, by reason.", {{"reason", "revoked"}})),
      ended_expired_(registry.counter("amo_sse_ended_total", "", {{"reason", "expired"}})) {}

Feed::~Feed() {
  stop();
}

bool Feed::reserve(const Scope& scope) {
  std::lock_guard lock(places_mutex_);
  int& mine = per_user_[user_key(scope)];
  if (total_ >= config_.sse_total || mine >= config_.sse_per_user) {
    if (mine == 0) per_user_.erase(user_key(scope));
    refused_cap_.inc();
    return false;
  }
  ++mine;
  ++total_;
  streams_gauge_.set(total_);
  return true;
}

void Feed::release(const Scope& scope) {
  std::lock_guard lock(places_mutex_);
  auto it = per_user_.find(user_key(scope));
  if (it != per_user_.end() && --it->second <= 0) per_user_.erase(it);
  --total_;
  streams_gauge_.set(total_);
}

void Feed::add(std::shared_ptr<http::Stream> stream, Caller caller, std::int64_t after, std::string first) {
  auto s = std::make_shared<StreamState>();
  s->stream = std::move(stream);
  s->caller = std::move(caller);
  s->pos = after;
  s->last_write = std::chrono::steady_clock::now();
  std::weak_ptr<StreamState> weak = s;
  s->stream->on_close([this, weak, scope = s->caller.scope] {
    if (auto st = weak.lock()) st->closed = true;
    release(scope);
  });
  write(*s, std::move(first));
  {
    std::lock_guard lock(incoming_mutex_);
    incoming_.push_back(std::move(s));
  }
  wake();
}

void Feed::start() {
  thread_ = std::thread([this] { run(); });
}

void Feed::stop() {
  if (stopping_.exchange(true)) return;
  wake();
  if (thread_.joinable()) thread_.join();
}

void Feed::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_cv_.notify_one();
}

void Feed::write(StreamState& s, std::string frame) {
  if (s.closed) return;
  // False: the stream is closed (peer gone, or its buffer overflowed: a slow reader is dropped).
  if (!s.stream->write(std::move(frame))) s.closed = true;
  s.last_write = std::chrono::steady_clock::now();
}

void Feed::end(StreamState& s, const char* why) {
  if (s.closed.exchange(true)) return;
  log::audit(std::string("sse stream ended (") + why + "): tenant=" + s.caller.scope.amo +
             " user=" + s.caller.scope.user + " request_id=" + s.stream->request_id());
  s.stream->close();
}

bool Feed::may_write(StreamState& s) {
  if (s.stream->buffered() <= kHoldBackBytes) {
    s.held_since = {};
    return true;
  }
  const auto now = std::chrono::steady_clock::now();
  if (s.held_since == std::chrono::steady_clock::time_point{}) s.held_since = now;
  if (now - s.held_since >= kStalledFor) end(s, "slow reader");
  return false;
}

bool Feed::deliver(pqxx::connection& c, const std::string& amo, Tenant& t, StreamState& s) {
  for (int queries = 0; s.pos < t.pos && !s.closed; ++queries) {
    if (!t.recent.empty() && s.pos >= t.recent.front().seq - 1) {
      for (const auto& row : t.recent) {
        if (row.seq <= s.pos) continue;
        if (s.caller.scope.allows(row.topic)) {
          if (!may_write(s)) return false;
          write(s, sse_event(row.seq, row.kind, row.data));
          frames_.inc();
        }
        s.pos = row.seq;
      }
      return false;
    }
    if (queries == kCatchUpQueriesPerPoll) return true;
    if (!may_write(s)) return false;
    const std::int64_t upto = std::min(s.pos + kCatchUpRange, t.pos);
    for (const auto& row : events_between(c, amo, s.pos, upto, s.caller.scope.topics)) {
      if (!may_write(s)) return false;  // rows up to s.pos went out
      write(s, sse_event(row.seq, row.kind, row.data));
      frames_.inc();
      s.pos = row.seq;
    }
    s.pos = upto;
  }
  return false;
}

Feed::PollResult Feed::poll(pqxx::connection& c) {
  {
    std::lock_guard lock(incoming_mutex_);
    for (auto& s : incoming_) {
      auto [it, fresh] = tenants_.try_emplace(s->caller.scope.amo);
      if (fresh) it->second.pos = s->pos;
      it->second.streams.push_back(std::move(s));
    }
    incoming_.clear();
  }
  const std::int64_t now = now_s();
  const auto steady_now = std::chrono::steady_clock::now();
  std::vector<std::string> amos;
  std::vector<std::int64_t> afters;
  for (auto it = tenants_.begin(); it != tenants_.end();) {
    auto& streams = it->second.streams;
    for (auto& s : streams) {
      if (s->closed) continue;
      if (now >= s->caller.exp) {
        ended_expired_.inc();
        end(*s, "credential expired");
      } else if (steady_now - s->last_write >= kHeartbeat) {
        write(*s, sse_heartbeat());
      }
    }
    std::erase_if(streams, [](const auto& s) { return s->closed.load(); });
    if (streams.empty()) {
      it = tenants_.erase(it);
      continue;
    }
    amos.push_back(it->first);
    afters.push_back(it->second.pos);
    ++it;
  }
  PollResult result;
  if (amos.empty()) return result;

  for (auto& fetched : events_after(c, amos, afters, kRowsPerPoll)) {
    Tenant& t = tenants_.at(fetched.amo);
    result.fetched |= !fetched.rows.empty();
    for (auto& row : fetched.rows) {
      t.pos = row.seq;
      t.recent.push_back(std::move(row));
    }
    while (t.recent.size() > kRecentPerTenant) t.recent.pop_front();
  }
  for (auto& [amo, t] : tenants_)
    for (auto& s : t.streams) result.behind |= deliver(c, amo, t, *s);
  return result;
}

void Feed::check_users(pqxx::connection& c) {
  // One row per (tenant, user) however many streams the user has open, and one pass over the
  // streams: 10,000 streams of 100 users cost 100 lookups, not 10,000 × 100 comparisons.
  std::vector<std::string> amos, users;
  for (const auto& [amo, t] : tenants_) {
    std::unordered_set<std::string_view> seen;
    for (const auto& s : t.streams)
      if (seen.insert(s->caller.scope.user).second) {
        amos.push_back(amo);
        users.push_back(s->caller.scope.user);
      }
  }
  if (amos.empty()) return;
  std::unordered_map<std::string, std::unordered_map<std::string, UserState>> states;
  for (auto& u : user_states(c, amos, users)) states[u.amo].emplace(u.user, std::move(u));
  for (auto& [amo, t] : tenants_) {
    const auto tenant = states.find(amo);
    if (tenant == states.end()) continue;
    for (auto& s : t.streams) {
      const auto u = tenant->second.find(s->caller.scope.user);
      if (u == tenant->second.end() || s->closed) continue;
      if (!u->second.active || s->caller.iat <= u->second.revoked_before) {
        ended_revoked_.inc();
        end(*s, u->second.active ? "user revoked" : "user deactivated");
      }
    }
  }
}

void Feed::run() {
  pg::Connection connection(events_pg_options(config_.database_url));
  const auto poll_min = std::chrono::milliseconds(config_.poll_min_ms);
  const auto poll_max = std::chrono::milliseconds(config_.poll_max_ms);
  auto wait = poll_min;
  auto next_user_check = std::chrono::steady_clock::now();
  while (!stopping_) {
    try {
      pqxx::connection& c = connection.get(&stopping_);
      if (std::chrono::steady_clock::now() >= next_user_check) {
        check_users(c);
        next_user_check = std::chrono::steady_clock::now() + kUserCheck;
      }
      const auto polled = poll(c);
      if (polled.behind) continue;
      wait = polled.fetched ? poll_min : std::min(wait * 2, poll_max);
    } catch (const pqxx::broken_connection&) {
      connection.lost();
      wait = poll_max;
    } catch (const std::exception& e) {
      log::warning(std::string("sse feed: ") + e.what());
      wait = poll_max;
    }
    const auto until_check = next_user_check - std::chrono::steady_clock::now();
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(wait, until_check),
                      [&] { return woken_ || stopping_.load(); });
    if (woken_) wait = poll_min;
    woken_ = false;
  }
  for (auto& [amo, t] : tenants_)
    for (auto& s : t.streams) s->stream->close();
}

}  // namespace amo::relay
