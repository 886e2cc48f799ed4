#include "bench/relay/phases.h"

#include <unistd.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "bench/relay/proc_stat.h"
#include "bench/relay/raw_publisher.h"

namespace amo::bench_relay {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double secs(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

CheckingSubscriber::Options subscriber_options(const Cluster& cluster, const harness::Mosquitto& broker,
                                               const std::string& tag, bool keep_arrivals) {
  const std::string cid = "system:bench-sub-" + tag + ":1";
  return {.port = broker.port(),
          .client_id = cid,
          .username = "bench-sub",
          .password = cluster.service_token("bench-sub", cid),
          .keep_arrivals = keep_arrivals};
}

RawPublisher::Options publisher_options(const Cluster& cluster, const harness::Mosquitto& broker,
                                        const std::string& tag, int tenants) {
  const std::string cid = "system:bench-raw-" + tag + ":1";
  RawPublisher::Options o{.port = broker.port(),
                          .client_id = cid,
                          .username = "bench-raw",
                          .password = cluster.service_token("bench-raw", cid),
                          .tenants = {}};
  for (int i = 0; i < tenants; ++i) o.tenants.push_back(tenant(i));
  return o;
}

// Counts and per-tenant order as the subscriber saw them: exactly `per_tenant` rows for each
// tenant, seq 1..per_tenant in order, nothing repeated. Empty when all holds.
std::string check(const CheckingSubscriber& sub, int tenants, std::int64_t per_tenant) {
  const auto t = sub.tally();
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  const auto total = static_cast<std::uint64_t>(per_tenant) * static_cast<std::uint64_t>(tenants);
  if (t.received != total) add("received " + std::to_string(t.received) + " of " + std::to_string(total));
  if (t.out_of_order) add(std::to_string(t.out_of_order) + " out of order");
  if (t.repeated) add(std::to_string(t.repeated) + " repeated");
  if (t.unparsed) add(std::to_string(t.unparsed) + " without tenant or seq");
  if (t.tenants != static_cast<std::size_t>(tenants)) add(std::to_string(t.tenants) + " tenants");
  std::size_t short_tenants = 0;
  std::int64_t lowest = per_tenant, highest = 0;
  for (const auto& [amo, seq] : sub.highest()) {
    if (seq == per_tenant) continue;
    ++short_tenants;
    lowest = std::min(lowest, seq);
    highest = std::max(highest, seq);
  }
  if (short_tenants)
    add(std::to_string(short_tenants) + " tenants ended short of seq " + std::to_string(per_tenant) + " (at " +
        std::to_string(lowest) + ".." + std::to_string(highest) + ")");
  return out;
}

void progress(const std::string& what, const CheckingSubscriber& sub, std::uint64_t total, Clock::time_point t0,
              std::chrono::seconds timeout) {
  const auto deadline = t0 + timeout;
  while (!sub.wait_received(total, 5s)) {
    if (Clock::now() > deadline) return;
    std::cerr << "  " << what << ": " << sub.received() << " / " << total << " after " << static_cast<int>(secs(Clock::now() - t0))
              << " s\n";
  }
}

struct Sent {
  std::string id;
  Clock::time_point at;
  std::int64_t index;
};

// Latency from each event's commit (or publish) to its arrival at the subscriber, for events
// after the warm-up.
void latencies(const std::vector<Sent>& sent, const CheckingSubscriber& sub, std::int64_t warmup, SteadyResult& r) {
  std::unordered_map<std::string, const Sent*> by_id;
  by_id.reserve(sent.size());
  for (const auto& s : sent) by_id.emplace(s.id, &s);
  std::vector<double> ms;
  for (const auto& [id, at] : sub.arrivals()) {
    const auto it = by_id.find(id);
    if (it == by_id.end() || it->second->index < warmup) continue;
    ms.push_back(std::chrono::duration<double, std::milli>(at - it->second->at).count());
  }
  r.measured = ms.size();
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(ms.size())));
    return ms[std::min(ms.size(), std::max<std::size_t>(rank, 1)) - 1];
  };
  r.p50_ms = pct(0.50);
  r.p99_ms = pct(0.99);
  r.max_ms = ms.back();
}

std::chrono::seconds drain_timeout(const Sizes& s) {
  return std::chrono::seconds(60 + s.rows / 2000);
}

}  // namespace

DrainResult drain_relay(Cluster& cluster, const Sizes& s, int batch, int round) {
  DrainResult r;
  const std::string db = "drain_b" + std::to_string(batch) + "_r" + std::to_string(round);
  const std::string url = cluster.create_database(db);
  const auto f0 = Clock::now();
  fill_backlog(url, s.rows, s.tenants);
  r.backlog_seconds = secs(Clock::now() - f0);
  const auto total = static_cast<std::uint64_t>(s.rows);
  const std::string commits_sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()";
  std::this_thread::sleep_for(1500ms);  // the filling backends' statistics reach pg_stat_database
  const auto commits_before = count(url, commits_sql);
  {
    auto broker = cluster.broker(s.broker_inflight);
    CheckingSubscriber sub(subscriber_options(cluster, *broker, "drain", false));
    const auto pg_before = children_cpu(cluster.pg().pid());
    const double broker_before = cpu_seconds(broker->pid());
    const double bench_before = cpu_seconds(::getpid());
    const auto machine_before = machine_ticks();
    const auto t0 = Clock::now();
    auto relay = cluster.relay(url, broker->port(),
                               "instance_id = \"bench\"\nbatch_size = " + std::to_string(batch) + "\n", false);
    const pid_t pid = relay_pid(*relay);
    if (pid < 0) throw std::runtime_error("amo-relay process not found:\n" + relay->log());
    const JobSampler jobs(url);
    progress("relay batch " + std::to_string(batch), sub, total, t0, drain_timeout(s));
    const auto t_end = sub.last_arrival();
    const double relay_cpu = cpu_seconds(pid);
    r.relay_threads = thread_cpu(pid);
    const auto backends = relay_backends(url, &jobs);
    const double pg_relay = cpu_of(backends);
    for (const auto& b : backends) r.pg_jobs[b.job] += cpu_seconds(b.pid);
    const double pg_all = cpu_delta(pg_before, children_cpu(cluster.pg().pid()));
    const double broker_cpu = cpu_seconds(broker->pid()) - broker_before;
    const double bench_cpu = cpu_seconds(::getpid()) - bench_before;
    r.machine_busy_pct = busy_pct_of_one_core(machine_before, machine_ticks());

    r.seconds = secs(t_end - t0);
    r.rows_per_s = static_cast<double>(sub.received()) / r.seconds;
    r.relay_cpu_us_per_row = relay_cpu * 1e6 / static_cast<double>(total);
    r.pg_relay_us_per_row = pg_relay * 1e6 / static_cast<double>(total);
    r.pg_all_us_per_row = pg_all * 1e6 / static_cast<double>(total);
    r.broker_cpu_us_per_row = broker_cpu * 1e6 / static_cast<double>(total);
    r.bench_cpu_us_per_row = bench_cpu * 1e6 / static_cast<double>(total);
    r.others_pct = r.machine_busy_pct - (relay_cpu + pg_all + broker_cpu + bench_cpu) / r.seconds * 100;
    r.tally = sub.tally();
    r.payload_bytes = r.tally.received ? static_cast<double>(r.tally.bytes) / static_cast<double>(r.tally.received) : 0;
    r.problem = check(sub, s.tenants, s.rows / s.tenants);

    // published_at is written by the relay's marker after the PUBACKs: how far it trails.
    const auto marks_deadline = Clock::now() + 60s;
    std::int64_t unmarked = 0;
    while ((unmarked = count(url, "SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL")) > 0 &&
           Clock::now() < marks_deadline)
      std::this_thread::sleep_for(20ms);
    r.mark_lag_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_end).count();
    if (unmarked > 0) r.problem += (r.problem.empty() ? "" : "; ") + std::to_string(unmarked) + " rows never marked";
    r.relay_hwm_mib = peak_rss_mib(pid);
    std::this_thread::sleep_for(1500ms);  // idle backends flush their statistics within a second
    // The bench's own queries count too: the job sampler's (one per 20 ms) and the polls above.
    r.commits_per_1k_rows = static_cast<double>(count(url, commits_sql) - commits_before) * 1000.0 /
                            static_cast<double>(total);
    const auto no_seq = count(url, "SELECT count(*) FROM realtime_outbox WHERE seq IS NULL");
    const auto dead = count(url, "SELECT count(*) FROM realtime_outbox_dead");
    const auto attempts = count(url, "SELECT count(*) FROM realtime_outbox WHERE attempts > 0");
    if (no_seq || dead || attempts)
      r.problem += (r.problem.empty() ? "" : "; ") + std::to_string(no_seq) + " rows without seq, " +
                   std::to_string(dead) + " dead, " + std::to_string(attempts) + " with attempts";
  }
  cluster.drop_database(db);
  return r;
}

DrainResult drain_raw(Cluster& cluster, const Sizes& s, int round) {
  DrainResult r;
  const auto total = static_cast<std::uint64_t>(s.rows);
  auto broker = cluster.broker(s.broker_inflight);
  CheckingSubscriber sub(subscriber_options(cluster, *broker, "drain", false));
  const double broker_before = cpu_seconds(broker->pid());
  const double bench_before = cpu_seconds(::getpid());
  const auto machine_before = machine_ticks();
  const auto t0 = Clock::now();
  {
    RawPublisher pub(publisher_options(cluster, *broker, "r" + std::to_string(round), s.tenants));
    pub.drain(s.rows / s.tenants, drain_timeout(s));
    progress("raw", sub, total, t0, 30s);
  }
  const auto t_end = sub.last_arrival();
  r.machine_busy_pct = busy_pct_of_one_core(machine_before, machine_ticks());
  r.seconds = secs(t_end - t0);
  r.rows_per_s = static_cast<double>(sub.received()) / r.seconds;
  r.broker_cpu_us_per_row = (cpu_seconds(broker->pid()) - broker_before) * 1e6 / static_cast<double>(total);
  r.bench_cpu_us_per_row = (cpu_seconds(::getpid()) - bench_before) * 1e6 / static_cast<double>(total);
  r.others_pct = r.machine_busy_pct - (r.broker_cpu_us_per_row + r.bench_cpu_us_per_row) *
                                          static_cast<double>(total) / 1e6 / r.seconds * 100;
  r.tally = sub.tally();
  r.payload_bytes = r.tally.received ? static_cast<double>(r.tally.bytes) / static_cast<double>(r.tally.received) : 0;
  r.problem = check(sub, s.tenants, s.rows / s.tenants);
  return r;
}

SteadyResult steady_relay(Cluster& cluster, const Sizes& s, int round) {
  SteadyResult r;
  const std::string db = "steady_r" + std::to_string(round);
  const std::string url = cluster.create_database(db);
  {
    auto broker = cluster.broker(s.broker_inflight);
    CheckingSubscriber sub(subscriber_options(cluster, *broker, "steady", true));
    auto relay = cluster.relay(url, broker->port(), "instance_id = \"bench\"\n", true);
    const pid_t pid = relay_pid(*relay);
    if (pid < 0) throw std::runtime_error("amo-relay process not found:\n" + relay->log());
    std::this_thread::sleep_for(1s);  // leases taken, polling backed off to its ceiling
    const auto backends = relay_backends(url);

    std::vector<std::unique_ptr<pqxx::connection>> conns;
    for (int p = 0; p < s.producers; ++p) {
      conns.push_back(std::make_unique<pqxx::connection>(url));
      conns.back()->prepare("emit",
                            "SELECT realtime_emit($1, 'amo/' || $1 || '/broadcast/events', 'notification', "
                            "jsonb_build_object('title', 'event ' || $2::text, 'body', 'b', 'level', 'info'))");
    }
    const std::int64_t total = static_cast<std::int64_t>(s.rate) * s.latency_seconds;
    const auto interval = std::chrono::nanoseconds(1'000'000'000LL / s.rate);
    std::vector<std::vector<Sent>> sent(static_cast<std::size_t>(s.producers));
    const double cpu0 = cpu_seconds(pid), pg0 = cpu_of(backends);
    const auto start = Clock::now() + 20ms;
    std::vector<std::thread> threads;
    for (int p = 0; p < s.producers; ++p) {
      threads.emplace_back([&, p] {
        pqxx::connection& c = *conns[static_cast<std::size_t>(p)];
        auto& out = sent[static_cast<std::size_t>(p)];
        out.reserve(static_cast<std::size_t>(total / s.producers + 1));
        for (std::int64_t j = p; j < total; j += s.producers) {
          std::this_thread::sleep_until(start + j * interval);
          pqxx::work w(c);
          std::string id = w.exec_prepared1("emit", tenant(static_cast<int>(j % s.tenants)), j)[0].c_str();
          w.commit();
          out.push_back({std::move(id), Clock::now(), j});  // commit returned: the event exists
        }
      });
    }
    for (auto& t : threads) t.join();
    const auto end = Clock::now();
    const double window = secs(end - start);
    r.relay_cpu_pct = (cpu_seconds(pid) - cpu0) / window * 100;
    r.pg_relay_cpu_pct = (cpu_of(backends) - pg0) / window * 100;
    r.produced = static_cast<std::uint64_t>(total);
    r.achieved_rate = static_cast<double>(total) / window;
    sub.wait_received(r.produced, 30s);
    r.tally = sub.tally();
    std::vector<Sent> all;
    for (auto& v : sent) all.insert(all.end(), v.begin(), v.end());
    latencies(all, sub, static_cast<std::int64_t>(s.warmup_seconds) * s.rate, r);
    // The tenants got total / tenants events each (total is a multiple of tenants here).
    r.problem = check(sub, s.tenants, total / s.tenants);

    // Idle: nothing left to claim; the poll has backed off to poll_max_ms within a second.
    std::this_thread::sleep_for(3s);
    const double i0 = cpu_seconds(pid), ip0 = cpu_of(backends);
    const auto idle_start = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(s.idle_seconds));
    const double idle_window = secs(Clock::now() - idle_start);
    r.idle_cpu_pct = (cpu_seconds(pid) - i0) / idle_window * 100;
    r.idle_pg_cpu_pct = (cpu_of(backends) - ip0) / idle_window * 100;
    r.relay_hwm_mib = peak_rss_mib(pid);
  }
  cluster.drop_database(db);
  return r;
}

SteadyResult steady_raw(Cluster& cluster, const Sizes& s, int round) {
  SteadyResult r;
  auto broker = cluster.broker(s.broker_inflight);
  CheckingSubscriber sub(subscriber_options(cluster, *broker, "steady", true));
  RawPublisher pub(publisher_options(cluster, *broker, "s" + std::to_string(round), s.tenants));
  const std::int64_t total = static_cast<std::int64_t>(s.rate) * s.latency_seconds;
  const auto interval = std::chrono::nanoseconds(1'000'000'000LL / s.rate);
  std::vector<Sent> sent;
  sent.reserve(static_cast<std::size_t>(total));
  const auto start = Clock::now() + 20ms;
  // One pacing thread: a tenant's seq order is then the publish order.
  for (std::int64_t j = 0; j < total; ++j) {
    std::this_thread::sleep_until(start + j * interval);
    const auto at = Clock::now();
    sent.push_back({pub.publish_next(static_cast<std::size_t>(j)), at, j});
  }
  r.achieved_rate = static_cast<double>(total) / secs(Clock::now() - start);
  r.produced = static_cast<std::uint64_t>(total);
  sub.wait_received(r.produced, 30s);
  r.tally = sub.tally();
  latencies(sent, sub, static_cast<std::int64_t>(s.warmup_seconds) * s.rate, r);
  r.problem = check(sub, s.tenants, total / s.tenants);
  return r;
}

}  // namespace amo::bench_relay
