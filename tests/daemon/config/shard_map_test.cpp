// The shard map (daemon/config/shard_map.h, DESIGN §9): "default" from the config, the file's
// shards and tenants, one-line errors keyed shard_map_file that echo no value, and the moves
// between two maps.
#include <doctest/doctest.h>

#include <algorithm>

#include "daemon/config/shard_map.h"
#include "io/files.h"

using namespace amo::config;

namespace {

Config base() {
  Config c;
  c.broker_host = "127.0.0.1";
  c.broker_port = 1883;
  c.public_broker_url = "wss://rt.example.org/mqtt";
  return c;
}

const char* const kTwoShards = R"(
[shards.b]
broker_host = "10.0.0.12"
broker_port = 1884
public_broker_url = "wss://rt-b.example.org/mqtt"

[tenants]
AMO3 = "b"
AMO4 = "b"
AMO1 = "default"
)";

ShardMap parse_ok(const char* text) {
  const auto r = ShardMap::parse(base(), text);
  if (const auto* e = std::get_if<Error>(&r)) INFO(e->line());
  REQUIRE(std::holds_alternative<ShardMap>(r));
  return std::get<ShardMap>(r);
}

std::string parse_error(const std::string& text) {
  auto r = ShardMap::parse(base(), text);
  auto* e = std::get_if<Error>(&r);
  REQUIRE(e != nullptr);
  CHECK(e->key == "shard_map_file");
  CHECK(e->line().find('\n') == std::string::npos);
  return e->message;
}

}  // namespace

TEST_CASE("without a file every tenant is on default, the config's broker") {
  const ShardMap m(base());
  REQUIRE(m.shards().size() == 1);
  CHECK(m.shard(0).name == "default");
  CHECK(m.shard(0).broker_port == 1883);
  CHECK(m.shard(0).public_broker_url == "wss://rt.example.org/mqtt");
  CHECK(m.shard_of("AMO1") == 0);
}

TEST_CASE("the file adds shards after default and maps tenants; an unlisted tenant is on default") {
  const ShardMap m = parse_ok(kTwoShards);
  REQUIRE(m.shards().size() == 2);
  CHECK(m.shard(1) == Shard{"b", "10.0.0.12", 1884, "wss://rt-b.example.org/mqtt"});
  CHECK(m.shard_of("AMO3") == 1);
  CHECK(m.shard_of("AMO4") == 1);
  CHECK(m.shard_of("AMO1") == 0);
  CHECK(m.shard_of("AMO9") == 0);
  CHECK(parse_ok("").shards().size() == 1);
}

TEST_CASE("moves between two maps: listed, unlisted and back to default") {
  const ShardMap before = parse_ok(kTwoShards);
  const ShardMap after = parse_ok(R"(
[shards.b]
broker_host = "10.0.0.12"
broker_port = 1884
public_broker_url = "wss://rt-b.example.org/mqtt"
[tenants]
AMO4 = "b"
AMO5 = "b"
)");
  CHECK(before.same_shards(after));
  auto moves = before.moves_to(after);
  std::sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) { return a.amo < b.amo; });
  REQUIRE(moves.size() == 2);
  CHECK(moves[0].amo == "AMO3");
  CHECK(moves[0].from == 1);
  CHECK(moves[0].to == 0);
  CHECK(moves[1].amo == "AMO5");
  CHECK(moves[1].from == 0);
  CHECK(moves[1].to == 1);
  CHECK(before.moves_to(before).empty());
  CHECK_FALSE(before.same_shards(ShardMap(base())));
}

TEST_CASE("bad files: one line naming the table or key, no value echoed") {
  CHECK(parse_error("[shards.b\n").find("line 1") != std::string::npos);
  CHECK(parse_error("[other]\nx = 1\n").find("unknown table") != std::string::npos);
  CHECK(parse_error("[tenants]\nAMO3 = \"c\"\n").find("tenants.AMO3: no such shard") != std::string::npos);
  CHECK(parse_error("[tenants]\nAMO3 = 3\n").find("tenants.AMO3: expected a shard name") != std::string::npos);
  CHECK(parse_error("[tenants]\n\"bad amo\" = \"default\"\n").find("tenant id") != std::string::npos);
  CHECK(parse_error("[shards.default]\nbroker_host = \"h\"\n").find("not \"default\"") != std::string::npos);
  const std::string shard = "[shards.b]\nbroker_host = \"h\"\nbroker_port = 1884\npublic_broker_url = \"wss://b/mqtt\"\n";
  CHECK(parse_error("[shards.b]\nbroker_port = 1884\npublic_broker_url = \"wss://b/mqtt\"\n")
            .find("shards.b.broker_host: required") != std::string::npos);
  CHECK(parse_error("[shards.b]\nbroker_host = \"h\"\nbroker_port = 70000\npublic_broker_url = \"wss://b/mqtt\"\n")
            .find("shards.b.broker_port: must be 1..65535") != std::string::npos);
  const std::string secret_url = "tcp://user:s3cret@b:1883";
  const std::string e = parse_error("[shards.b]\nbroker_host = \"h\"\nbroker_port = 1884\npublic_broker_url = \"" +
                                    secret_url + "\"\n");
  CHECK(e.find("shards.b.public_broker_url") != std::string::npos);
  CHECK(e.find("s3cret") == std::string::npos);
  CHECK(parse_error(shard + "extra = 1\n").find("shards.b: unknown key") != std::string::npos);
}

TEST_CASE("deploy/shard-map.toml.example parses") {
  const std::string text = amo::io::read_file(AMO_SOURCE_DIR "/deploy/shard-map.toml.example");
  const ShardMap m = parse_ok(text.c_str());
  CHECK(m.shards().size() == 2);
  CHECK(m.shard_of("AMO3") == 1);
}
