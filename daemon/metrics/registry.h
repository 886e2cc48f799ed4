#pragma once
// Prometheus metrics (text exposition format 0.0.4). A daemon declares its metrics once, in
// one list (daemon/metrics/daemon_metrics.h for what both daemons share), and updates them
// lock-free; GET /metrics renders the registry.
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <initializer_list>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amo::metrics {

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Fixed upper bounds (seconds, or whatever unit the name says), ascending; +Inf is implied.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);
  void observe(double v) noexcept;
  std::span<const double> bounds() const noexcept { return bounds_; }
  // Cumulative counts per bound, then +Inf; sum; count.
  std::vector<std::uint64_t> cumulative() const;
  double sum() const noexcept;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::deque<std::atomic<std::uint64_t>> buckets_;  // one per bound, then +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // sum * 1e6, so observe() stays lock-free
};

inline constexpr std::array<double, 12> kLatencyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

struct Label {
  std::string name, value;
};

// Owns every series; references it hands out stay valid for its lifetime. Registering is
// not a hot path (start-up, or the first time a label value is seen); updating is.
class Registry {
 public:
  // Same name and labels twice → the same series. `name` must match [a-zA-Z_:][a-zA-Z0-9_:]*,
  // label values are escaped when rendered.
  Counter& counter(std::string_view name, std::string_view help, std::vector<Label> labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, std::vector<Label> labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                       std::vector<Label> labels = {});
  // The whole exposition: # HELP and # TYPE once per family, then its series.
  std::string render() const;

 private:
  struct Series;
  struct Family;
  // Finds or adds the family; std::logic_error if `name` exists with another type. Caller
  // holds mutex_.
  Family& family(std::string_view name, std::string_view help, int type);
  Series& series(Family& family, std::vector<Label> labels);

  mutable std::mutex mutex_;
  // Deleted in registry.cpp, where Family is complete, so the implicit ~Registry() compiles
  // in any translation unit.
  struct FamilyDelete {
    void operator()(Family* family) const noexcept;
  };
  std::vector<std::unique_ptr<Family, FamilyDelete>> families_;  // in registration order, as rendered
  // daemon_metrics.cpp keeps the struct of references it hands out here, so it lives as long
  // as the series it refers to (and is destroyed before them: declared last).
  friend class DaemonMetricsStore;
  std::shared_ptr<void> daemon_metrics_;
};

}  // namespace amo::metrics
