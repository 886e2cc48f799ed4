#include "daemon/config/values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "daemon/config/conninfo.h"

namespace amo::config {

namespace {

struct NamedRange {
  std::string_view key;
  IntRange range;
};

// Every count, time and rate is at least 1; the upper bounds only catch a slipped digit or
// a value in the wrong unit, far above any deployment we know of.
constexpr NamedRange kIntRanges[] = {
    {"broker_port", {1, 65535}},
    {"max_token_ttl", {1, 86400}},               // a user token living over a day is no connect token
    {"max_service_token_ttl", {1, 30 * 86400}},  // rotation waits this long (DESIGN §2)
    {"history_days", {1, 3650}},
    {"max_attempts", {1, 1000}},
    {"batch_size", {1, 10000}},
    {"partitions", {1, 4096}},
    {"lease_seconds", {1, 3600}},
    {"poll_min_ms", {1, 60000}},
    {"poll_max_ms", {1, 60000}},
    {"sse_per_user", {1, 10000}},
    {"sse_total", {1, 1000000}},
    {"token_ttl", {1, 86400}},
    {"token_rate", {1, 1000000}},
    {"token_burst", {1, 1000000}},
    {"ip_rate", {1, 1000000}},
    {"ip_burst", {1, 1000000}},
    {"message_rate", {1, 1000000}},
    {"message_burst", {1, 1000000}},
    {"max_body", {1, 16 * 1024 * 1024}},
};

constexpr std::array kLogLevels = {std::string_view("debug"), std::string_view("info"), std::string_view("warning"),
                                   std::string_view("error")};

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_port(std::string_view s) noexcept {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), is_digit)) return false;
  unsigned value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value >= 1 && value <= 65535;
}

bool is_address(int family, std::string_view s) {
  const std::string text(s);
  unsigned char buf[16];
  return inet_pton(family, text.c_str(), buf) == 1;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_host_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  while (true) {
    const std::size_t dot = s.find('.');
    const std::string_view label = s.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    s = s.substr(dot + 1);
  }
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// An Origin as a browser sends it: scheme, host, optional port, nothing after.
bool is_origin(std::string_view s) {
  if (s.starts_with("http://")) {
    s.remove_prefix(7);
  } else if (s.starts_with("https://")) {
    s.remove_prefix(8);
  } else {
    return false;
  }
  if (is_host(s)) return true;
  const std::size_t colon = s.rfind(':');
  return colon != std::string_view::npos && is_host(s.substr(0, colon)) && is_port(s.substr(colon + 1));
}

// The cid of a minted service token is system:<daemon>:<instance_id> and must match
// ^[A-Za-z0-9_.:-]{1,128}$ (DESIGN §2); "system:amo-token-service:" takes 25 of the 128.
constexpr std::size_t kMaxInstanceId = 128 - 25;
bool is_instance_id(std::string_view s) noexcept {
  return s.size() <= kMaxInstanceId && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '-';
         });
}

// RFC 6265 cookie-name: an RFC 7230 token.
bool is_cookie_name(std::string_view s) noexcept {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string_view::npos;
  });
}

bool is_ws_url(std::string_view s) noexcept {
  const std::size_t rest = s.starts_with("ws://") ? 5 : s.starts_with("wss://") ? 6 : 0;
  return rest != 0 && s.size() > rest &&
         std::none_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

}  // namespace

std::optional<IntRange> int_range(std::string_view key) noexcept {
  for (const auto& r : kIntRanges) {
    if (r.key == key) return r.range;
  }
  return std::nullopt;
}

std::optional<std::string> check_int(std::string_view key, std::int64_t value) {
  const auto range = int_range(key);
  if (!range || (value >= range->min && value <= range->max)) return std::nullopt;
  return "must be " + std::to_string(range->min) + ".." + std::to_string(range->max) + ", got " + std::to_string(value);
}

std::optional<std::string> check_str(std::string_view key, std::string_view value) {
  if (key == "log_level") {
    if (std::find(kLogLevels.begin(), kLogLevels.end(), value) != kLogLevels.end()) return std::nullopt;
    return "must be one of debug, info, warning, error";
  }
  if (key == "http_listen") {
    if (is_listen_address(value)) return std::nullopt;
    return "expected host:port (an IPv4 address, a host name or [IPv6], and a port 1..65535)";
  }
  if (key == "broker_host") {
    if (is_host(value)) return std::nullopt;
    return "expected a host name, an IPv4 address or [IPv6] (no scheme, no port)";
  }
  if (key == "cors_origins") return cors_origins_error(value);
  if (key == "public_broker_url") {
    if (is_ws_url(value)) return std::nullopt;
    return "expected a ws:// or wss:// URL";
  }
  if (key == "database_url" || key == "migration_database_url") {
    if (is_conninfo(value)) return std::nullopt;
    return "invalid connection string (expected libpq keyword=value pairs or a postgresql:// URI)";
  }
  if (key == "instance_id") {
    if (is_instance_id(value)) return std::nullopt;
    return "expected at most " + std::to_string(kMaxInstanceId) + " of A-Z a-z 0-9 _ . : - (it ends the service cid)";
  }
  if (key == "portal_session_cookie") {
    if (is_cookie_name(value)) return std::nullopt;
    return "expected a cookie name (letters, digits and !#$%&'*+-.^_`|~)";
  }
  return std::nullopt;
}

std::optional<RelationError> check_relations(const Config& config, Program program, const Config::Sources& set) {
  // Names the first key of the pair the operator set; if only the second was set, that one.
  auto pick = [](std::string_view first, Source first_source, std::string_view second) {
    return first_source != Source::unset ? first : second;
  };
  if (program == Program::relay && config.poll_min_ms > config.poll_max_ms) {
    return RelationError{pick("poll_min_ms", set.poll_min_ms, "poll_max_ms"),
                         "poll_min_ms (" + std::to_string(config.poll_min_ms) + ") must not exceed poll_max_ms (" +
                             std::to_string(config.poll_max_ms) + ")"};
  }
  if (program == Program::token_service && config.token_ttl > config.max_token_ttl) {
    return RelationError{pick("token_ttl", set.token_ttl, "max_token_ttl"),
                         "token_ttl (" + std::to_string(config.token_ttl) + ") must not exceed max_token_ttl (" +
                             std::to_string(config.max_token_ttl) + ")"};
  }
  return std::nullopt;
}

bool is_host(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') return is_address(AF_INET6, s.substr(1, s.size() - 2));
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == '.'; })) {
    return is_address(AF_INET, s);
  }
  return is_host_name(s);
}

bool is_listen_address(std::string_view s) {
  const std::size_t colon = s.rfind(':');
  return colon != std::string_view::npos && is_host(s.substr(0, colon)) && is_port(s.substr(colon + 1));
}

std::optional<std::string> cors_origins_error(std::string_view s) {
  static constexpr std::string_view kAllowed =
      "expected comma-separated origins http(s)://host[:port] without a path, or a lone *";
  if (trim(s) == "*") return std::nullopt;
  std::size_t position = 1;
  while (true) {
    const std::size_t comma = s.find(',');
    const std::string_view entry = trim(s.substr(0, comma));
    if (entry == "*") return std::string("* must stand alone, not beside explicit origins");
    if (!is_origin(lower(entry)))
      return "entry " + std::to_string(position) + " is not an origin: " + std::string(kAllowed);
    if (comma == std::string_view::npos) return std::nullopt;
    s.remove_prefix(comma + 1);
    ++position;
  }
}

}  // namespace amo::config
