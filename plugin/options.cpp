#include "plugin/options.h"

#include <charconv>

namespace amo::plugin {
namespace {

struct IntOption {
  std::string_view name;
  std::int64_t Options::*field;
  std::int64_t min, max;
};

constexpr IntOption kIntOptions[] = {
    {"max_token_ttl", &Options::max_token_ttl, 1, 86400},
    {"max_service_token_ttl", &Options::max_service_token_ttl, 1, 31 * 86400},
    {"max_session", &Options::max_session, 1, 31 * 86400},
    {"max_conn_per_user", &Options::max_conn_per_user, 1, 1'000'000},
    {"max_conn_per_tenant", &Options::max_conn_per_tenant, 1, 100'000'000},
    {"publish_rate", &Options::publish_rate, 1, 1'000'000},
    {"publish_burst", &Options::publish_burst, 1, 1'000'000},
    {"max_payload", &Options::max_payload, 64, 268'435'455},
    {"stats_interval", &Options::stats_interval, 1, 86400},
};

bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

OptionsResult parse_options(const std::vector<std::pair<std::string, std::string>>& pairs,
                            std::string default_schema_dir) {
  OptionsResult r;
  r.options.schema_dir = std::move(default_schema_dir);
  auto fail = [&r](std::string msg) {
    r.error = std::move(msg);
    return r;
  };
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : pairs) {
    for (auto s : seen)
      if (s == name) return fail("plugin_opt_" + name + " is given twice");
    seen.push_back(name);
    if (name == "jwks_file") {
      r.options.jwks_file = value;
    } else if (name == "issuer") {
      r.options.issuer = value;
    } else if (name == "audience") {
      r.options.audience = value;
    } else if (name == "schema_dir") {
      r.options.schema_dir = value;
    } else if (name == "log_level") {
      if (value == "debug") r.options.log_level = LogLevel::debug;
      else if (value == "info") r.options.log_level = LogLevel::info;
      else if (value == "warning") r.options.log_level = LogLevel::warning;
      else if (value == "error") r.options.log_level = LogLevel::error;
      else return fail("plugin_opt_log_level must be debug, info, warning or error, not '" + value + "'");
    } else {
      const IntOption* opt = nullptr;
      for (const auto& o : kIntOptions)
        if (o.name == name) opt = &o;
      if (!opt) return fail("unknown option plugin_opt_" + name);
      std::int64_t v = 0;
      if (!parse_int(value, v) || v < opt->min || v > opt->max)
        return fail("plugin_opt_" + name + " must be an integer from " + std::to_string(opt->min) + " to " +
                    std::to_string(opt->max) + ", not '" + value + "'");
      r.options.*(opt->field) = v;
    }
  }
  if (r.options.jwks_file.empty()) return fail("plugin_opt_jwks_file is required");
  if (r.options.issuer.empty()) return fail("plugin_opt_issuer is required");
  if (r.options.audience.empty()) return fail("plugin_opt_audience must not be empty");
  if (r.options.schema_dir.empty()) return fail("plugin_opt_schema_dir must not be empty");
  if (r.options.publish_burst < r.options.publish_rate)
    return fail("plugin_opt_publish_burst must be at least plugin_opt_publish_rate");
  return r;
}

}  // namespace amo::plugin
