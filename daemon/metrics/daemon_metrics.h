#pragma once
// The one list of metrics both daemons share (DESIGN §8): each is declared once here, with
// its type and help, and register_daemon_metrics() registers them all. A daemon's own series
// (http_*, the relay's outbox, the token service's issuance) are registered by their owners.
#include <array>
#include <string_view>

#include "daemon/metrics/registry.h"

namespace amo::metrics {

enum class Kind { counter, gauge, histogram };

struct Declaration {
  std::string_view name;
  Kind kind;
  std::string_view help;
  std::string_view labels;  // label names, comma-separated ("" for none)
};

inline constexpr Declaration kBuildInfo{"amo_build_info", Kind::gauge,
                                        "Always 1; the labels say which daemon and version runs.", "daemon,version"};
inline constexpr Declaration kProcessStartTime{"process_start_time_seconds", Kind::gauge,
                                               "Start time of the process since the Unix epoch, in seconds.", ""};
inline constexpr Declaration kDbReconnects{"amo_db_reconnects_total", Kind::counter,
                                           "Connections to Postgres re-established after a loss.", ""};
inline constexpr Declaration kDbUp{"amo_db_up", Kind::gauge, "1 while the Postgres connection works, else 0.", ""};
inline constexpr Declaration kMqttReconnects{"amo_mqtt_reconnects_total", Kind::counter,
                                             "Connections to the MQTT broker re-established after a loss.", ""};
inline constexpr Declaration kMqttUp{"amo_mqtt_up", Kind::gauge, "1 while connected to the MQTT broker, else 0.", ""};
inline constexpr Declaration kLogLines{"amo_log_lines_total", Kind::counter,
                                       "Log lines written, by level (audit lines count as info).", "level"};

inline constexpr std::array kDaemonMetrics{kBuildInfo, kProcessStartTime, kDbReconnects, kDbUp,
                                           kMqttReconnects, kMqttUp, kLogLines};

// References into the registry that registered them; valid for the registry's lifetime.
struct DaemonMetrics {
  Gauge& build_info;
  Gauge& process_start_time_seconds;
  Counter& db_reconnects;
  Gauge& db_up;
  Counter& mqtt_reconnects;
  Gauge& mqtt_up;
  // Indexed by log::Level: debug, info, warning, error.
  std::array<Counter*, 4> log_lines;
};

// Registers every metric of kDaemonMetrics in `registry` (build_info and the start time set
// now) and counts this process's log lines into amo_log_lines_total until the registry is
// destroyed. The struct is owned by the registry; a second call returns the same one.
DaemonMetrics& register_daemon_metrics(Registry& registry, std::string_view daemon);

}  // namespace amo::metrics
