#pragma once
// One measurement each, on fresh processes (broker, relay, subscriber, database):
//   drain   — a backlog of Sizes::rows rows over Sizes::tenants tenants, timed from the start
//             of the relay process (or the raw publisher's connect) until the subscriber holds
//             every row; order and counts checked by the subscriber, seq and dead letters by SQL.
//   steady  — Sizes::rate events/s from paced producers for Sizes::latency_seconds,
//             commit-to-subscriber latency; then (relay only) the idle relay's CPU.
#include <cstdint>
#include <map>
#include <string>

#include "bench/relay/checking_subscriber.h"
#include "bench/relay/stack.h"

namespace amo::bench_relay {

struct DrainResult {
  double rows_per_s = 0;
  double seconds = 0;
  double relay_cpu_us_per_row = 0;  // the relay process, utime + stime
  double pg_relay_us_per_row = 0;   // the relay's Postgres backends
  double pg_all_us_per_row = 0;     // every process of the cluster
  double broker_cpu_us_per_row = 0;
  double bench_cpu_us_per_row = 0;  // this process: the subscriber (and the raw publisher)
  double machine_busy_pct = 0;      // all cores, in % of one core (2 cores: 200 at most)
  double others_pct = 0;            // of that, processes outside the measured stack (other work on the VM)
  double relay_hwm_mib = 0;
  double commits_per_1k_rows = 0;  // transactions committed in the database (claims, marks…)
  double mark_lag_ms = 0;  // after the last delivery, until every row has published_at
  double payload_bytes = 0;
  double backlog_seconds = 0;  // filling it (not measured)
  std::map<std::string, double> relay_threads;  // CPU seconds per thread ("tid comm")
  std::map<std::string, double> pg_jobs;        // CPU seconds per relay backend job (claim, mark…)
  CheckingSubscriber::Tally tally;
  std::string problem;  // empty when counts, order and rows check out
};

struct SteadyResult {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::uint64_t produced = 0, measured = 0;  // measured: after the warm-up
  double achieved_rate = 0;
  double relay_cpu_pct = 0;      // of one core, during the steady load
  double pg_relay_cpu_pct = 0;   // the relay's backends, same window
  double idle_cpu_pct = 0;       // relay, idle
  double idle_pg_cpu_pct = 0;    // its backends, idle
  double relay_hwm_mib = 0;
  CheckingSubscriber::Tally tally;
  std::string problem;
};

DrainResult drain_relay(Cluster& cluster, const Sizes& sizes, int batch, int round);
DrainResult drain_raw(Cluster& cluster, const Sizes& sizes, int round);
SteadyResult steady_relay(Cluster& cluster, const Sizes& sizes, int round);
SteadyResult steady_raw(Cluster& cluster, const Sizes& sizes, int round);

}  // namespace amo::bench_relay
