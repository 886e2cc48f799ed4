// The real amo-relay and amo-token-service with bad configurations: a non-zero exit and exactly
// one line on stderr naming the key, before anything is bound; --help and --version; and the
// production refusal of the demo keys.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/token/jwks.h"
#include "tests/daemon/config/config_fixture.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

using namespace amo::config::test;
using namespace std::chrono_literals;
using amo::harness::TempDir;

namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

using EnvChanges = std::vector<std::pair<std::string, std::optional<std::string>>>;

Outcome run(const TempDir& dir, std::vector<std::string> argv, EnvChanges env = {}) {
  static int n = 0;
  const auto log = dir.path() / ("run-" + std::to_string(++n) + ".log");
  amo::harness::SpawnOptions options;
  // Whatever the test's own environment holds, the child sees development unless told.
  options.env = {{"APP_ENV", std::nullopt}};
  for (auto& change : env) options.env.push_back(std::move(change));
  const int code = amo::harness::run(std::move(argv), log, 20s, std::move(options));
  return {code, amo::harness::read_file(log)};
}

// A non-zero exit and one line: "<program>: <key>: ...".
void one_line_naming(const Outcome& o, const std::string& program, const std::string& key) {
  INFO(o.output);
  CHECK(o.exit_code > 0);
  CHECK(std::count(o.output.begin(), o.output.end(), '\n') == 1);
  CHECK(o.output.ends_with("\n"));
  CHECK(o.output.starts_with(program + ": " + key + ": "));
}

std::string jwks_file(const TempDir& dir, const std::string& name) {
  const amo::token::Key key = amo::token::generate_key(amo::token::Alg::EdDSA, "k1");
  const amo::token::Key* keys[] = {&key};
  return dir.write(name, amo::token::to_jwks(keys, true)).string();
}

}  // namespace

TEST_CASE("--help and --version exit 0 and name the program") {
  TempDir dir("amo-config-bin");
  for (const std::string& binary : {std::string(AMO_RELAY_PATH), std::string(AMO_TOKEN_SERVICE_PATH)}) {
    const std::string program = binary.substr(binary.rfind('/') + 1);
    for (const char* flag : {"--help", "--version"}) {
      CAPTURE(program);
      CAPTURE(flag);
      const Outcome o = run(dir, {binary, flag});
      INFO(o.output);
      CHECK(o.exit_code == 0);
      CHECK(o.output.find(program) != std::string::npos);
    }
  }
}

TEST_CASE("amo-relay: each bad config is one line naming the key, and a non-zero exit") {
  TempDir dir("amo-config-bin");
  const std::string relay = AMO_RELAY_PATH;
  auto config = [&](const std::string& text) { return dir.write("relay.toml", text).string(); };

  one_line_naming(run(dir, {relay, "--config", config(with(kRelay, "bach_size", "5"))}), "amo-relay", "bach_size");
  one_line_naming(run(dir, {relay, "--config", config(without(kRelay, "issuer"))}), "amo-relay", "issuer");
  one_line_naming(run(dir, {relay, "--config", config(with(kRelay, "broker_port", "\"x\""))}), "amo-relay",
                  "broker_port");
  one_line_naming(run(dir, {relay, "--config", config(std::string(kRelay) + "[relay]\ntoken_ttl = 5\n")}), "amo-relay",
                  "relay.token_ttl");
  one_line_naming(run(dir, {relay, "--config", config(std::string(kRelay) + "[nope]\n")}), "amo-relay", "nope");
  one_line_naming(run(dir, {relay, "--config", config("database_url = \n")}), "amo-relay", "config");
  one_line_naming(run(dir, {relay, "--config", (dir.path() / "absent.toml").string()}), "amo-relay", "config");
  one_line_naming(run(dir, {relay, "--config", config(kRelay)}, {{"AMO_RT_BATCH_SIZE", "abc"}}), "amo-relay",
                  "AMO_RT_BATCH_SIZE");
  one_line_naming(run(dir, {relay, "--config", config(kRelay)}, {{"AMO_RT_BATCHSIZE", "5"}}), "amo-relay",
                  "AMO_RT_BATCHSIZE");
  // migrate reads its own keys: database_url is all it needs.
  one_line_naming(run(dir, {relay, "migrate", "status", "--config", config("log_level = \"debug\"\n")}), "amo-relay",
                  "database_url");
}

TEST_CASE("amo-token-service: each bad config is one line naming the key, and a non-zero exit") {
  TempDir dir("amo-config-bin");
  const std::string ts = AMO_TOKEN_SERVICE_PATH;
  auto config = [&](const std::string& text) { return dir.write("ts.toml", text).string(); };

  one_line_naming(run(dir, {ts, "--config", config(without(kTokenService, "public_broker_url"))}), "amo-token-service",
                  "public_broker_url");
  one_line_naming(run(dir, {ts, "--config", config(without(kTokenService, "portal_secret_file"))}), "amo-token-service",
                  "portal_secret_file");
  one_line_naming(run(dir, {ts, "--config", config(with(kTokenService, "token_ttl", "100000"))}), "amo-token-service",
                  "token_ttl");
  one_line_naming(run(dir, {ts, "--config", config(std::string(kTokenService) + "[token_service]\nbatch_size = 1\n")}),
                  "amo-token-service", "token_service.batch_size");
  one_line_naming(run(dir, {ts, "--config", config(kTokenService)}, {{"AMO_RT_TOKEN_TTL", "1.5"}}), "amo-token-service",
                  "AMO_RT_TOKEN_TTL");
}

TEST_CASE("APP_ENV=production: amo-relay refuses the demo jwks in one line") {
  TempDir dir("amo-config-bin");
  std::string text = with(kRelay, "jwks_file", "\"" AMO_SOURCE_DIR "/deploy/demo/jwks.json\"");
  text = with(text, "service_signing_key_file", "\"" + jwks_file(dir, "service.jwks") + "\"");
  const std::string path = dir.write("relay.toml", text).string();
  const Outcome o = run(dir, {AMO_RELAY_PATH, "--config", path}, {{"APP_ENV", "production"}});
  one_line_naming(o, "amo-relay", "jwks_file");
  CHECK(o.output.find("refused under APP_ENV=production: ") != std::string::npos);
  CHECK(o.output.find("demo key") != std::string::npos);
}

TEST_CASE("APP_ENV=production: amo-token-service refuses the demo signing key and CORS *") {
  TempDir dir("amo-config-bin");
  std::string text = with(kTokenService, "signing_key_file", "\"" AMO_SOURCE_DIR "/deploy/demo/signing.jwks\"");
  text = with(text, "service_signing_key_file", "\"" + jwks_file(dir, "service.jwks") + "\"");
  text = with(text, "portal_secret_file", "\"" + dir.write("portal", std::string(40, 'p')).string() + "\"");
  const std::string path = dir.write("ts.toml", text).string();
  Outcome o = run(dir, {AMO_TOKEN_SERVICE_PATH, "--config", path}, {{"APP_ENV", "production"}});
  one_line_naming(o, "amo-token-service", "signing_key_file");
  CHECK(o.output.find("refused under APP_ENV=production: ") != std::string::npos);

  o = run(dir, {AMO_TOKEN_SERVICE_PATH, "--config", path}, {{"APP_ENV", "production"}, {"AMO_RT_CORS_ORIGINS", "*"}});
  one_line_naming(o, "amo-token-service", "cors_origins");
}

TEST_CASE("a bad shard_map_file refuses the start in one line naming it; the file's values are not echoed") {
  TempDir dir("amo-config-bin");
  std::string text = with(kRelay, "jwks_file", "\"" AMO_SOURCE_DIR "/deploy/demo/jwks.json\"");
  text = with(text, "service_signing_key_file", "\"" + jwks_file(dir, "service.jwks") + "\"");
  const std::string bad_map =
      "[shards.b]\nbroker_host = \"h\"\nbroker_port = 1884\npublic_broker_url = \"tcp://user:s3cret@b\"\n";
  text = with(text, "shard_map_file", "\"" + dir.write("shards.toml", bad_map).string() + "\"");
  Outcome o = run(dir, {AMO_RELAY_PATH, "--config", dir.write("relay.toml", text).string()});
  one_line_naming(o, "amo-relay", "shard_map_file");
  CHECK(o.output.find("shards.b.public_broker_url") != std::string::npos);
  CHECK(o.output.find("s3cret") == std::string::npos);

  text = with(text, "shard_map_file", "\"" + (dir.path() / "absent.toml").string() + "\"");
  o = run(dir, {AMO_RELAY_PATH, "--config", dir.write("relay.toml", text).string()});
  one_line_naming(o, "amo-relay", "shard_map_file");
}
