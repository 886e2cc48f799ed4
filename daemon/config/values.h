#pragma once
// What each key's value may be (DESIGN §8): ranges of the integer keys, shapes of the string
// keys, and the relations between keys. A failure is the message of an Error and says what
// is allowed; it never repeats the value of a string key (database_url may hold a password).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/config/config.h"

namespace amo::config {

struct IntRange {
  std::int64_t min = 1, max = 1;
};
// Every int key of keys.h has a range (a test walks the list).
std::optional<IntRange> int_range(std::string_view key) noexcept;

// nullopt when `value` is allowed for `key`; a key without a rule allows any value.
std::optional<std::string> check_int(std::string_view key, std::int64_t value);
// For a non-empty value; what an empty one means is the loader's call.
std::optional<std::string> check_str(std::string_view key, std::string_view value);

// A rule between two keys that failed: `key` is the one to name, `message` what is wrong.
struct RelationError {
  std::string_view key;
  std::string message;
};
// poll_min_ms ≤ poll_max_ms (R), token_ttl ≤ max_token_ttl (T). `set` tells which keys the
// file or the environment gave, so the error names one the operator wrote, not a default.
std::optional<RelationError> check_relations(const Config& config, Program program, const Config::Sources& set);

// The shapes, for their own tests.
bool is_host(std::string_view s);            // host name, IPv4, or [IPv6]
bool is_listen_address(std::string_view s);  // <host>:<port 1..65535>
// cors_origins: comma-separated http(s)://host[:port] (no path), or a lone `*`; the message
// names the bad entry by position. daemon/http/cors.cpp parses the same value for serving;
// config may not link amo_daemon_http, so this is its own syntactic check.
std::optional<std::string> cors_origins_error(std::string_view s);

}  // namespace amo::config
