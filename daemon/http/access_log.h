#pragma once
// The access-log line of one request (DESIGN §8): the path without its query (which may
// hold token=) and no header value, ever; the request id to find the rest of its story.
#include <cstdint>
#include <string>
#include <string_view>

namespace amo::http {

struct AccessEntry {
  std::string_view request_id;
  std::string_view method;  // "-" when the request line never came whole
  std::string_view path;
  int status = 0;
  std::uint64_t bytes = 0;  // body bytes sent
  double duration_ms = 0;   // first byte of the request to the last of the response
  std::string_view remote;
};

// `http request_id=<id> method=GET path=/p status=200 bytes=15 duration_ms=0.123 remote=<ip>`
std::string access_line(const AccessEntry& entry);

}  // namespace amo::http
