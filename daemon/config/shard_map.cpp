#include "daemon/config/shard_map.h"

#include <toml++/toml.h>

#include "core/ids.h"
#include "daemon/config/toml_error.h"
#include "daemon/config/values.h"

namespace amo::config {
namespace {

constexpr std::string_view kDefault = "default";
constexpr std::string_view kKey = "shard_map_file";

Error error(std::string message) {
  return Error{std::string(kKey), std::move(message)};
}

// [shards.<name>]: the three keys, each checked as the config checks the default shard's.
std::variant<Shard, Error> parse_shard(std::string_view name, const toml::node& node) {
  const std::string where = "shards." + std::string(name);
  if (!is_valid_id(name) || name == kDefault)
    return error("[shards] names are 1-64 of A-Z a-z 0-9 _ - and not \"default\"");
  const toml::table* t = node.as_table();
  if (!t) return error(where + ": expected a table");
  Shard shard;
  shard.name = std::string(name);
  for (const auto& [key, value] : *t) {
    const std::string k(key.str());
    if (k == "broker_host" || k == "public_broker_url") {
      const auto* s = value.as_string();
      if (!s) return error(where + "." + k + ": expected a string");
      if (auto bad = check_str(k, s->get())) return error(where + "." + k + ": " + *bad);
      (k == "broker_host" ? shard.broker_host : shard.public_broker_url) = s->get();
    } else if (k == "broker_port") {
      const auto* i = value.as_integer();
      if (!i) return error(where + ".broker_port: expected an integer");
      if (auto bad = check_int(k, i->get())) return error(where + ".broker_port: " + *bad);
      shard.broker_port = i->get();
    } else {
      return error(where + ": unknown key (expected broker_host, broker_port, public_broker_url)");
    }
  }
  if (shard.broker_host.empty()) return error(where + ".broker_host: required");
  if (shard.broker_port == 0) return error(where + ".broker_port: required");
  if (shard.public_broker_url.empty()) return error(where + ".public_broker_url: required");
  return shard;
}

}  // namespace

ShardMap::ShardMap(const Config& config) {
  shards_.push_back(
      Shard{std::string(kDefault), config.broker_host, config.broker_port, config.public_broker_url});
}

std::variant<ShardMap, Error> ShardMap::parse(const Config& config, std::string_view toml_text) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return error(toml_error_line(e.description(), at.line, at.column));
  }
  ShardMap map(config);
  for (const auto& [key, node] : root) {
    if (key.str() != "shards" && key.str() != "tenants") return error("unknown table (expected [shards.<name>], [tenants])");
  }
  if (const auto* shards = root["shards"].node()) {
    const toml::table* t = shards->as_table();
    if (!t) return error("shards: expected tables [shards.<name>]");
    for (const auto& [name, node] : *t) {
      auto shard = parse_shard(name.str(), node);
      if (auto* e = std::get_if<Error>(&shard)) return *e;
      map.shards_.push_back(std::move(std::get<Shard>(shard)));
    }
  }
  if (const auto* tenants = root["tenants"].node()) {
    const toml::table* t = tenants->as_table();
    if (!t) return error("tenants: expected a table of <amo> = \"<shard>\"");
    for (const auto& [amo, node] : *t) {
      if (!is_valid_id(amo.str())) return error("tenants: a tenant id is not 1-64 of A-Z a-z 0-9 _ -");
      const auto* s = node.as_string();
      const std::string where = "tenants." + std::string(amo.str());
      if (!s) return error(where + ": expected a shard name (a string)");
      int index = -1;
      for (std::size_t i = 0; i < map.shards_.size(); ++i)
        if (map.shards_[i].name == s->get()) index = static_cast<int>(i);
      if (index < 0) return error(where + ": no such shard (not \"default\" nor in [shards])");
      if (index > 0) map.tenants_.emplace(std::string(amo.str()), index);
    }
  }
  return map;
}

int ShardMap::shard_of(std::string_view amo) const {
  const auto it = tenants_.find(amo);
  return it == tenants_.end() ? 0 : it->second;
}

std::vector<Move> ShardMap::moves_to(const ShardMap& next) const {
  std::vector<Move> out;
  for (const auto& [amo, index] : tenants_)
    if (const int to = next.shard_of(amo); to != index) out.push_back({amo, index, to});
  for (const auto& [amo, index] : next.tenants_)
    if (!tenants_.contains(amo)) out.push_back({amo, 0, index});
  return out;
}

}  // namespace amo::config
