#pragma once
// What the bench reads of other processes from /proc: CPU time (utime + stime), peak RSS
// (VmHWM), per-thread CPU, a process found by its command line, and a Postgres cluster's
// processes (the postmaster's children), so CPU is charged to whoever spent it.
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace amo::bench_relay {

// Busy and total jiffies of the whole machine (/proc/stat "cpu" line; iowait counts as idle).
struct MachineTicks {
  double busy = 0, total = 0;
};
MachineTicks machine_ticks();
// Busy share of all cores between two readings, in % of one core (a 2-core machine tops at 200).
double busy_pct_of_one_core(const MachineTicks& before, const MachineTicks& after);

// utime + stime of a process (all its threads), in seconds; 0 if it is gone.
double cpu_seconds(pid_t pid);
// VmHWM (peak resident set) in MiB; 0 if it is gone.
double peak_rss_mib(pid_t pid);
// CPU seconds of each thread, keyed "tid comm".
std::map<std::string, double> thread_cpu(pid_t pid);
// The first process whose command line contains `needle` (e.g. a config path); -1 if none.
pid_t find_pid(const std::string& needle);
// CPU seconds of every child of `parent` (a postmaster's backends and workers), by pid.
std::map<pid_t, double> children_cpu(pid_t parent);
// CPU spent between two children_cpu() snapshots: processes that appeared count whole,
// those that exited in between are lost (an autovacuum worker, at most a few ms).
double cpu_delta(const std::map<pid_t, double>& before, const std::map<pid_t, double>& after);

}  // namespace amo::bench_relay
