#include "bench/relay/proc_stat.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace amo::bench_relay {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

struct Stat {
  bool ok = false;
  std::string comm;
  pid_t ppid = 0;
  double cpu = 0;  // seconds
};

// /proc/<pid>/stat: "pid (comm) state ppid ... utime(14) stime(15)"; comm may hold spaces.
Stat parse_stat(const std::string& text) {
  Stat s;
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return s;
  s.comm = text.substr(open + 1, close - open - 1);
  std::istringstream in(text.substr(close + 2));
  std::string field;
  double ut = 0, st = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 4) s.ppid = static_cast<pid_t>(std::atol(field.c_str()));
    if (i == 14) ut = std::atof(field.c_str());
    if (i == 15) st = std::atof(field.c_str());
  }
  s.cpu = (ut + st) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  s.ok = true;
  return s;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') out.emplace_back(e->d_name);
  ::closedir(d);
  return out;
}

}  // namespace

MachineTicks machine_ticks() {
  std::istringstream in(slurp("/proc/stat"));
  std::string cpu;
  in >> cpu;
  MachineTicks t;
  double v = 0;
  // user nice system idle iowait irq softirq steal
  for (int i = 0; i < 8 && in >> v; ++i) {
    t.total += v;
    if (i != 3 && i != 4) t.busy += v;
  }
  return t;
}

double busy_pct_of_one_core(const MachineTicks& before, const MachineTicks& after) {
  const double total = after.total - before.total;
  if (total <= 0) return 0;
  return (after.busy - before.busy) / total * 100.0 * static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
}

double cpu_seconds(pid_t pid) {
  return parse_stat(slurp("/proc/" + std::to_string(pid) + "/stat")).cpu;
}

double peak_rss_mib(pid_t pid) {
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return 0;
}

std::map<std::string, double> thread_cpu(pid_t pid) {
  std::map<std::string, double> out;
  const std::string base = "/proc/" + std::to_string(pid) + "/task/";
  for (const auto& tid : entries(base)) {
    const Stat s = parse_stat(slurp(base + tid + "/stat"));
    if (s.ok) out[tid + " " + s.comm] = s.cpu;
  }
  return out;
}

pid_t find_pid(const std::string& needle) {
  for (const auto& pid : entries("/proc")) {
    std::string cmd = slurp("/proc/" + pid + "/cmdline");
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    if (cmd.find(needle) != std::string::npos && cmd.find("bench_relay") == std::string::npos)
      return static_cast<pid_t>(std::atol(pid.c_str()));
  }
  return -1;
}

std::map<pid_t, double> children_cpu(pid_t parent) {
  std::map<pid_t, double> out;
  for (const auto& pid : entries("/proc")) {
    const Stat s = parse_stat(slurp("/proc/" + pid + "/stat"));
    if (s.ok && s.ppid == parent) out[static_cast<pid_t>(std::atol(pid.c_str()))] = s.cpu;
  }
  return out;
}

double cpu_delta(const std::map<pid_t, double>& before, const std::map<pid_t, double>& after) {
  double sum = 0;
  for (const auto& [pid, cpu] : after) {
    const auto it = before.find(pid);
    sum += it == before.end() ? cpu : cpu - it->second;
  }
  return sum;
}

}  // namespace amo::bench_relay
