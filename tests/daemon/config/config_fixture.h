#pragma once
// Shared by the config tests: minimal valid configs for each program, line edits on them,
// and parse() with an injected environment.
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>
#include <variant>

#include "daemon/config/config.h"

namespace amo::config::test {

using Env = std::map<std::string, std::string>;

inline constexpr const char* kRelay = R"(database_url = "host=127.0.0.1 port=5432 dbname=amo user=amo"
broker_host = "127.0.0.1"
broker_port = 1883
service_signing_key_file = "/etc/amo/service.jwks"
http_listen = "127.0.0.1:8081"
issuer = "https://portal.example"
jwks_file = "/etc/amo/jwks.json"
)";

inline constexpr const char* kTokenService = R"(database_url = "host=127.0.0.1 port=5432 dbname=amo user=amo"
broker_host = "127.0.0.1"
broker_port = 1883
service_signing_key_file = "/etc/amo/service.jwks"
http_listen = "127.0.0.1:8082"
issuer = "https://portal.example"
signing_key_file = "/etc/amo/signing.jwks"
portal_secret_file = "/etc/amo/portal_secret"
public_broker_url = "wss://portal.example/mqtt"
)";

inline constexpr const char* kMigrate = R"(database_url = "host=127.0.0.1 port=5432 dbname=amo user=amo"
)";

inline Getenv env_of(Env env) {
  return [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

// `text` with the line of top-level `key` replaced by `key = value` (or appended before the
// first table when absent). `value` is TOML: write strings with their quotes.
inline std::string with(const std::string& text, const std::string& key, const std::string& value) {
  std::istringstream in(text);
  std::string out, line;
  bool done = false;
  while (std::getline(in, line)) {
    if (!done && line.starts_with("[")) {
      out += key + " = " + value + "\n";
      done = true;
    }
    if (!done && (line.starts_with(key + " =") || line.starts_with(key + "="))) {
      out += key + " = " + value + "\n";
      done = true;
      continue;
    }
    out += line + "\n";
  }
  if (!done) out += key + " = " + value + "\n";
  return out;
}

// `text` without the line of top-level `key`.
inline std::string without(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.starts_with(key + " =")) continue;
    out += line + "\n";
  }
  return out;
}

inline Config parsed(Program program, const std::string& text, Env env = {}) {
  Result r = parse(program, text, env_of(std::move(env)));
  const auto* e = std::get_if<Error>(&r);
  REQUIRE_MESSAGE(e == nullptr, (e ? e->line() : std::string()));
  return std::get<Config>(std::move(r));
}

inline Error failed(Program program, const std::string& text, Env env = {}) {
  Result r = parse(program, text, env_of(std::move(env)));
  REQUIRE_MESSAGE(std::holds_alternative<Error>(r), "parsed without error:\n" << text);
  return std::get<Error>(std::move(r));
}

}  // namespace amo::config::test
