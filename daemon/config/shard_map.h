#pragma once
// Broker shards by tenant (DESIGN §9): which broker a tenant's events go to and which
// `broker_url` its users get. Shard 0 is "default": the daemon config's broker_host,
// broker_port and public_broker_url. `shard_map_file` (TOML) adds shards and maps tenants:
//
//   [shards.b]
//   broker_host = "10.0.0.12"
//   broker_port = 1883
//   public_broker_url = "wss://rt-b.example.org/mqtt"
//   [tenants]
//   AMO3 = "b"          # a tenant not listed is on "default"
//
// Pure: parse() reads text, never a file (ShardMapWatch does that).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "daemon/config/config.h"

namespace amo::config {

struct Shard {
  std::string name;
  std::string broker_host;
  std::int64_t broker_port = 0;
  std::string public_broker_url;
  bool operator==(const Shard&) const = default;
};

// A tenant whose shard changed between two maps.
struct Move {
  std::string amo;
  int from = 0, to = 0;
};

class ShardMap {
 public:
  // Only "default", from the config.
  explicit ShardMap(const Config& config);

  // The config's default shard plus the file's; an Error is keyed "shard_map_file" and names
  // the table or key (one line, no value echoed).
  static std::variant<ShardMap, Error> parse(const Config& config, std::string_view toml_text);

  const std::vector<Shard>& shards() const noexcept { return shards_; }
  const Shard& shard(int index) const { return shards_.at(static_cast<std::size_t>(index)); }
  int shard_of(std::string_view amo) const;
  // Same shard names and brokers, in the same order (what a live reload may not change).
  bool same_shards(const ShardMap& other) const { return shards_ == other.shards_; }
  // Tenants on another shard in `next` than here (both maps listed and unlisted tenants).
  std::vector<Move> moves_to(const ShardMap& next) const;

 private:
  std::vector<Shard> shards_;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, Hash, std::equal_to<>> tenants_;  // only those not on "default"
};

}  // namespace amo::config
