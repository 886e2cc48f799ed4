#pragma once
// plugin_opt_<name> options of DESIGN §3, parsed and checked before the broker accepts anything.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amo::plugin {

enum class LogLevel : unsigned char { debug, info, warning, error };

struct Options {
  std::string jwks_file;
  std::string issuer;
  std::string audience = "amo-realtime";
  std::int64_t max_token_ttl = 300;
  std::int64_t max_service_token_ttl = 86400;
  std::int64_t max_session = 43200;
  std::int64_t max_conn_per_user = 10;
  std::int64_t max_conn_per_tenant = 10000;
  std::int64_t publish_rate = 20;
  std::int64_t publish_burst = 40;
  std::int64_t max_payload = 16384;
  std::string schema_dir;
  std::int64_t stats_interval = 10;
  LogLevel log_level = LogLevel::info;
};

struct OptionsResult {
  Options options;
  std::string error;  // empty when the options are valid; names the option, never a secret
};

// Pairs as Mosquitto passes them (name without the plugin_opt_ prefix, value).
OptionsResult parse_options(const std::vector<std::pair<std::string, std::string>>& pairs,
                            std::string default_schema_dir);

}  // namespace amo::plugin
