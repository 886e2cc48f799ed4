#include "token-service/client_ip.h"

#include "daemon/http/text.h"

namespace amo::token_service {

namespace {

// An IPv4 or IPv6 address's characters only: the entry goes into audit lines and rate-limit keys.
bool looks_like_ip(std::string_view s) noexcept {
  if (s.empty() || s.size() > 45) return false;
  for (const char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool is_loopback(std::string_view ip) noexcept {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

}  // namespace

std::string client_ip(const http::Request& request) {
  if (!is_loopback(request.remote_ip) || !request.has_header("x-forwarded-for")) return request.remote_ip;
  // Every X-Forwarded-For header line counts, the last entry of the last line wins.
  std::string_view last;
  for (const http::Header& h : request.headers) {
    if (h.name == "x-forwarded-for") last = h.value;
  }
  const std::size_t comma = last.rfind(',');
  const std::string_view entry = http::trim(comma == std::string_view::npos ? last : last.substr(comma + 1));
  if (!looks_like_ip(entry)) return request.remote_ip;
  return std::string(entry);
}

}  // namespace amo::token_service
