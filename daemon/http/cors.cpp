#include "daemon/http/cors.h"

#include <algorithm>
#include <charconv>

#include "daemon/http/text.h"

namespace amo::http {

namespace {

bool is_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool is_ipv6_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

// "http(s)://host[:port]" exactly as a browser serializes an Origin: no path, query,
// fragment or user info, not even a trailing slash.
bool is_origin(std::string_view s) noexcept {
  std::string_view rest;
  if (s.starts_with("http://")) {
    rest = s.substr(7);
  } else if (s.starts_with("https://")) {
    rest = s.substr(8);
  } else {
    return false;
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    if (!std::all_of(rest.begin() + 1, rest.begin() + static_cast<std::ptrdiff_t>(close), is_ipv6_char)) return false;
    host = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
  } else {
    const std::size_t colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char)) return false;
    if (host.front() == '.' || host.front() == '-') return false;
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    unsigned value = 0;
    std::from_chars(port.data(), port.data() + port.size(), value);
    if (value == 0 || value > 65535) return false;
  }
  return true;
}

// True when every name of an Access-Control-Request-Headers list is one we allow.
bool all_allowed_headers(std::string_view requested) {
  static constexpr std::string_view kAllowed[] = {"authorization", "content-type", "last-event-id", "x-request-id"};
  bool any = false;
  while (!requested.empty()) {
    const std::size_t comma = requested.find(',');
    const std::string_view name = trim(requested.substr(0, comma));
    requested = comma == std::string_view::npos ? std::string_view{} : requested.substr(comma + 1);
    if (name.empty()) continue;
    if (std::none_of(std::begin(kAllowed), std::end(kAllowed), [&](std::string_view a) { return iequals(a, name); })) {
      return false;
    }
    any = true;
  }
  return any;
}

// Adds Origin to Vary, keeping what a handler already varies on.
void vary_on_origin(Response& response) {
  for (Header& h : response.headers) {
    if (!iequals(h.name, "vary")) continue;
    if (h.value.find("Origin") == std::string::npos && h.value != "*") h.value += ", Origin";
    return;
  }
  response.headers.push_back({"Vary", "Origin"});
}

}  // namespace

bool CorsPolicy::allows(std::string_view origin) const noexcept {
  if (any) return true;
  return std::any_of(origins.begin(), origins.end(), [&](const std::string& o) { return iequals(o, origin); });
}

std::optional<CorsPolicy> parse_cors_origins(std::string_view value, std::string& error) {
  CorsPolicy policy;
  if (trim(value).empty()) return policy;
  bool star = false;
  while (true) {
    const std::size_t comma = value.find(',');
    const std::string_view entry = trim(value.substr(0, comma));
    if (entry == "*") {
      star = true;
    } else if (!is_origin(lower(entry))) {
      error = "not an origin (http(s)://host[:port], no path): \"" + std::string(entry) + "\"";
      return std::nullopt;
    } else {
      policy.origins.push_back(lower(entry));
    }
    if (comma == std::string_view::npos) break;
    value = value.substr(comma + 1);
  }
  if (star) {
    // `*` beside explicit origins would be read two ways; say which one is meant.
    if (!policy.origins.empty()) {
      error = "\"*\" must stand alone, not beside explicit origins";
      return std::nullopt;
    }
    policy.any = true;
  }
  return policy;
}

bool is_preflight(const Request& request) noexcept {
  return request.method == "OPTIONS" && request.has_header("origin") &&
         request.has_header("access-control-request-method");
}

Response preflight(const CorsPolicy& policy, const Request& request, std::string_view allow_methods) {
  const std::string_view origin = request.header("origin");
  if (!policy.allows(origin)) return Response::error(403, "origin not allowed");
  Response r;
  r.status = 204;
  if (policy.any) {
    r.set("Access-Control-Allow-Origin", "*");
  } else {
    r.set("Access-Control-Allow-Origin", origin);
    r.set("Access-Control-Allow-Credentials", "true");
    vary_on_origin(r);
  }
  r.set("Access-Control-Allow-Methods", allow_methods);
  const std::string_view requested = request.header("access-control-request-headers");
  r.set("Access-Control-Allow-Headers", all_allowed_headers(requested) ? requested : kAllowHeaders);
  r.set("Access-Control-Max-Age", kMaxAgeSeconds);
  return r;
}

void apply(const CorsPolicy& policy, const Request& request, Response& response) {
  if (!policy.enabled()) return;
  if (!policy.any) vary_on_origin(response);
  if (!request.has_header("origin")) return;
  const std::string_view origin = request.header("origin");
  if (!policy.allows(origin)) return;
  if (policy.any) {
    response.set("Access-Control-Allow-Origin", "*");
    return;
  }
  response.set("Access-Control-Allow-Origin", origin);
  response.set("Access-Control-Allow-Credentials", "true");
}

}  // namespace amo::http
