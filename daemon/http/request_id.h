#pragma once
// Request ids (DESIGN §8: every access-log line carries one): a client's own X-Request-Id
// is kept when it is plain, else the server makes one.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace amo::http {

// ^[A-Za-z0-9._-]{1,64}$: short and plain, since it goes into our log lines as it is.
bool is_sane_request_id(std::string_view id) noexcept;

// 16 hex chars: a per-process random prefix and a counter, unique enough to grep a log for
// and cheap enough for every request (one relaxed atomic increment).
class RequestIds {
 public:
  RequestIds();
  std::string next();

 private:
  std::uint64_t prefix_ = 0;
  std::atomic<std::uint32_t> counter_{0};
};

}  // namespace amo::http
