#include "bench/scale/proc_counters.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace amo::bench_scale {
namespace {

// Adds the value of every "name: value" line of `path` whose name is listed.
void add_fields(const std::string& path, const char* a, double& va, const char* b, double& vb) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon);
    if (name == a) va += std::atof(line.c_str() + colon + 1);
    if (name == b) vb += std::atof(line.c_str() + colon + 1);
  }
}

}  // namespace

ProcCounters proc_counters(pid_t pid) {
  ProcCounters c;
  const std::string base = "/proc/" + std::to_string(pid);
  {
    std::ifstream in(base + "/stat");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto close = text.rfind(')');  // comm may hold spaces; fields 3.. follow it
    if (close != std::string::npos && close + 2 < text.size()) {
      std::istringstream fields(text.substr(close + 2));
      std::string f;
      const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
      for (int i = 3; i <= 15 && fields >> f; ++i) {
        if (i == 14) c.user_s = std::atof(f.c_str()) / tick;
        if (i == 15) c.system_s = std::atof(f.c_str()) / tick;
      }
    }
  }
  add_fields(base + "/io", "syscr", c.reads, "syscw", c.writes);
  if (DIR* d = ::opendir((base + "/task").c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
        add_fields(base + "/task/" + e->d_name + "/status", "voluntary_ctxt_switches", c.voluntary,
                   "nonvoluntary_ctxt_switches", c.involuntary);
    ::closedir(d);
  }
  return c;
}

ProcCounters operator+(const ProcCounters& a, const ProcCounters& b) {
  return {a.reads + b.reads,         a.writes + b.writes,     a.voluntary + b.voluntary,
          a.involuntary + b.involuntary, a.user_s + b.user_s, a.system_s + b.system_s};
}

ProcCounters operator-(const ProcCounters& a, const ProcCounters& b) {
  return {a.reads - b.reads,         a.writes - b.writes,     a.voluntary - b.voluntary,
          a.involuntary - b.involuntary, a.user_s - b.user_s, a.system_s - b.system_s};
}

}  // namespace amo::bench_scale
