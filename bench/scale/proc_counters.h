#pragma once
// Counters of a process that explain its CPU per delivery: read/write system calls
// (/proc/<pid>/io, all threads) and context switches summed over its threads
// (/proc/<pid>/task/*/status). A voluntary switch is the thread going to sleep (an idle epoll
// wait), an involuntary one a preemption.
#include <sys/types.h>

namespace amo::bench_scale {

struct ProcCounters {
  double reads = 0, writes = 0;          // syscr, syscw
  double voluntary = 0, involuntary = 0;  // context switches
  double user_s = 0, system_s = 0;        // utime, stime
};

ProcCounters proc_counters(pid_t pid);
ProcCounters operator+(const ProcCounters& a, const ProcCounters& b);
ProcCounters operator-(const ProcCounters& a, const ProcCounters& b);

}  // namespace amo::bench_scale
