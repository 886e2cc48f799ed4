#pragma once
// The http_* series the server keeps when ServerOptions::metrics is set, declared once here.
// http_requests_total is labelled by status class (code="2xx" …): a handful of series,
// whatever status codes handlers invent.
#include <array>

#include "daemon/metrics/registry.h"

namespace amo::http {

struct ServerMetrics {
  std::array<metrics::Counter*, 5> by_class{};  // 1xx … 5xx
  metrics::Histogram* duration = nullptr;       // http_request_duration_seconds
  metrics::Gauge* connections = nullptr;        // http_connections
  metrics::Gauge* streams = nullptr;            // http_streams

  // Counts a response in http_requests_total; a no-op without a registry.
  void count(int status) const noexcept {
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5 && by_class[static_cast<std::size_t>(cls - 1)]) {
      by_class[static_cast<std::size_t>(cls - 1)]->inc();
    }
  }
};

// All null when registry is null.
ServerMetrics register_server_metrics(metrics::Registry* registry);

}  // namespace amo::http
