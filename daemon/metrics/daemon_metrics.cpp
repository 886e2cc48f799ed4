#include "daemon/metrics/daemon_metrics.h"

#include <chrono>
#include <memory>
#include <string>

#include "daemon/log/line.h"
#include "daemon/log/line_count.h"

namespace amo::metrics {

namespace {

// Owned by the registry (Registry::daemon_metrics_), so its destructor runs before the
// series die and the logger never counts into freed counters.
struct Owned {
  DaemonMetrics metrics;
  ~Owned() { log::stop_counting_lines(this); }
};

Counter& counter(Registry& r, const Declaration& d, std::vector<Label> labels = {}) {
  return r.counter(d.name, d.help, std::move(labels));
}

Gauge& gauge(Registry& r, const Declaration& d, std::vector<Label> labels = {}) {
  return r.gauge(d.name, d.help, std::move(labels));
}

Counter* log_lines(Registry& r, log::Level level) {
  return &counter(r, kLogLines, {{"level", std::string(log::level_name(level))}});
}

}  // namespace

// The one holder of Registry's private slot for this struct (a friend of Registry).
class DaemonMetricsStore {
 public:
  static DaemonMetrics& get_or_register(Registry& registry, std::string_view daemon) {
    if (registry.daemon_metrics_) return static_cast<Owned*>(registry.daemon_metrics_.get())->metrics;
    auto owned = std::make_shared<Owned>(Owned{DaemonMetrics{
        .build_info = gauge(registry, kBuildInfo, {{"daemon", std::string(daemon)}, {"version", AMO_VERSION}}),
        .process_start_time_seconds = gauge(registry, kProcessStartTime),
        .db_reconnects = counter(registry, kDbReconnects),
        .db_up = gauge(registry, kDbUp),
        .mqtt_reconnects = counter(registry, kMqttReconnects),
        .mqtt_up = gauge(registry, kMqttUp),
        .log_lines = {log_lines(registry, log::Level::debug), log_lines(registry, log::Level::info),
                      log_lines(registry, log::Level::warning), log_lines(registry, log::Level::error)},
    }});
    DaemonMetrics& m = owned->metrics;
    m.build_info.set(1);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    m.process_start_time_seconds.set(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    log::count_lines(owned.get(), [lines = m.log_lines](log::Level level) {
      lines[static_cast<std::size_t>(level)]->inc();
    });
    registry.daemon_metrics_ = std::move(owned);
    return m;
  }
};

DaemonMetrics& register_daemon_metrics(Registry& registry, std::string_view daemon) {
  return DaemonMetricsStore::get_or_register(registry, daemon);
}

}  // namespace amo::metrics
