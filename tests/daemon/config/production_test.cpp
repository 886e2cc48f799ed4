// production_refusal (DESIGN §8): under APP_ENV=production a daemon refuses a missing signing or
// verifying key, the demo keys of deploy/demo/ (by material), an HMAC secret under 32 bytes,
// CORS `*`, and a plaintext password in database_url written in the file. Key files are
// fresh, written to a temp dir.
#include <doctest/doctest.h>

#include <string>

#include "core/token/base64url.h"
#include "core/token/jwks.h"
#include "daemon/config/demo_keys.h"
#include "daemon/config/production.h"
#include "tests/daemon/config/config_fixture.h"
#include "tests/harness/temp_dir.h"

using namespace amo::config;
using namespace amo::config::test;
using amo::harness::TempDir;
namespace token = amo::token;

namespace {

constexpr std::string_view kPrefix = "refused under APP_ENV=production: ";
const std::string kDemo = AMO_SOURCE_DIR "/deploy/demo/";
const std::string kLongSecret = "prod-portal-secret-4f9c2a7e1b3d5f6a8c0e2b4d6f8a1c3e";

std::string toml_str(const std::string& s) {
  return "\"" + s + "\"";
}

std::string jwks_of(const token::Key& key, bool include_private) {
  const token::Key* keys[] = {&key};
  return token::to_jwks(keys, include_private);
}

std::string rename_kid(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Fresh keys for every program, and production configs that use them.
struct Fixture {
  TempDir dir{"amo-config-prod"};
  token::Key signing = token::generate_key(token::Alg::EdDSA, "sign-1");
  token::Key service = token::generate_key(token::Alg::EdDSA, "svc-1");
  std::string signing_path = dir.write("signing.jwks", jwks_of(signing, true)).string();
  std::string jwks_path = dir.write("jwks.json", jwks_of(signing, false)).string();
  std::string service_path = dir.write("service_signing.jwks", jwks_of(service, true)).string();
  std::string portal_path = dir.write("portal_secret", kLongSecret + "\n").string();

  std::string relay() const {
    std::string t = with(kRelay, "service_signing_key_file", toml_str(service_path));
    t = with(t, "jwks_file", toml_str(jwks_path));
    return with(t, "cors_origins", "\"https://portal.example, https://admin.portal.example\"");
  }
  std::string token_service() const {
    std::string t = with(kTokenService, "service_signing_key_file", toml_str(service_path));
    t = with(t, "signing_key_file", toml_str(signing_path));
    t = with(t, "portal_secret_file", toml_str(portal_path));
    t = with(t, "jwks_file", toml_str(jwks_path));
    return with(t, "cors_origins", "\"https://portal.example\"");
  }
  std::string text_for(Program program) const {
    return program == Program::relay ? relay() : program == Program::token_service ? token_service() : kMigrate;
  }
  std::string file(const std::string& name, const std::string& content) const {
    return dir.write(name, content).string();
  }
};

std::optional<Error> refusal(Program program, const std::string& text, Env env = {}) {
  env.emplace("APP_ENV", "production");
  const Config c = parsed(program, text, std::move(env));
  REQUIRE(c.production);
  return production_refusal(c, program);
}

// The refusal names `key` and says why, behind the fixed prefix.
void refused(const std::optional<Error>& e, const std::string& key, const std::string& why) {
  REQUIRE_MESSAGE(e.has_value(), "not refused; expected " << key);
  CHECK(e->key == key);
  CHECK(e->message.starts_with(kPrefix));
  CHECK_MESSAGE(e->message.find(why) != std::string::npos, e->message);
}

}  // namespace

TEST_CASE("positive control: fresh keys, a long secret, explicit origins and a password-free URL pass") {
  Fixture f;
  for (Program program : {Program::relay, Program::token_service, Program::migrate}) {
    CAPTURE(name(program));
    const auto e = refusal(program, f.text_for(program));
    CHECK_MESSAGE(!e.has_value(), (e ? e->line() : std::string()));
  }
  // A portal JWKS, a service token file and a password given in the environment pass too.
  std::string ts = with(without(f.token_service(), "portal_secret_file"), "portal_jwks_file",
                        toml_str(f.file("portal.json", jwks_of(token::generate_key(token::Alg::HS256, "p1"), true))));
  ts = with(without(ts, "service_signing_key_file"), "service_token_file", toml_str(f.file("token", "eyJ.a.b\n")));
  CHECK_FALSE(refusal(Program::token_service, ts, {{"AMO_RT_DATABASE_URL", "postgresql://amo:pw@db/amo"}}).has_value());
  CHECK_FALSE(refusal(Program::relay, with(f.relay(), "cors_origins", "\"\"")).has_value());
}

TEST_CASE("a jwks_file that does not exist is a missing verifying key") {
  Fixture f;
  refused(refusal(Program::relay, with(f.relay(), "jwks_file", toml_str(f.dir.path().string() + "/nope.json"))),
          "jwks_file", "missing key: cannot read");
  refused(refusal(Program::token_service,
                  with(f.token_service(), "jwks_file", toml_str(f.dir.path().string() + "/nope.json"))),
          "jwks_file", "missing key");
}

TEST_CASE("an empty jwks_file is a missing verifying key") {
  Fixture f;
  refused(refusal(Program::relay, with(f.relay(), "jwks_file", toml_str(f.file("empty.json", "\n")))), "jwks_file",
          "is empty");
}

TEST_CASE("a jwks_file without a usable key is refused") {
  Fixture f;
  refused(refusal(Program::relay, with(f.relay(), "jwks_file", toml_str(f.file("none.json", R"({"keys":[]})")))),
          "jwks_file", "no usable key: no_keys");
  refused(refusal(Program::relay, with(f.relay(), "jwks_file", toml_str(f.file("bad.json", "not json")))), "jwks_file",
          "no usable key: bad_json");
}

TEST_CASE("a signing_key_file with public keys only has no signing key") {
  Fixture f;
  refused(refusal(Program::token_service, with(f.token_service(), "signing_key_file", toml_str(f.jwks_path))),
          "signing_key_file", "no signing key");
  refused(refusal(Program::token_service,
                  with(f.token_service(), "signing_key_file", toml_str(f.dir.path().string() + "/missing.jwks"))),
          "signing_key_file", "missing key");
}

TEST_CASE("a service_signing_key_file with public keys only has no signing key") {
  Fixture f;
  for (Program program : {Program::relay, Program::token_service}) {
    CAPTURE(name(program));
    refused(refusal(program, with(f.text_for(program), "service_signing_key_file", toml_str(f.jwks_path))),
            "service_signing_key_file", "no signing key");
  }
}

TEST_CASE("an empty service_token_file is a missing key") {
  Fixture f;
  const std::string text =
      with(without(f.relay(), "service_signing_key_file"), "service_token_file", toml_str(f.file("token", " \n")));
  refused(refusal(Program::relay, text), "service_token_file", "is empty");
  const std::string missing = with(without(f.relay(), "service_signing_key_file"), "service_token_file",
                                   toml_str(f.dir.path().string() + "/no-token"));
  refused(refusal(Program::relay, missing), "service_token_file", "missing key: cannot read");
}

TEST_CASE("a portal key file that is set must exist, for the token service and the relay") {
  Fixture f;
  const std::string gone = toml_str(f.dir.path().string() + "/gone");
  refused(refusal(Program::token_service, with(f.token_service(), "portal_secret_file", gone)), "portal_secret_file",
          "missing key");
  refused(refusal(Program::relay, with(f.relay(), "portal_secret_file", gone)), "portal_secret_file", "missing key");
  refused(refusal(Program::relay, with(f.relay(), "portal_jwks_file", gone)), "portal_jwks_file", "missing key");
  refused(refusal(Program::token_service, with(f.token_service(), "portal_jwks_file", gone)), "portal_jwks_file",
          "missing key");
}

TEST_CASE("a config that lacks a key file altogether is refused (a Config not from parse)") {
  Fixture f;
  Config relay = parsed(Program::relay, f.relay());
  relay.jwks_file.clear();
  refused(production_refusal(relay, Program::relay), "jwks_file", "missing key: not set");
  relay = parsed(Program::relay, f.relay());
  relay.service_signing_key_file.clear();
  refused(production_refusal(relay, Program::relay), "service_token_file", "missing key");
  Config ts = parsed(Program::token_service, f.token_service());
  ts.portal_secret_file.clear();
  refused(production_refusal(ts, Program::token_service), "portal_secret_file", "missing key");
  ts = parsed(Program::token_service, f.token_service());
  ts.signing_key_file.clear();
  refused(production_refusal(ts, Program::token_service), "signing_key_file", "missing key: not set");
}

TEST_CASE("the demo keys are compiled in: four JWKS keys and the portal secret") {
  CHECK(demo_key_count() == 5);
}

TEST_CASE("the demo jwks.json is refused as jwks_file, renamed and with another kid") {
  Fixture f;
  const std::string copy = rename_kid(amo::harness::read_file(kDemo + "jwks.json"), "demo-signing-1", "prod-2024");
  REQUIRE(copy.find("prod-2024") != std::string::npos);
  refused(refusal(Program::relay, with(f.relay(), "jwks_file", toml_str(f.file("verify.json", copy)))), "jwks_file",
          "key \"prod-2024\" is a demo key shipped in deploy/demo/");
}

TEST_CASE("a demo public key among fresh keys in jwks_file is refused") {
  Fixture f;
  const token::JwksResult demo = token::parse_jwks(amo::harness::read_file(kDemo + "service_jwks.json"));
  REQUIRE(demo.status == token::JwksStatus::ok);
  // Rebuild the demo key under a new kid, next to a fresh key.
  const std::string demo_jwks = rename_kid(amo::harness::read_file(kDemo + "service_jwks.json"), "demo-service-1", "x");
  const token::JwksResult renamed = token::parse_jwks(demo_jwks);
  REQUIRE(renamed.status == token::JwksStatus::ok);
  const token::Key* keys[] = {&f.signing, &renamed.keys.keys()[0]};
  const std::string text = with(f.relay(), "jwks_file", toml_str(f.file("mixed.json", token::to_jwks(keys, false))));
  refused(refusal(Program::relay, text), "jwks_file", "key \"x\" is a demo key");
}

TEST_CASE("the demo signing.jwks is refused as the token service's signing_key_file") {
  Fixture f;
  const std::string copy = f.file("signing-copy.jwks", amo::harness::read_file(kDemo + "signing.jwks"));
  refused(refusal(Program::token_service, with(f.token_service(), "signing_key_file", toml_str(copy))),
          "signing_key_file", "is a demo key");
}

TEST_CASE("the demo service_signing.jwks is refused as service_signing_key_file") {
  Fixture f;
  const std::string copy = f.file(
      "svc.jwks", rename_kid(amo::harness::read_file(kDemo + "service_signing.jwks"), "demo-service-1", "svc-9"));
  for (Program program : {Program::relay, Program::token_service}) {
    CAPTURE(name(program));
    refused(refusal(program, with(f.text_for(program), "service_signing_key_file", toml_str(copy))),
            "service_signing_key_file", "key \"svc-9\" is a demo key");
  }
}

TEST_CASE("the demo portal secret is refused, whatever its trailing whitespace") {
  Fixture f;
  const std::string secret = amo::harness::read_file(kDemo + "portal_secret");
  std::string bare = secret;
  while (!bare.empty() && (bare.back() == '\n' || bare.back() == ' ')) bare.pop_back();
  for (const std::string& content : {secret, bare, bare + " \r\n\n"}) {
    const std::string text = with(f.token_service(), "portal_secret_file", toml_str(f.file("demo_secret", content)));
    refused(refusal(Program::token_service, text), "portal_secret_file", "the demo portal secret");
    refused(refusal(Program::relay, with(f.relay(), "portal_secret_file", toml_str(f.file("demo_secret", content)))),
            "portal_secret_file", "the demo portal secret");
  }
}

TEST_CASE("the demo portal secret as an oct key of portal_jwks_file is refused") {
  Fixture f;
  std::string bare = amo::harness::read_file(kDemo + "portal_secret");
  while (!bare.empty() && bare.back() == '\n') bare.pop_back();
  const std::string jwks =
      R"({"keys":[{"kty":"oct","kid":"portal-1","alg":"HS256","k":")" + token::base64url_encode(bare) + "\"}]}";
  const std::string text =
      with(without(f.token_service(), "portal_secret_file"), "portal_jwks_file", toml_str(f.file("portal.json", jwks)));
  refused(refusal(Program::token_service, text), "portal_jwks_file", "key \"portal-1\" is a demo key");
}

TEST_CASE("a portal secret under 32 bytes is refused; 32 bytes pass") {
  Fixture f;
  const std::string short_secret(31, 's');
  const std::string text =
      with(f.token_service(), "portal_secret_file", toml_str(f.file("short", short_secret + "\n\n")));
  refused(refusal(Program::token_service, text), "portal_secret_file", "an HMAC secret under 32 bytes (31)");
  const std::string padded =
      with(f.token_service(), "portal_secret_file", toml_str(f.file("exact", std::string(32, 's') + " \n")));
  CHECK_FALSE(refusal(Program::token_service, padded).has_value());
}

TEST_CASE("an oct key under 32 bytes in any JWKS is refused") {
  Fixture f;
  const std::string short_oct = R"({"keys":[{"kty":"oct","kid":"short","alg":"HS256","k":")" +
                                token::base64url_encode(std::string(16, 'k')) + "\"}]}";
  const std::string path = toml_str(f.file("short.json", short_oct));
  refused(refusal(Program::relay, with(f.relay(), "jwks_file", path)), "jwks_file", "an HMAC key under 32 bytes");
  refused(refusal(Program::token_service, with(f.token_service(), "portal_jwks_file", path)), "portal_jwks_file",
          "an HMAC key under 32 bytes");
}

TEST_CASE("CORS * is refused") {
  Fixture f;
  refused(refusal(Program::relay, with(f.relay(), "cors_origins", "\"*\"")), "cors_origins", "CORS *");
  refused(refusal(Program::token_service, with(f.token_service(), "cors_origins", "\" * \"")), "cors_origins",
          "CORS *");
  refused(refusal(Program::relay, f.relay(), {{"AMO_RT_CORS_ORIGINS", "*"}}), "cors_origins", "CORS *");
}

TEST_CASE("a plaintext password in database_url from the file is refused, in either form") {
  Fixture f;
  const std::string pw = "Plain-Text-Pw-77";
  for (const std::string& url : {"host=db user=amo password=" + pw, "host=db user=amo password = '" + pw + "'",
                                 "postgresql://amo:" + pw + "@db:5432/amo", "postgresql://db/amo?password=" + pw}) {
    CAPTURE(url);
    for (Program program : {Program::relay, Program::token_service, Program::migrate}) {
      const auto e = refusal(program, with(f.text_for(program), "database_url", toml_str(url)));
      refused(e, "database_url", "plaintext password");
      CHECK(e->message.find("AMO_RT_DATABASE_URL") != std::string::npos);
      CHECK(e->line().find(pw) == std::string::npos);
    }
  }
  // Any case: libpq itself would refuse the keyword, but the password is on disk all the same.
  Config c = parsed(Program::relay, f.relay());
  c.database_url = "host=db PASSWORD ='x'";
  refused(production_refusal(c, Program::relay), "database_url", "plaintext password");
}

TEST_CASE("a plaintext password in migration_database_url from the file is refused for migrate") {
  Fixture f;
  const std::string text = with(kMigrate, "migration_database_url", "\"postgresql://owner:pw@db/amo\"");
  refused(refusal(Program::migrate, text), "migration_database_url", "AMO_RT_MIGRATION_DATABASE_URL");
  // The relay ignores migrate's key; nor does the default (= database_url) count as written.
  CHECK_FALSE(
      refusal(Program::relay, f.relay() + "migration_database_url = \"postgresql://o:pw@db/amo\"\n").has_value());
}

TEST_CASE("a password in the URL from the environment is allowed") {
  Fixture f;
  for (Program program : {Program::relay, Program::token_service, Program::migrate}) {
    CAPTURE(name(program));
    CHECK_FALSE(
        refusal(program, f.text_for(program), {{"AMO_RT_DATABASE_URL", "host=db password=from-env"}}).has_value());
  }
  CHECK_FALSE(
      refusal(Program::migrate, kMigrate, {{"AMO_RT_MIGRATION_DATABASE_URL", "postgresql://o:pw@db/amo"}}).has_value());
}
