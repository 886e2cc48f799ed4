#pragma once
// What every live bench shares for its paired rounds (docs/PERFORMANCE.md "Method"): the
// median, the median of per-round ratios, number formatting and the machine's load line.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace amo::bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Median of the per-round ratios a[i] / b[i]. The peers of a round run back to back, so a round
// shares the machine's speed of the moment: this VM's CPU speed drifts by up to 30 % within a
// minute, which a ratio of the two medians would mix into the comparison.
inline double paired_ratio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> r;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (b[i] > 0) r.push_back(a[i] / b[i]);
  return median(r);
}

inline std::string fmt(double v, const char* f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

inline std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace amo::bench
