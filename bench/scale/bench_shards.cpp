// bench_shards (issue 14, DESIGN §9): QoS 0 fan-out throughput of one Mosquitto + our plugin
// holding all tenants, against two such brokers with the tenants split half/half, against
// NATS's MQTT front-end and against bare Mosquitto, under the same load (bench/scale/
// fanout_load.h). Every measurement runs on fresh broker processes; the configurations of a
// round run back to back in an order rotated per round; ratios are medians of the per-round
// ratios. CPU comes from /proc for each broker and for this process (the generator), which
// shares the machine's cores with the brokers. A benchmark program, not a test: it checks
// delivery, never timing.
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/rounds.h"
#include "bench/plugin/brokers.h"
#include "bench/scale/fanout_load.h"
#include "bench/scale/nats_mqtt.h"
#include "bench/scale/setups.h"

namespace {

using amo::bench::median;
using amo::bench::paired_ratio;
using amo::bench::fmt;
using amo::bench::loadavg;

using amo::bench_scale::Result;
using amo::bench_scale::Setup;

// "/autogroup-N nice K": with autogroup scheduling on, other sessions' processes share the cores
// by session, whatever a process's own nice value.
std::string autogroup() {
  std::ifstream in("/proc/self/autogroup");
  std::string s;
  std::getline(in, s);
  return s.empty() ? "none" : s;
}

void raise_nofile() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  r.rlim_cur = r.rlim_max;  // the brokers we start inherit it
  setrlimit(RLIMIT_NOFILE, &r);
}

std::string key(Setup s) {
  switch (s) {
    case Setup::one_broker: return "one";
    case Setup::two_shards: return "two";
    case Setup::nats: return "nats";
    case Setup::bare: return "bare";
  }
  return "?";
}

// Per configuration, one value per round of each figure.
struct Series {
  std::vector<double> rate, broker_us, gen_us, busy, gen_pct, other_pct, lost;
  // Per 1,000 deliveries: broker write() calls and sleeps (voluntary switches), generator
  // read() calls and sleeps, preemptions of either.
  std::vector<double> broker_writes, broker_sleeps, broker_preempt, gen_reads, gen_sleeps, gen_preempt;
  std::vector<double> broker_sys_us, gen_sys_us;  // system (kernel) CPU µs per delivery
  std::vector<std::vector<double>> broker_pct;  // per round, per broker process
};

// Median over rounds of the first broker's CPU share (the only one, or shard 1).
double first_broker_pct(const Series& se) {
  std::vector<double> v;
  for (const auto& round : se.broker_pct) v.push_back(round.empty() ? 0 : round[0]);
  return median(v);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int rounds = 0;
  double seconds = 0;
  int pace_us = 0;
  std::string only;
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--pace-us") && i + 1 < argc) {
      pace_us = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      only = argv[++i];
    } else {
      std::cerr << "usage: " << argv[0] << " [--quick] [--rounds N] [--seconds S] [--pace-us N] [--only one,two,nats,bare]\n";
      return 2;
    }
  }
  amo::bench_scale::Load load;
  if (quick) {
    load.warmup = std::chrono::milliseconds(500);
    load.measure = std::chrono::milliseconds(2000);
  }
  if (seconds > 0) load.measure = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  load.pace = std::chrono::microseconds(pace_us);
  if (rounds <= 0) rounds = quick ? 3 : 9;
  std::vector<Setup> setups;
  for (Setup s : amo::bench_scale::kSetups)
    if (only.empty() || ("," + only + ",").find("," + key(s) + ",") != std::string::npos) setups.push_back(s);
  if (std::find(setups.begin(), setups.end(), Setup::one_broker) == setups.end()) {
    std::cerr << "--only must include `one` (the baseline of every ratio)\n";
    return 2;
  }
  raise_nofile();

  // The cores this process and the brokers it starts may run on (taskset narrows them).
  cpu_set_t affinity;
  CPU_ZERO(&affinity);
  const int online = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  const int cores = ::sched_getaffinity(0, sizeof affinity, &affinity) == 0 ? CPU_COUNT(&affinity) : online;
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  const int subscribers = load.tenants * load.threads_per_tenant * load.subscribers_per_thread;
  std::ostringstream head;
  head << "# bench_shards: QoS 0 fan-out, one broker vs two shards vs NATS MQTT\n\n"
       << "`" << cmdline << "` — " << date << ", " << online << " CPUs online, " << cores << " allowed, load at start " << loadavg() << ", nice "
       << ::getpriority(PRIO_PROCESS, 0) << ", autogroup `" << autogroup() << "` (the brokers inherit both)\n\n"
       << "Load: " << load.tenants << " tenants × " << load.threads_per_tenant << " threads × "
       << load.subscribers_per_thread << " subscribers (" << subscribers
       << " user connections, each a fresh EdDSA token listing its thread, subscribed at QoS 0 to "
          "`amo/A<n>/thread/T<k>/#`); one `service` publisher per tenant (service publishes are not validated, "
          "so the generator sends one fixed 256-byte envelope) publishing QoS 0 to `amo/A<n>/thread/T<k>/events`, "
          "threads in turn: every publish is delivered "
       << load.subscribers_per_thread << " times. Generator: 2 threads (one per half of the tenants, each its own "
       << "epoll loop and connections), each keeping " << load.window
       << " deliveries outstanding; with two shards half 0's tenants live on shard 1, half 1's on shard 2. "
       << "Per measurement: fresh brokers, connect + subscribe, " << load.warmup.count() << " ms warm-up, "
       << load.measure.count() << " ms measured, 2 s drain. "
       << (pace_us > 0 ? "Control run: each generator thread sleeps " + std::to_string(pace_us) +
                             " µs per loop turn (--pace-us). "
                       : std::string())
       << rounds << " rounds, order rotated per round.\n\n";
  for (Setup s : setups) head << "- **" << name(s) << "**: " << describe(s) << "\n";
  head << "\nMosquitto settings (bench/plugin/brokers.cpp): " << amo::bench::Fixture::notes() << "\n\n"
       << amo::bench_scale::NatsMqtt::config_notes() << "\n\n";
  std::cout << head.str() << std::flush;

  amo::bench::Fixture fx(1);
  std::map<Setup, Series> series;
  std::cout << "## Per round\n\n| round | configuration | deliveries/s | broker CPU µs/delivery | generator CPU "
               "µs/delivery | broker CPU % of a core (each) | generator % | machine busy % | lost |\n"
               "|---|---|---:|---:|---:|---|---:|---:|---:|\n"
            << std::flush;
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t j = 0; j < setups.size(); ++j) {
      const Setup s = setups[(j + static_cast<std::size_t>(r)) % setups.size()];
      Result res;
      {
        amo::bench_scale::Brokers brokers(s, fx);
        res = amo::bench_scale::run_fanout(fx, brokers, load, r);
      }
      auto& se = series[s];
      se.rate.push_back(res.per_second);
      se.broker_us.push_back(res.broker_us_per_delivery());
      se.gen_us.push_back(res.generator_us_per_delivery());
      se.busy.push_back(res.machine_busy_pct);
      const double gen_pct = res.generator_cpu_s / res.seconds * 100;
      se.gen_pct.push_back(gen_pct);
      std::vector<double> bp;
      std::string bps;
      for (double c : res.broker_cpu_s) {
        bp.push_back(c / res.seconds * 100);
        bps += (bps.empty() ? "" : " + ") + fmt(bp.back(), "%.0f");
      }
      se.broker_pct.push_back(bp);
      se.other_pct.push_back(res.machine_busy_pct - gen_pct - res.broker_cpu_total() / res.seconds * 100);
      se.lost.push_back(static_cast<double>(res.lost));
      const double per_k = res.deliveries ? 1000.0 / static_cast<double>(res.deliveries) : 0;
      se.broker_writes.push_back(res.brokers.writes * per_k);
      se.broker_sleeps.push_back(res.brokers.voluntary * per_k);
      se.broker_preempt.push_back(res.brokers.involuntary * per_k);
      se.gen_reads.push_back(res.generator.reads * per_k);
      se.gen_sleeps.push_back(res.generator.voluntary * per_k);
      se.gen_preempt.push_back(res.generator.involuntary * per_k);
      se.broker_sys_us.push_back(res.brokers.system_s * per_k * 1000);
      se.gen_sys_us.push_back(res.generator.system_s * per_k * 1000);
      std::cout << "| " << r + 1 << " | " << name(s) << " | " << fmt(res.per_second, "%.0f") << " | "
                << fmt(res.broker_us_per_delivery(), "%.2f") << " | " << fmt(res.generator_us_per_delivery(), "%.2f")
                << " | " << bps << " | " << fmt(gen_pct, "%.0f") << " | " << fmt(res.machine_busy_pct, "%.0f")
                << " | " << res.lost << " |\n"
                << std::flush;
    }
  }

  const Series& one = series[Setup::one_broker];
  std::cout << "\nLoad at end: " << loadavg() << "\n\n## Results (medians over " << rounds
            << " rounds; ratios are medians of per-round ratios)\n\n"
               "| configuration | deliveries/s | ÷ one broker | broker CPU µs per delivery | generator CPU µs per "
               "delivery | broker CPU % of a core (each) | generator CPU % of a core | others % | machine busy % "
               "(of " << online * 100 << ") | lost (max) |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n";
  for (Setup s : setups) {
    const Series& se = series[s];
    std::string bps;
    for (std::size_t b = 0; b < se.broker_pct.front().size(); ++b) {
      std::vector<double> v;
      for (const auto& round : se.broker_pct) v.push_back(round[b]);
      bps += (bps.empty() ? "" : " + ") + fmt(median(v), "%.0f");
    }
    std::cout << "| " << name(s) << " | " << fmt(median(se.rate), "%.0f") << " | "
              << (s == Setup::one_broker ? std::string("1") : fmt(paired_ratio(se.rate, one.rate), "%.3f")) << " | "
              << fmt(median(se.broker_us), "%.2f") << " | " << fmt(median(se.gen_us), "%.2f") << " | " << bps
              << " | " << fmt(median(se.gen_pct), "%.0f") << " | " << fmt(median(se.other_pct), "%.0f") << " | "
              << fmt(median(se.busy), "%.0f") << " | "
              << fmt(*std::max_element(se.lost.begin(), se.lost.end()), "%.0f") << " |\n";
  }

  std::cout << "\nPer 1,000 deliveries (medians; from /proc/<pid>/io and the threads' context switches; a "
               "sleep is an epoll wait that found nothing to do, a preemption a thread taken off a core):\n\n"
               "| configuration | broker write() calls | broker sleeps | broker preemptions | generator read() calls "
               "| generator sleeps | generator preemptions | broker / generator kernel CPU µs per delivery |\n"
               "|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (Setup s : setups) {
    const Series& se = series[s];
    std::cout << "| " << name(s) << " | " << fmt(median(se.broker_writes), "%.0f") << " | "
              << fmt(median(se.broker_sleeps), "%.1f") << " | " << fmt(median(se.broker_preempt), "%.1f") << " | "
              << fmt(median(se.gen_reads), "%.0f") << " | " << fmt(median(se.gen_sleeps), "%.1f") << " | "
              << fmt(median(se.gen_preempt), "%.1f") << " | " << fmt(median(se.broker_sys_us), "%.2f") << " / "
              << fmt(median(se.gen_sys_us), "%.2f") << " |\n";
  }

  // What bounds each: the one broker its single thread (10^6 / its µs per delivery); two shards
  // the machine's cores, which a delivery costs the brokers' CPU plus the generator's. And why
  // the per-delivery costs differ: user-space (Mosquitto + plugin) against kernel (loopback TCP).
  if (series.count(Setup::two_shards)) {
    const Series& two = series[Setup::two_shards];
    const double b1 = median(one.broker_us), g1 = median(one.gen_us);
    const double b2 = median(two.broker_us), g2 = median(two.gen_us);
    const double k1 = median(one.broker_sys_us), k2 = median(two.broker_sys_us);
    const double gk1 = median(one.gen_sys_us), gk2 = median(two.gen_sys_us);
    const double one_rate = median(one.rate), two_rate = median(two.rate);
    const double one_ceiling = 1e6 / b1;
    const double two_ceiling = cores * 1e6 / (b2 + g2);
    std::cout << "\n## What limits the two-shard ratio (from the medians above)\n\n"
              << "- One broker is bound by its single thread: 10^6 / " << fmt(b1, "%.2f") << " µs = "
              << fmt(one_ceiling, "%.0f") << " deliveries/s; measured " << fmt(one_rate, "%.0f") << " (broker at "
              << fmt(first_broker_pct(one), "%.0f") << " % of a core, the generator at "
              << fmt(median(one.gen_pct), "%.0f") << " % beside it, " << fmt(g1, "%.2f") << " µs per delivery).\n"
              << "- Two shards are bound by the " << cores << " cores, which the generator shares: a delivery costs "
              << fmt(b2, "%.2f") << " µs of broker CPU + " << fmt(g2, "%.2f") << " µs of generator CPU, so at most "
              << cores << " × 10^6 / " << fmt(b2 + g2, "%.2f") << " µs = " << fmt(two_ceiling, "%.0f")
              << " deliveries/s; measured " << fmt(two_rate, "%.0f") << " (" << fmt(two_rate / two_ceiling * 100, "%.0f")
              << " % of it; machine busy " << fmt(median(two.busy), "%.0f") << " % of " << online * 100
              << "; the generator's share of the CPU per delivery is " << fmt(g2 / (b2 + g2) * 100, "%.0f")
              << " %, which is what keeps two shards below 2 × what two brokers alone could deliver, 2 × 10^6 / "
              << fmt(b2, "%.2f") << " µs = " << fmt(2e6 / b2, "%.0f") << ").\n"
              << "- A delivery costs one broker " << fmt(b1, "%.2f") << " µs and a shard " << fmt(b2, "%.2f") << " µs"
              << (paired_ratio(two.rate, one.rate) > 2 ? ", which is how the ratio exceeds 2× on " + std::to_string(cores) +
                                                             " cores"
                                                       : std::string())
              << ". Of that, Mosquitto and the plugin (user space) "
              << "take " << fmt(b1 - k1, "%.2f") << " and " << fmt(b2 - k2, "%.2f")
              << " µs; the kernel's loopback TCP work per delivery differs, " << fmt(k1, "%.2f") << " against "
              << fmt(k2, "%.2f") << " µs in the brokers and " << fmt(gk1, "%.2f") << " against " << fmt(gk2, "%.2f")
              << " µs in the generator, at the same one write() per delivery; the generator finds "
              << fmt(1000 / median(one.gen_reads), "%.1f") << " deliveries per read() with one broker and "
              << fmt(1000 / median(two.gen_reads), "%.1f") << " with two shards. Broker preemptions per 1,000 "
              << "deliveries: " << fmt(median(one.broker_preempt), "%.1f") << " with one broker, "
              << fmt(median(two.broker_preempt), "%.1f") << " with two shards"
              << (cores > 1 && median(one.broker_preempt) < 50 && median(two.broker_preempt) > 100
                      ? " (one broker and the generator ran side by side on different cores, handing every delivery "
                        "across; two shards and the generator's two threads took turns)"
                      : "")
              << ".\n";
  }
  return 0;
}
