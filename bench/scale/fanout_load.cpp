#include "bench/scale/fanout_load.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "bench/plugin/load_loop.h"
#include "bench/plugin/mqtt_wire.h"
#include "bench/relay/proc_stat.h"
#include "core/identity.h"
#include "core/token/claims.h"

namespace amo::bench_scale {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::uint16_t kKeepalive = 600;  // no PINGREQ during a run
constexpr std::size_t kPayloadSize = 256;
constexpr int kHalves = 2;

std::string amo_of(int tenant) { return "A" + std::to_string(tenant); }
std::string thread_id(int t) { return "T" + std::to_string(t); }

// A 256-byte envelope as the relay would publish it; a `service` publish is not validated.
std::string payload() {
  std::string head = R"({"v":1,"id":"5b0c6a7e-2f0d-4c8e-9a51-3f1e2d4c5b6a","kind":"thread.event","seq":1,)"
                     R"("ts":"2026-11-25T10:00:00.123Z","payload":{"title":"Work order updated","body":")";
  const std::string tail = R"("}})";
  if (head.size() + tail.size() < kPayloadSize) head.append(kPayloadSize - head.size() - tail.size(), 'x');
  return head + tail;
}

// One generator thread's share: half of the tenants, one loop, one broker.
struct Half {
  struct Target {
    bench::Conn* publisher;
    std::string topic;
    std::uint64_t fan;  // subscribers of the topic
  };
  std::unique_ptr<bench::Loop> loop;
  std::vector<bench::Conn*> conns, subscribers;
  std::vector<Target> targets;  // published to in turn
  std::uint64_t expected = 0;   // deliveries the publishes so far should cause
  std::size_t next = 0;
  std::uint64_t d0 = 0, d1 = 0, lost = 0;
  Clock::time_point t0, t1;
  std::exception_ptr error;
};

bench::Conn& connect(bench::Loop& loop, const bench::Creds& c) {
  bench::Conn& conn = loop.open();
  bench::put_connect(conn.out, c.client_id, c.username, c.password, kKeepalive);
  loop.send(conn);
  return conn;
}

void set_up(Half& h, const bench::Fixture& fx, const Load& load, int first_tenant, int tenants, int run,
            const Brokers& brokers) {
  const std::string tag = "-r" + std::to_string(run);
  for (int a = first_tenant; a < first_tenant + tenants; ++a) {
    const std::string amo = amo_of(a);
    bench::Conn& pub = connect(*h.loop, fx.with_token("svc-" + amo + tag, "svc", "bench-svc-" + amo,
                                                       std::string(token::kSystemAmo), {}, Role::service, 3600));
    h.conns.push_back(&pub);
    for (int t = 0; t < load.threads_per_tenant; ++t) {
      const std::string base = "amo/" + amo + "/thread/" + thread_id(t);
      const std::vector<std::string> filters{base + "/#"};
      for (int i = 0; i < load.subscribers_per_thread; ++i) {
        const std::string sub = "u" + std::to_string(t) + "_" + std::to_string(i);
        bench::Conn& c = connect(*h.loop, fx.with_token(amo + "-" + sub + tag, "u", sub, amo, {thread_id(t)},
                                                         Role::user, 300));
        bench::put_subscribe(c.out, c.take_id(), filters, 0);
        ++c.subacks_pending;
        h.loop->send(c);
        h.conns.push_back(&c);
        h.subscribers.push_back(&c);
      }
      h.targets.push_back({&pub, base + "/events", static_cast<std::uint64_t>(load.subscribers_per_thread)});
    }
  }
  auto& loop = *h.loop;
  const bool ok = loop.run(
      [&] {
        return loop.refused() > 0 || loop.eofs() > 0 ||
               std::all_of(h.conns.begin(), h.conns.end(),
                           [](const bench::Conn* c) { return c->connack >= 0 && c->subacks_pending == 0; });
      },
      nullptr, Clock::now() + 60s);
  if (!ok || loop.refused() > 0 || loop.eofs() > 0)
    throw std::runtime_error("set-up failed (" + std::to_string(loop.refused()) + " refused, " +
                             std::to_string(loop.eofs()) + " closed, timed out: " + (ok ? "no" : "yes") +
                             ")\n" + brokers.logs());
}

void drive(Half& h, const Load& load, const std::string& body, Clock::time_point start, Clock::time_point end) {
  auto& loop = *h.loop;
  bool publishing = true;
  const auto window = static_cast<std::uint64_t>(load.window);
  auto top_up = [&] {
    if (load.pace.count() > 0) std::this_thread::sleep_for(load.pace);
    while (publishing && h.expected - loop.delivered() < window) {
      const Half::Target& t = h.targets[h.next++ % h.targets.size()];
      bench::put_publish(t.publisher->out, t.topic, body, 0, 0);
      loop.send(*t.publisher);
      h.expected += t.fan;
    }
  };
  loop.run([&] { return Clock::now() >= start; }, top_up, start + 60s);
  h.t0 = Clock::now();
  h.d0 = loop.delivered();
  loop.run([&] { return Clock::now() >= end; }, top_up, end + 60s);
  h.t1 = Clock::now();
  h.d1 = loop.delivered();
  publishing = false;
  loop.run([&] { return loop.delivered() >= h.expected; }, nullptr, Clock::now() + 2s);
  h.lost = h.expected - std::min(h.expected, loop.delivered());
}

}  // namespace

double Result::broker_cpu_total() const { return std::accumulate(broker_cpu_s.begin(), broker_cpu_s.end(), 0.0); }

Result run_fanout(const bench::Fixture& fx, const Brokers& brokers, const Load& load, int run) {
  if (load.tenants % kHalves != 0) throw std::invalid_argument("tenants must be even");
  std::vector<Half> halves(kHalves);
  for (int i = 0; i < kHalves; ++i) {
    halves[i].loop = std::make_unique<bench::Loop>(brokers.port_for_half(i));
    set_up(halves[i], fx, load, i * load.tenants / kHalves, load.tenants / kHalves, run, brokers);
  }

  const std::string body = payload();
  const auto start = Clock::now() + load.warmup;
  const auto end = start + load.measure;
  std::vector<std::thread> threads;
  for (auto& h : halves)
    threads.emplace_back([&h, &load, &body, start, end] {
      try {
        drive(h, load, body, start, end);
      } catch (...) {
        h.error = std::current_exception();
      }
    });

  const auto& pids = brokers.pids();
  auto broker_cpu = [&] {
    std::vector<double> v;
    for (pid_t p : pids) v.push_back(bench_relay::cpu_seconds(p));
    return v;
  };
  auto counters = [&] {
    ProcCounters sum;
    for (pid_t p : pids) sum = sum + proc_counters(p);
    return std::pair{sum, proc_counters(::getpid())};
  };
  std::this_thread::sleep_until(start);
  const auto b0 = broker_cpu();
  const double g0 = bench_relay::cpu_seconds(::getpid());
  const auto m0 = bench_relay::machine_ticks();
  const auto c0 = counters();
  std::this_thread::sleep_until(end);
  const auto b1 = broker_cpu();
  const double g1 = bench_relay::cpu_seconds(::getpid());
  const auto m1 = bench_relay::machine_ticks();
  const auto c1 = counters();
  for (auto& t : threads) t.join();
  for (auto& h : halves)
    if (h.error) std::rethrow_exception(h.error);

  Result r;
  for (std::size_t i = 0; i < pids.size(); ++i) r.broker_cpu_s.push_back(b1[i] - b0[i]);
  r.generator_cpu_s = g1 - g0;
  r.machine_busy_pct = bench_relay::busy_pct_of_one_core(m0, m1);
  r.brokers = c1.first - c0.first;
  r.generator = c1.second - c0.second;
  for (auto& h : halves) {
    const double secs = std::chrono::duration<double>(h.t1 - h.t0).count();
    r.deliveries += h.d1 - h.d0;
    r.per_second += static_cast<double>(h.d1 - h.d0) / secs;
    r.seconds += secs / kHalves;
    r.lost += h.lost;
    if (h.loop->eofs() > 0) throw std::runtime_error("a client was disconnected during the run\n" + brokers.logs());
    for (const bench::Conn* c : h.subscribers)
      if (c->received == 0) throw std::runtime_error("a subscriber received nothing\n" + brokers.logs());
  }
  return r;
}

}  // namespace amo::bench_scale
