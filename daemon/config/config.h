#pragma once
// Loading and checking a daemon's configuration (DESIGN §8): TOML from --config, top-level
// keys shared, a [relay] / [token_service] table overriding them for that daemon, and
// AMO_RT_<KEY> in the environment overriding both. Every error names its key, in one line,
// before the daemon binds anything. toml++ stays inside config.cpp.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/config/keys.h"

namespace amo::config {

enum class Program { relay, token_service, migrate };
std::string_view name(Program p) noexcept;  // "amo-relay", "amo-token-service", "amo-relay migrate"

// Where a key's value came from (production refuses a password in database_url in the file).
enum class Source : unsigned char { unset, file, env };

#define AMO_CONFIG_TYPE_str std::string
#define AMO_CONFIG_TYPE_int std::int64_t
#define AMO_CONFIG_TYPE_bool bool
#define AMO_CONFIG_MEMBER_(name, type, def, used, required) AMO_CONFIG_TYPE_##type name = def;
#define AMO_CONFIG_SOURCE_(name, type, def, used, required) Source name = Source::unset;

struct Config {
  AMO_CONFIG_KEYS(AMO_CONFIG_MEMBER_)
  struct Sources {
    AMO_CONFIG_KEYS(AMO_CONFIG_SOURCE_)
  } source;
  bool production = false;  // APP_ENV=production
};

struct Error {
  std::string key;      // the config key (or env variable, or "config" for the file itself)
  std::string message;  // what is wrong, never a secret value
  std::string line() const { return key + ": " + message; }  // the one line the daemon prints
};

using Result = std::variant<Config, Error>;
using Getenv = std::function<std::optional<std::string>(std::string_view)>;

// Pure: parses `toml_text` for `program`, applies the environment (`getenv`, AMO_RT_<KEY> and
// APP_ENV), fills defaults (instance_id → hostname:pid, migration_database_url →
// database_url, schema_dir / migrations_dir → the compiled-in source paths), and checks
// types, values and required keys. Does not read the files the keys name.
Result parse(Program program, std::string_view toml_text, const Getenv& getenv);
// Reads the file (error keyed "config" if unreadable) and the real environment.
Result load(Program program, const std::string& path);

}  // namespace amo::config
