#pragma once
// An EventSource as a test needs it: opens GET /api/events with the given headers and reads
// the stream frame by frame (id, event, data), skipping heartbeats and retry lines.
#include <chrono>
#include <optional>
#include <string>

#include "tests/harness/http_client.h"

namespace amo::events_test {

struct Frame {
  std::string id, event, data;
};

class SseClient {
 public:
  // Sends the request and reads the head; `response` holds the status and headers.
  SseClient(int port, const std::string& target, const harness::HttpHeaders& headers = {},
            harness::HttpClientOptions options = {});
  const harness::HttpResponse& response() const { return head_; }
  // The next event frame; nullopt when the stream ended (or nothing came within the timeout).
  std::optional<Frame> next();
  bool retry_seen() const { return retry_seen_; }
  harness::HttpClient& http() { return http_; }

 private:
  harness::HttpClient http_;
  harness::HttpResponse head_;
  std::string text_;
  bool retry_seen_ = false;
};

}  // namespace amo::events_test
