#include "tests/relay/events/sse_client.h"

namespace amo::events_test {

SseClient::SseClient(int port, const std::string& target, const harness::HttpHeaders& headers,
                     harness::HttpClientOptions options)
    : http_(port, options) {
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  http_.send(req);
  head_ = http_.read_head();
}

std::optional<Frame> SseClient::next() {
  while (true) {
    const auto end = text_.find("\n\n");
    if (end != std::string::npos) {
      const std::string block = text_.substr(0, end);
      text_.erase(0, end + 2);
      Frame f;
      bool any = false;
      std::size_t at = 0;
      while (at <= block.size()) {
        const auto nl = block.find('\n', at);
        const std::string line = block.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
        at = nl == std::string::npos ? block.size() + 1 : nl + 1;
        if (line.starts_with("id: ")) f.id = line.substr(4), any = true;
        if (line.starts_with("event: ")) f.event = line.substr(7), any = true;
        if (line.starts_with("data: ")) f.data = line.substr(6), any = true;
        if (line.starts_with("retry: ")) retry_seen_ = true;
      }
      if (any) return f;
      continue;  // heartbeat or retry
    }
    std::optional<std::string> chunk;
    try {
      chunk = http_.read_chunk();
    } catch (const std::exception&) {
      return std::nullopt;  // timeout or reset
    }
    if (!chunk) return std::nullopt;
    text_ += *chunk;
  }
}

}  // namespace amo::events_test
