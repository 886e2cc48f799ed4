#include "daemon/http/server_metrics.h"

#include <string>
#include <string_view>

namespace amo::http {

ServerMetrics register_server_metrics(metrics::Registry* registry) {
  ServerMetrics m;
  if (!registry) return m;
  static constexpr std::array<std::string_view, 5> kClasses{"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (std::size_t i = 0; i < kClasses.size(); ++i) {
    m.by_class[i] = &registry->counter("http_requests_total", "HTTP responses sent, by status class.",
                                       {{"code", std::string(kClasses[i])}});
  }
  m.duration = &registry->histogram(
      "http_request_duration_seconds",
      "From a request's first byte to its response written, in seconds (a stream: to its headers).",
      metrics::kLatencyBuckets);
  m.connections = &registry->gauge("http_connections", "Open HTTP connections.");
  m.streams = &registry->gauge("http_streams", "Open streaming responses.");
  return m;
}

}  // namespace amo::http
