// bench_relay: the outbox relay (DESIGN §5, issue 9 "Speed") against a raw Paho MQTT C++ QoS 1
// publisher with no database (MQTT v5, no persistence, the same window: one unacked publish
// per tenant), both into a fresh Mosquitto with our plugin and a QoS 1 subscriber on amo/#
// that checks counts and per-tenant seq order while it measures. Three parts:
//   1. drain a backlog (default 1,000,000 rows over 100 tenants), relay at each batch_size;
//   2. commit-to-subscriber latency at a steady 1,000 events/s from paced producers;
//   3. the idle relay's CPU.
// Every measurement on fresh processes; the peers of a round run back to back, their order
// rotating each round; ratios are medians of per-round ratios (this VM's speed drifts by up to
// 30 % within a minute). A benchmark program, not a test: it checks delivery, never timing.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <mosquitto.h>

#include "bench/rounds.h"
#include "bench/relay/phases.h"
#include "bench/relay/stack.h"

namespace {

using amo::bench::median;
using amo::bench::fmt;
using amo::bench::loadavg;

using namespace amo::bench_relay;

// 1234567 → "1,234,567"
std::string grouped(double v) {
  const std::string digits = fmt(v < 0 ? -v : v, "%.0f");
  std::string out = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// One peer's results over the rounds; a failed measurement leaves its round out.
template <class R>
struct Series {
  std::vector<std::optional<R>> rounds;
  std::vector<std::string> problems;
  std::vector<double> of(double R::*field) const {
    std::vector<double> out;
    for (const auto& r : rounds)
      if (r) out.push_back((*r).*field);
    return out;
  }
  double med(double R::*field) const { return median(of(field)); }
  bool clean() const {
    return problems.empty() &&
           std::all_of(rounds.begin(), rounds.end(), [](const auto& r) { return r && r->problem.empty(); });
  }
};

template <class R>
void record(Series<R>& s, int round, const std::string& what, const std::function<R()>& measure) {
  try {
    R r = measure();
    if (!r.problem.empty()) {
      std::cerr << "  " << what << " round " << round + 1 << ": " << r.problem << "\n";
      s.problems.push_back("round " + std::to_string(round + 1) + ": " + r.problem);
    }
    s.rounds.emplace_back(std::move(r));
  } catch (const std::exception& e) {
    std::cerr << "  " << what << " round " << round + 1 << " failed: " << e.what() << "\n";
    s.problems.push_back("round " + std::to_string(round + 1) + " failed: " + e.what());
    s.rounds.emplace_back(std::nullopt);
  }
}

// Median over rounds of a[i].field / b[i].field, both present.
template <class R>
double paired(const Series<R>& a, const Series<R>& b, double R::*field) {
  std::vector<double> r;
  for (std::size_t i = 0; i < a.rounds.size() && i < b.rounds.size(); ++i)
    if (a.rounds[i] && b.rounds[i] && (*b.rounds[i]).*field > 0) r.push_back((*a.rounds[i]).*field / (*b.rounds[i]).*field);
  return median(r);
}

// Where the relay's CPU went: Paho's threads (by name) and ours (busiest first), then its
// Postgres backends by job.
std::string cpu_line(const DrainResult& r) {
  std::map<std::string, double> paho;
  std::vector<double> own;
  for (const auto& [name, s] : r.relay_threads) {
    const std::string comm = name.substr(name.find(' ') + 1);
    if (comm.rfind("MQTTAsync", 0) == 0)
      paho[comm] += s;
    else
      own.push_back(s);
  }
  std::sort(own.rbegin(), own.rend());
  std::string out = "relay threads";
  for (const auto& [comm, s] : paho) out += " " + comm + " " + fmt(s, "%.1f") + " s,";
  out += " own";
  for (double c : own)
    if (c >= 0.05) out += " " + fmt(c, "%.1f");
  out += " s; its Postgres backends";
  for (const auto& [job, s] : r.pg_jobs) out += " " + job + " " + fmt(s, "%.1f") + " s";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Sizes sizes;
  bool quick = false;
  std::optional<std::int64_t> rows;
  std::optional<int> rounds;
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--quick") {
      quick = true;
    } else if (a == "--rounds" && has_value) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--rows" && has_value) {
      rows = std::atoll(argv[++i]);
    } else if (a == "--batches" && has_value) {
      sizes.batches.clear();
      std::istringstream in(argv[++i]);
      for (std::string b; std::getline(in, b, ',');) sizes.batches.push_back(std::atoi(b.c_str()));
    } else if (a == "--latency-seconds" && has_value) {
      sizes.latency_seconds = std::atoi(argv[++i]);
    } else if (a == "--idle-seconds" && has_value) {
      sizes.idle_seconds = std::atoi(argv[++i]);
    } else if (a == "--broker-inflight" && has_value) {
      sizes.broker_inflight = std::atoi(argv[++i]);
    } else {
      std::cerr << "usage: " << argv[0]
                << " [--quick] [--rounds N] [--rows N] [--batches 100,500] [--latency-seconds S] [--idle-seconds S]"
                   " [--broker-inflight N]\n";
      return 2;
    }
  }
  if (quick) {
    sizes.rows = 100000;
    sizes.latency_seconds = 10;
    sizes.idle_seconds = 10;
  }
  if (rows) sizes.rows = *rows;
  if (rounds) sizes.rounds = *rounds;
  sizes.rows = std::max<std::int64_t>(sizes.tenants, sizes.rows / sizes.tenants * sizes.tenants);
  if (sizes.rounds <= 0 || sizes.batches.empty() || sizes.latency_seconds <= sizes.warmup_seconds) {
    std::cerr << "bench_relay: nothing to measure\n";
    return 2;
  }

  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  mosquitto_lib_init();
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t nb = sizes.batches.size();
  std::cout << "# bench_relay\n\n"
            << "Command: `" << cmdline << "`  \n"
            << "Load at start (/proc/loadavg): `" << loadavg() << "`  \n"
            << "Plugin: `" << Cluster::plugin_path() << "`  \n"
            << "Rounds: " << sizes.rounds << "; drain " << grouped(static_cast<double>(sizes.rows)) << " rows over "
            << sizes.tenants << " tenants; steady " << sizes.rate << " events/s for " << sizes.latency_seconds
            << " s from " << sizes.producers << " producers (first " << sizes.warmup_seconds
            << " s not counted); idle " << sizes.idle_seconds << " s.\n\n"
            << std::flush;

  Series<DrainResult> raw;
  std::vector<Series<DrainResult>> relay(nb);
  Series<SteadyResult> steady_r, steady_p;
  std::vector<std::vector<std::string>> orders;
  try {
    Cluster cluster;
    for (int r = 0; r < sizes.rounds; ++r) {
      // Peers in rotating order: raw, relay b1, relay b2, … then b1, b2, …, raw, and so on.
      std::vector<int> order;  // -1 = raw, else the batch index
      for (int k = -1; k < static_cast<int>(nb); ++k) order.push_back(k);
      std::rotate(order.begin(), order.begin() + (r % static_cast<int>(order.size())), order.end());
      orders.emplace_back();
      for (int k : order) {
        const std::string name = k < 0 ? "raw" : "relay b" + std::to_string(sizes.batches[static_cast<std::size_t>(k)]);
        orders.back().push_back(name);
        std::cerr << "round " << r + 1 << ": drain, " << name << "\n";
        if (k < 0) {
          record<DrainResult>(raw, r, name, [&] { return drain_raw(cluster, sizes, r); });
        } else {
          const int batch = sizes.batches[static_cast<std::size_t>(k)];
          record<DrainResult>(relay[static_cast<std::size_t>(k)], r, name,
                              [&] { return drain_relay(cluster, sizes, batch, r); });
        }
        const auto& last = k < 0 ? raw.rounds.back() : relay[static_cast<std::size_t>(k)].rounds.back();
        if (last)
          std::cerr << "  " << grouped(last->rows_per_s) << " rows/s in " << fmt(last->seconds, "%.1f")
                    << " s; relay CPU " << fmt(last->relay_cpu_us_per_row, "%.2f") << " µs/row; backlog fill "
                    << fmt(last->backlog_seconds, "%.0f") << " s\n";
      }
      for (bool relay_first : {r % 2 == 0, r % 2 != 0}) {
        std::cerr << "round " << r + 1 << ": steady " << (relay_first ? "relay" : "raw") << "\n";
        if (relay_first)
          record<SteadyResult>(steady_r, r, "steady relay", [&] { return steady_relay(cluster, sizes, r); });
        else
          record<SteadyResult>(steady_p, r, "steady raw", [&] { return steady_raw(cluster, sizes, r); });
        const auto& last = relay_first ? steady_r.rounds.back() : steady_p.rounds.back();
        if (last)
          std::cerr << "  p50 " << fmt(last->p50_ms, "%.2f") << " ms, p99 " << fmt(last->p99_ms, "%.2f") << " ms\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_relay failed: " << e.what() << "\n";
    return 1;
  }

  // ---- 1. drain
  std::cout << "## 1. Drain of a " << grouped(static_cast<double>(sizes.rows)) << "-row backlog over " << sizes.tenants
            << " tenants\n\n"
            << "Medians over rounds; ratios are medians of the per-round ratios relay ÷ raw. Throughput = rows ÷ "
               "(relay process start, or the raw publisher's connect → the last row at the subscriber), so it "
               "includes the relay's start-up and counts only what a QoS 1 subscriber received. Window: one unacked "
               "publish per tenant for both (100 in flight). The backlog is filled before the clock starts "
               "(realtime_emit from generate_series on 2 connections, then VACUUM ANALYZE and CHECKPOINT).\n\n";
  std::cout << "| measure | unit | raw Paho |";
  for (int b : sizes.batches) std::cout << " relay, batch_size " << b << " |";
  std::cout << " goal | met |\n|---|---|---:|";
  for (std::size_t k = 0; k < nb; ++k) std::cout << "---:|";
  std::cout << "---|---|\n";
  auto row = [&](const std::string& name, const std::string& unit, double DrainResult::*field, const char* f,
                 bool with_raw, const std::string& goal, const std::function<std::string(double)>& met) {
    std::cout << "| " << name << " | " << unit << " | " << (with_raw ? fmt(raw.med(field), f) : "—") << " |";
    std::string verdict;
    for (const auto& s : relay) {
      const double v = s.med(field);
      std::cout << " " << fmt(v, f) << " |";
      if (met) verdict += (verdict.empty() ? "" : " / ") + met(v);
    }
    std::cout << " " << goal << " | " << (verdict.empty() ? "—" : verdict) << " |\n";
  };
  {
    std::cout << "| throughput | rows/s | " << grouped(raw.med(&DrainResult::rows_per_s)) << " |";
    for (const auto& s : relay) std::cout << " " << grouped(s.med(&DrainResult::rows_per_s)) << " |";
    std::cout << " | |\n| relay ÷ raw (median of per-round ratios) | × | — |";
    std::string verdict;
    for (const auto& s : relay) {
      const double q = paired(s, raw, &DrainResult::rows_per_s);
      std::cout << " " << fmt(q, "%.3f") << " |";
      verdict += (verdict.empty() ? "" : " / ") + std::string(q >= 0.8 ? "yes" : "NO");
    }
    std::cout << " ≥ 0.8 | " << verdict << " |\n";
  }
  row("relay CPU per row (utime+stime, whole process)", "µs", &DrainResult::relay_cpu_us_per_row, "%.2f", false, "", {});
  row("relay's Postgres backends, CPU per row", "µs", &DrainResult::pg_relay_us_per_row, "%.2f", false, "", {});
  row("whole Postgres cluster, CPU per row", "µs", &DrainResult::pg_all_us_per_row, "%.2f", false, "", {});
  row("broker CPU per row", "µs", &DrainResult::broker_cpu_us_per_row, "%.2f", true, "", {});
  row("bench process CPU per row (subscriber; raw: + publisher)", "µs", &DrainResult::bench_cpu_us_per_row, "%.2f",
      true, "", {});
  row("machine busy during the drain (2 cores = 200)", "% of one core", &DrainResult::machine_busy_pct, "%.0f", true,
      "", {});
  row("of which processes outside the stack (others' work on the VM)", "% of one core", &DrainResult::others_pct, "%.0f",
      true, "", {});
  row("relay max RSS (VmHWM)", "MiB", &DrainResult::relay_hwm_mib, "%.1f", false, "≤ 64",
      [](double v) { return std::string(v <= 64 ? "yes" : "NO"); });
  row("Postgres transactions per 1,000 rows (claims, marks, the bench's polls)", "", &DrainResult::commits_per_1k_rows,
      "%.1f", false, "", {});
  row("every row marked published, after the last delivery", "ms", &DrainResult::mark_lag_ms, "%.0f", false, "", {});
  row("payload (mean)", "B", &DrainResult::payload_bytes, "%.0f", true, "", {});
  {
    std::cout << "| counts and per-tenant seq order (every round) | | " << (raw.clean() ? "ok" : "FAILED") << " |";
    bool all = raw.clean();
    for (const auto& s : relay) {
      std::cout << " " << (s.clean() ? "ok" : "FAILED") << " |";
      all = all && s.clean();
    }
    std::cout << " every row once, seq 1..N per tenant in order | " << (all ? "yes" : "NO") << " |\n";
  }

  std::cout << "\nPer round (order rotates each round):\n\n| round | order | raw rows/s |";
  for (int b : sizes.batches) std::cout << " b" << b << " rows/s | b" << b << "/raw | b" << b << " relay µs/row |";
  std::cout << "\n|---|---|---:|";
  for (std::size_t k = 0; k < nb; ++k) std::cout << "---:|---:|---:|";
  std::cout << "\n";
  for (int r = 0; r < sizes.rounds; ++r) {
    std::string order;
    for (const auto& n : orders[static_cast<std::size_t>(r)]) order += (order.empty() ? "" : ", ") + n;
    const auto& rr = raw.rounds[static_cast<std::size_t>(r)];
    std::cout << "| " << r + 1 << " | " << order << " | " << (rr ? grouped(rr->rows_per_s) : "failed") << " |";
    for (const auto& s : relay) {
      const auto& x = s.rounds[static_cast<std::size_t>(r)];
      if (!x) {
        std::cout << " failed | | |";
        continue;
      }
      std::cout << " " << grouped(x->rows_per_s) << " | " << (rr ? fmt(x->rows_per_s / rr->rows_per_s, "%.3f") : "—")
                << " | " << fmt(x->relay_cpu_us_per_row, "%.2f") << " |";
    }
    std::cout << "\n";
  }
  std::cout << "\nWhere the relay's CPU went (seconds over the drain; own threads busiest first: drain loop, "
               "marker, housekeeping, HTTP):\n\n";
  for (std::size_t k = 0; k < nb; ++k)
    for (int r = 0; r < sizes.rounds; ++r)
      if (const auto& x = relay[k].rounds[static_cast<std::size_t>(r)])
        std::cout << "- batch_size " << sizes.batches[k] << ", round " << r + 1 << ": " << cpu_line(*x)
                  << " (backlog filled in " << fmt(x->backlog_seconds, "%.0f") << " s)\n";

  // ---- 2. latency and 3. idle
  std::cout << "\n## 2. Latency at a steady " << sizes.rate << " events/s, and 3. the idle relay\n\n"
            << "Relay: " << sizes.producers << " producer connections, one realtime_emit per transaction, paced to "
            << sizes.rate << "/s in total over " << sizes.tenants
            << " tenants; latency = subscriber receive time − the producer's clock right after commit returned "
               "(same process, steady clock; matched by envelope id). Raw: one paced thread, latency from just "
               "before publish(). Relay defaults: poll_min_ms 2, poll_max_ms 200 (the idle-poll ceiling: a row "
               "committed into an idle relay waits up to 200 ms; at this rate the poll stays near 2 ms). Idle: "
               "the same relay, "
            << sizes.idle_seconds << " s after the load stopped (3 s settling first).\n\n"
            << "| measure | unit | raw Paho | relay | goal | met |\n|---|---|---:|---:|---|---|\n";
  const double p50 = steady_r.med(&SteadyResult::p50_ms), p99 = steady_r.med(&SteadyResult::p99_ms);
  const double idle = steady_r.med(&SteadyResult::idle_cpu_pct);
  std::cout << "| commit → subscriber p50 | ms | " << fmt(steady_p.med(&SteadyResult::p50_ms), "%.2f") << " | "
            << fmt(p50, "%.2f") << " | ≤ 5 | " << (p50 <= 5 ? "yes" : "NO") << " |\n"
            << "| commit → subscriber p99 | ms | " << fmt(steady_p.med(&SteadyResult::p99_ms), "%.2f") << " | "
            << fmt(p99, "%.2f") << " | ≤ 25 | " << (p99 <= 25 ? "yes" : "NO") << " |\n"
            << "| max | ms | " << fmt(steady_p.med(&SteadyResult::max_ms), "%.1f") << " | "
            << fmt(steady_r.med(&SteadyResult::max_ms), "%.1f") << " | | |\n"
            << "| achieved rate | events/s | " << fmt(steady_p.med(&SteadyResult::achieved_rate), "%.0f") << " | "
            << fmt(steady_r.med(&SteadyResult::achieved_rate), "%.0f") << " | | |\n"
            << "| relay CPU under that load | % of one core | — | "
            << fmt(steady_r.med(&SteadyResult::relay_cpu_pct), "%.1f") << " | | |\n"
            << "| relay's Postgres backends under that load | % of one core | — | "
            << fmt(steady_r.med(&SteadyResult::pg_relay_cpu_pct), "%.1f") << " | | |\n"
            << "| counts and per-tenant seq order | | " << (steady_p.clean() ? "ok" : "FAILED") << " | "
            << (steady_r.clean() ? "ok" : "FAILED") << " | every event once, in order | "
            << (steady_p.clean() && steady_r.clean() ? "yes" : "NO") << " |\n"
            << "| idle relay CPU | % of one core | — | " << fmt(idle, "%.2f") << " | ≤ 1 | "
            << (idle <= 1 ? "yes" : "NO") << " |\n"
            << "| idle relay's Postgres backends | % of one core | — | "
            << fmt(steady_r.med(&SteadyResult::idle_pg_cpu_pct), "%.2f") << " | | |\n"
            << "| relay max RSS (VmHWM), steady + idle | MiB | — | "
            << fmt(steady_r.med(&SteadyResult::relay_hwm_mib), "%.1f") << " | ≤ 64 | "
            << (steady_r.med(&SteadyResult::relay_hwm_mib) <= 64 ? "yes" : "NO") << " |\n";
  std::cout << "\nPer round (p50 / p99 / max ms; relay CPU %; idle CPU %):\n\n";
  for (int r = 0; r < sizes.rounds; ++r) {
    const auto& a = steady_p.rounds[static_cast<std::size_t>(r)];
    const auto& b = steady_r.rounds[static_cast<std::size_t>(r)];
    std::cout << "- round " << r + 1 << " (" << (r % 2 == 0 ? "relay first" : "raw first") << "): raw "
              << (a ? fmt(a->p50_ms, "%.2f") + " / " + fmt(a->p99_ms, "%.2f") + " / " + fmt(a->max_ms, "%.1f")
                    : "failed")
              << "; relay "
              << (b ? fmt(b->p50_ms, "%.2f") + " / " + fmt(b->p99_ms, "%.2f") + " / " + fmt(b->max_ms, "%.1f") +
                          "; CPU " + fmt(b->relay_cpu_pct, "%.1f") + " %; idle " + fmt(b->idle_cpu_pct, "%.2f") + " %"
                    : "failed")
              << "\n";
  }

  std::vector<std::string> problems;
  auto collect = [&](const std::string& who, const std::vector<std::string>& p) {
    for (const auto& x : p) problems.push_back(who + " " + x);
  };
  collect("drain raw", raw.problems);
  for (std::size_t k = 0; k < nb; ++k) collect("drain relay b" + std::to_string(sizes.batches[k]), relay[k].problems);
  collect("steady raw", steady_p.problems);
  collect("steady relay", steady_r.problems);
  if (!problems.empty()) {
    std::cout << "\nProblems:\n\n";
    for (const auto& p : problems) std::cout << "- " << p << "\n";
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "\nSettings: " << Cluster::notes(sizes.broker_inflight) << "\n\n"
            << "Load at end (/proc/loadavg): `" << loadavg() << "`; wall time " << fmt(secs, "%.0f") << " s.\n";
  mosquitto_lib_cleanup();
  return problems.empty() ? 0 : 1;
}
