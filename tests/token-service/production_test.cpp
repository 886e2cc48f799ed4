// APP_ENV=production refusals of DESIGN §8 for the real amo-token-service: each one is a
// non-zero exit and one line naming the key, before anything is bound; the same config
// without the fault starts. And what the service refuses in any environment: a portal secret
// under 32 bytes, a signing_key_file without a private key.
#include <doctest/doctest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "tests/harness/daemon.h"
#include "tests/harness/keys.h"
#include "tests/harness/ports.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

using amo::harness::TempDir;
using namespace std::chrono_literals;

namespace {

using Env = std::vector<std::pair<std::string, std::optional<std::string>>>;
using Config = std::vector<std::pair<std::string, std::string>>;

struct Outcome {
  int exit_code = -1;
  std::string output;
};

struct Files {
  TempDir dir{"amo-ts-prod"};
  amo::harness::KeyFile keys;
  std::string secret = dir.write("portal_secret", amo::token::new_jti() + amo::token::new_jti() + "\n").string();

  std::string write(const std::string& name, const std::string& content) const {
    return dir.write(name, content).string();
  }
  std::string jwks(const amo::token::Key& k, bool with_private) const {
    const amo::token::Key* keys_[] = {&k};
    return amo::token::to_jwks(keys_, with_private);
  }

  // A production config with fresh keys: it starts (and waits for its database and broker).
  Config base() const {
    return {{"database_url", "\"host=127.0.0.1 port=1 dbname=amo user=amo\""},
            {"broker_host", "\"127.0.0.1\""},
            {"broker_port", "1"},
            {"http_listen", "\"127.0.0.1:" + std::to_string(amo::harness::free_port()) + "\""},
            {"service_signing_key_file", "\"" + keys.private_path() + "\""},
            {"signing_key_file", "\"" + keys.private_path() + "\""},
            {"jwks_file", "\"" + keys.path() + "\""},
            {"issuer", "\"https://portal.test\""},
            {"portal_secret_file", "\"" + secret + "\""},
            {"public_broker_url", "\"wss://portal.test/mqtt\""},
            {"cors_origins", "\"https://portal.test\""}};
  }
};

Config with(Config c, const std::string& key, const std::string& value) {
  bool replaced = false;
  for (auto& kv : c) {
    if (kv.first == key) {
      kv.second = value;
      replaced = true;
    }
  }
  if (!replaced) c.emplace_back(key, value);
  std::erase_if(c, [](const auto& kv) { return kv.second.empty(); });
  return c;
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}
std::string demo(const std::string& file) {
  return quoted(std::string(AMO_SOURCE_DIR "/deploy/demo/") + file);
}

std::string toml(const Config& c) {
  std::string t;
  for (const auto& [k, v] : c) t += k + " = " + v + "\n";
  return t;
}

Outcome run(const Files& f, const Config& c, Env env = {{"APP_ENV", "production"}}) {
  static int n = 0;
  const std::string path = f.write("ts-" + std::to_string(++n) + ".toml", toml(c));
  const auto log = f.dir.path() / ("run-" + std::to_string(n) + ".log");
  amo::harness::SpawnOptions options;
  options.env = {{"APP_ENV", std::nullopt}};
  for (auto& e : env) options.env.push_back(std::move(e));
  const int code = amo::harness::run({AMO_TOKEN_SERVICE_PATH, "--config", path}, log, 20s, std::move(options));
  return {code, amo::harness::read_file(log)};
}

void refused(const Outcome& o, const std::string& key, const std::string& why) {
  INFO(o.output);
  CHECK(o.exit_code > 0);
  CHECK(std::count(o.output.begin(), o.output.end(), '\n') == 1);
  CHECK(o.output.starts_with("amo-token-service: " + key + ": "));
  CHECK(o.output.find(why) != std::string::npos);
}

void refused_in_production(const Files& f, const Config& c, const std::string& key, const std::string& why) {
  const Outcome o = run(f, c);
  refused(o, key, why);
  CHECK(o.output.find(": refused under APP_ENV=production: ") != std::string::npos);
}

// Starts and answers /healthz; in production its log lines are JSON objects.
void starts(const Config& c, Env env, bool json_lines) {
  amo::harness::Daemon d(amo::harness::Daemon::Options{
      .binary = AMO_TOKEN_SERVICE_PATH, .config = toml(c), .env = std::move(env), .wait_ready = true});
  CHECK(amo::harness::http_get(d.http_port(), "/healthz").status == 200);
  const std::string log = d.log();
  const std::string first = log.substr(0, log.find('\n'));
  CAPTURE(first);
  if (json_lines)
    CHECK(nlohmann::json::parse(first)["daemon"] == "amo-token-service");
  else
    CHECK_FALSE(first.starts_with("{"));
  // SIGTERM: a clean stop.
  d.signal(SIGTERM);
  CHECK(d.wait_exit(15s) == 0);
}

}  // namespace

TEST_CASE("with fresh keys and no fault the production config starts, logging JSON lines") {
  Files f;
  Config c = f.base();
  c = with(c, "http_listen", "");  // the harness picks the port
  starts(c, {{"APP_ENV", "production"}}, true);
}

TEST_CASE("a missing signing or verifying key") {
  Files f;
  const std::string gone = quoted((f.dir.path() / "gone").string());
  refused_in_production(f, with(f.base(), "signing_key_file", gone), "signing_key_file", "missing key");
  refused(run(f, with(f.base(), "signing_key_file", "")), "signing_key_file", "required by amo-token-service");
  refused_in_production(f, with(f.base(), "portal_secret_file", gone), "portal_secret_file", "missing key");
  refused_in_production(f, with(f.base(), "jwks_file", gone), "jwks_file", "missing key");
  refused_in_production(f, with(f.base(), "service_signing_key_file", gone), "service_signing_key_file", "missing key");
  // A signing file with public keys only cannot sign.
  refused_in_production(f, with(f.base(), "signing_key_file", quoted(f.keys.path())), "signing_key_file",
                        "no signing key");
}

TEST_CASE("the keys shipped in deploy/demo/") {
  Files f;
  refused_in_production(f, with(f.base(), "signing_key_file", demo("signing.jwks")), "signing_key_file", "demo key");
  refused_in_production(f, with(f.base(), "service_signing_key_file", demo("service_signing.jwks")),
                        "service_signing_key_file", "demo key");
  refused_in_production(f, with(f.base(), "jwks_file", demo("jwks.json")), "jwks_file", "demo key");
  refused_in_production(f, with(f.base(), "portal_secret_file", demo("portal_secret")), "portal_secret_file",
                        "the demo portal secret");
  // The demo signing key copied elsewhere is the same key material.
  const std::string copy = f.write("copied.jwks", amo::harness::read_file(AMO_SOURCE_DIR "/deploy/demo/signing.jwks"));
  refused_in_production(f, with(f.base(), "signing_key_file", quoted(copy)), "signing_key_file", "demo key");
}

TEST_CASE("an HMAC secret under 32 bytes") {
  Files f;
  refused_in_production(f, with(f.base(), "portal_secret_file", quoted(f.write("short", std::string(31, 'x') + "\n"))),
                        "portal_secret_file", "an HMAC secret under 32 bytes (31)");
  // An oct key of 16 bytes in a portal JWKS ({"k": 16 bytes}).
  const std::string short_oct = R"({"keys":[{"kty":"oct","kid":"p","k":"MDEyMzQ1Njc4OWFiY2RlZg"}]})";
  refused_in_production(
      f, with(with(f.base(), "portal_secret_file", ""), "portal_jwks_file", quoted(f.write("portal.jwks", short_oct))),
      "portal_jwks_file", "an HMAC key under 32 bytes");
}

TEST_CASE("CORS * and a plaintext password in database_url in the file") {
  Files f;
  refused_in_production(f, with(f.base(), "cors_origins", "\"*\""), "cors_origins", "CORS *");
  refused_in_production(f, with(f.base(), "database_url", "\"host=127.0.0.1 port=1 dbname=amo user=amo password=pw\""),
                        "database_url", "plaintext password");
  refused_in_production(f, with(f.base(), "database_url", "\"postgresql://amo:pw@127.0.0.1:1/amo\""), "database_url",
                        "plaintext password");
  // From the environment a password is allowed: it starts.
  Config c = with(with(f.base(), "database_url", "\"host=127.0.0.1 port=1 dbname=amo user=amo password=pw\""),
                  "http_listen", "");
  starts(c, {{"APP_ENV", "production"}, {"AMO_RT_DATABASE_URL", "postgresql://amo:pw@127.0.0.1:1/amo"}}, true);
}

TEST_CASE("outside production the demo keys are accepted; some faults are refused everywhere") {
  Files f;
  Config c =
      with(with(with(f.base(), "signing_key_file", demo("signing.jwks")), "portal_secret_file", demo("portal_secret")),
           "http_listen", "");
  starts(c, {}, false);
  // Everywhere: a portal secret under 32 bytes, a signing file that cannot sign, bad schemas.
  refused(run(f, with(f.base(), "portal_secret_file", quoted(f.write("short2", "tooshort"))), {}), "portal_secret_file",
          "an HMAC secret under 32 bytes (8)");
  refused(run(f, with(f.base(), "signing_key_file", quoted(f.keys.path())), {}), "signing_key_file",
          "no key in it has a private part");
  refused(run(f, with(f.base(), "schema_dir", quoted(f.dir.path().string())), {}), "schema_dir", "");
}
