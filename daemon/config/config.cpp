#include "daemon/config/config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include <toml++/toml.h>

#include "daemon/config/environment.h"
#include "daemon/config/key_table.h"
#include "daemon/config/toml_error.h"
#include "daemon/config/values.h"
#include "io/files.h"

extern char** environ;

namespace amo::config {

std::string_view name(Program p) noexcept {
  switch (p) {
    case Program::relay:
      return "amo-relay";
    case Program::token_service:
      return "amo-token-service";
    case Program::migrate:
      return "amo-relay migrate";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kRelayTable = "relay";
constexpr std::string_view kTokenServiceTable = "token_service";

std::string_view type_phrase(toml::node_type t) noexcept {
  switch (t) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

template <class V>
constexpr std::string_view type_phrase() noexcept {
  if constexpr (std::is_same_v<V, std::string>) return "a string";
  if constexpr (std::is_same_v<V, std::int64_t>) return "an integer";
  return "a boolean";
}

// A table's entries in the order they stand in the file (toml++ keeps them sorted by key),
// so the first error reported is the first one the operator meets reading down.
std::vector<std::pair<std::string_view, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<std::string_view, const toml::node*>> out;
  for (const auto& [k, v] : t) out.emplace_back(k.str(), &v);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.second->source().begin;
    const auto& pb = b.second->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return out;
}

// The programs that read a daemon table: [relay] is also migrate's (amo-relay migrate).
unsigned table_readers(std::string_view table_name) noexcept {
  return table_name == kRelayTable ? relay_table_bits() : token_service_table_bits();
}

std::string host_and_pid() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost:" + std::to_string(getpid());
  return std::string(host) + ":" + std::to_string(getpid());
}

// One parse: the config as it fills up, and for each key the name an error about its value
// uses — `key`, `relay.key` or `AMO_RT_KEY`, wherever the value that counts was written.
class Loader {
 public:
  explicit Loader(Program program) : program_(program), where_(all_keys().size()) {}

  std::optional<Error> file(const toml::table& root);
  std::optional<Error> environment(const Getenv& getenv);
  std::optional<Error> values() const;
  std::optional<Error> required() const;
  void defaults();
  Config take() { return std::move(config_); }

 private:
  std::optional<Error> table(std::string_view table_name, const toml::table& t);
  std::optional<Error> set(const KeyInfo& key, const toml::node& node, std::string where);
  std::size_t index(const KeyInfo& key) const noexcept { return static_cast<std::size_t>(&key - all_keys().data()); }
  std::string where(std::string_view key_name) const;
  Source& source(const KeyInfo& key) noexcept { return config_.source.*key.source; }
  Source source(const KeyInfo& key) const noexcept { return config_.source.*key.source; }

  Program program_;
  Config config_;
  std::vector<std::string> where_;
};

std::optional<Error> Loader::file(const toml::table& root) {
  const toml::table* own = nullptr;
  std::string_view own_name;
  for (const auto& [k, node] : in_file_order(root)) {
    if (const KeyInfo* key = find_key(k)) {
      if (!used_by(*key, program_)) continue;  // the other daemon's key, or web_root: not ours to judge
      if (auto e = set(*key, *node, std::string(k))) return e;
      continue;
    }
    if (k == kRelayTable || k == kTokenServiceTable) {
      const toml::table* t = node->as_table();
      if (!t)
        return Error{std::string(k), std::string("expected a table, got ") + std::string(type_phrase(node->type()))};
      if ((table_readers(k) & program_bit(program_)) != 0) {
        own = t;
        own_name = k;
      }
      continue;
    }
    if (node->is_table()) return Error{std::string(k), "unknown table (allowed: [relay], [token_service])"};
    return Error{std::string(k), "unknown key"};
  }
  // After every top-level key, wherever the table stands: the table overrides them.
  return own ? table(own_name, *own) : std::nullopt;
}

std::optional<Error> Loader::table(std::string_view table_name, const toml::table& t) {
  const bool relay_table = table_name == kRelayTable;
  const unsigned readers = table_readers(table_name);
  for (const auto& [k, node] : in_file_order(t)) {
    std::string where = std::string(table_name) + "." + std::string(k);
    const KeyInfo* key = find_key(k);
    if (!key) return Error{where, "unknown key"};
    // Strict inside a daemon's own table: a key there that the daemon never reads is a mistake.
    if ((key->used_by & readers) == 0) {
      return Error{where, std::string("not a key of ") + (relay_table ? "amo-relay" : "amo-token-service")};
    }
    if (!used_by(*key, program_)) continue;  // a relay key under `migrate`, or the reverse
    if (auto e = set(*key, *node, std::move(where))) return e;
  }
  return std::nullopt;
}

std::optional<Error> Loader::set(const KeyInfo& key, const toml::node& node, std::string where) {
  return std::visit(
      [&](auto member) -> std::optional<Error> {
        using V = std::remove_cvref_t<decltype(config_.*member)>;
        const auto* value = node.as<V>();
        if (!value) {
          return Error{where,
                       "expected " + std::string(type_phrase<V>()) + ", got " + std::string(type_phrase(node.type()))};
        }
        config_.*member = value->get();
        source(key) = Source::file;
        where_[index(key)] = std::move(where);
        return std::nullopt;
      },
      key.member);
}

std::optional<Error> Loader::environment(const Getenv& getenv) {
  if (!getenv) return std::nullopt;
  for (const KeyInfo& key : all_keys()) {
    // Unused keys are ignored here as in the file: one environment may serve both daemons.
    if (!used_by(key, program_)) continue;
    std::string variable = env_name(key.name);
    const std::optional<std::string> text = getenv(variable);
    if (!text) continue;
    std::optional<Error> error = std::visit(
        [&](auto member) -> std::optional<Error> {
          using V = std::remove_cvref_t<decltype(config_.*member)>;
          if constexpr (std::is_same_v<V, std::string>) {
            config_.*member = *text;
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            const auto value = parse_env_int(*text);
            if (!value) return Error{variable, "expected a decimal integer"};
            config_.*member = *value;
          } else {
            const auto value = parse_env_bool(*text);
            if (!value) return Error{variable, "expected true, false, 1 or 0"};
            config_.*member = *value;
          }
          return std::nullopt;
        },
        key.member);
    if (error) return error;
    source(key) = Source::env;
    where_[index(key)] = std::move(variable);
  }
  const auto app_env = getenv("APP_ENV");
  config_.production = app_env && *app_env == "production";
  return std::nullopt;
}

std::string Loader::where(std::string_view key_name) const {
  const KeyInfo* key = find_key(key_name);
  if (!key || where_[index(*key)].empty()) return std::string(key_name);
  return where_[index(*key)];
}

std::optional<Error> Loader::values() const {
  static const Config kDefaults;
  for (const KeyInfo& key : all_keys()) {
    if (!used_by(key, program_) || source(key) == Source::unset) continue;
    std::optional<std::string> problem = std::visit(
        [&](auto member) -> std::optional<std::string> {
          using V = std::remove_cvref_t<decltype(config_.*member)>;
          const V& value = config_.*member;
          if constexpr (std::is_same_v<V, std::string>) {
            // "" is how a string key stays unset, except where that would leave a hole: a
            // required key, or one whose default is not empty (audience, log_level…).
            if (value.empty()) {
              const bool needed = required_by(key, program_) || !(kDefaults.*member).empty();
              return needed ? std::optional<std::string>("must not be empty") : std::nullopt;
            }
            return check_str(key.name, value);
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            return check_int(key.name, value);
          } else {
            return std::nullopt;
          }
        },
        key.member);
    if (problem) return Error{where(key.name), std::move(*problem)};
  }
  if (auto r = check_relations(config_, program_, config_.source)) return Error{where(r->key), std::move(r->message)};
  return std::nullopt;
}

std::optional<Error> Loader::required() const {
  const std::string by = "required by " + std::string(name(program_));
  for (const KeyInfo& key : all_keys()) {
    if (required_by(key, program_) && source(key) == Source::unset) return Error{std::string(key.name), by};
  }
  // The either-or keys of DESIGN §8 (the table marks neither half required).
  if (used_by(*find_key("service_token_file"), program_)) {
    const bool token = !config_.service_token_file.empty();
    const bool signing = !config_.service_signing_key_file.empty();
    if (!token && !signing)
      return Error{"service_token_file", by + ": set service_token_file or service_signing_key_file"};
    if (token && signing) {
      return Error{where("service_signing_key_file"),
                   "set only one of service_token_file and service_signing_key_file"};
    }
  }
  if (program_ == Program::token_service && config_.portal_secret_file.empty() && config_.portal_jwks_file.empty()) {
    return Error{"portal_secret_file", by + ": set portal_secret_file or portal_jwks_file"};
  }
  return std::nullopt;
}

void Loader::defaults() {
  if (config_.instance_id.empty()) config_.instance_id = host_and_pid();
  if (config_.migration_database_url.empty()) config_.migration_database_url = config_.database_url;
  if (config_.schema_dir.empty()) config_.schema_dir = AMO_DEFAULT_SCHEMA_DIR;
  if (config_.migrations_dir.empty()) config_.migrations_dir = AMO_DEFAULT_MIGRATIONS_DIR;
}

}  // namespace

Result parse(Program program, std::string_view toml_text, const Getenv& getenv) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Error{"config", toml_error_line(e.description(), at.line, at.column)};
  }
  Loader loader(program);
  if (auto e = loader.file(root)) return *e;
  if (auto e = loader.environment(getenv)) return *e;
  if (auto e = loader.values()) return *e;
  if (auto e = loader.required()) return *e;
  loader.defaults();
  return loader.take();
}

Result load(Program program, const std::string& path) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const std::exception& e) {
    return Error{"config", e.what()};  // names the path, never the content
  }
  // Before the file's own checks: a misspelt variable is often why a key looks missing.
  std::vector<std::string> names;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text_of_entry(*entry);
    names.emplace_back(text_of_entry.substr(0, text_of_entry.find('=')));
  }
  if (auto e = unknown_env_variable(names)) return *e;
  return parse(program, text, [](std::string_view variable) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(variable).c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  });
}

}  // namespace amo::config
