// parse() (DESIGN §8): every error class names its key; tables, environment and defaults.
#include <doctest/doctest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "daemon/config/key_table.h"
#include "io/files.h"
#include "tests/daemon/config/config_fixture.h"

using namespace amo::config;
using namespace amo::config::test;

TEST_CASE("a minimal config parses for each program, with the defaults of keys.h filled in") {
  const Config relay = parsed(Program::relay, kRelay);
  CHECK(relay.database_url == "host=127.0.0.1 port=5432 dbname=amo user=amo");
  CHECK(relay.broker_port == 1883);
  CHECK(relay.http_listen == "127.0.0.1:8081");
  CHECK(relay.audience == "amo-realtime");
  CHECK(relay.log_level == "info");
  CHECK(relay.max_token_ttl == 300);
  CHECK(relay.max_service_token_ttl == 86400);
  CHECK(relay.batch_size == 100);
  CHECK(relay.poll_min_ms == 2);
  CHECK(relay.poll_max_ms == 200);
  CHECK(relay.notify == false);
  CHECK(relay.portal_session_cookie == "session");
  CHECK(relay.instance_id.ends_with(":" + std::to_string(getpid())));
  CHECK(relay.instance_id.size() > std::to_string(getpid()).size() + 1);
  CHECK(relay.migration_database_url == relay.database_url);
  CHECK(relay.schema_dir == AMO_SOURCE_DIR "/schemas");
  CHECK(relay.migrations_dir == AMO_SOURCE_DIR "/deploy/migrations");
  CHECK_FALSE(relay.production);
  CHECK(relay.source.database_url == Source::file);
  CHECK(relay.source.batch_size == Source::unset);
  CHECK(relay.source.instance_id == Source::unset);

  const Config ts = parsed(Program::token_service, kTokenService);
  CHECK(ts.token_ttl == 120);
  CHECK(ts.max_body == 16384);
  CHECK(ts.public_broker_url == "wss://portal.example/mqtt");

  const Config migrate = parsed(Program::migrate, kMigrate);
  CHECK(migrate.migration_database_url == migrate.database_url);
}

TEST_CASE("explicit values replace the defaults") {
  std::string text = with(kRelay, "instance_id", "\"relay-a\"");
  text = with(text, "migration_database_url", "\"host=db user=owner\"");
  text = with(text, "batch_size", "500");
  text = with(text, "notify", "true");
  const Config c = parsed(Program::relay, text);
  CHECK(c.instance_id == "relay-a");
  CHECK(c.batch_size == 500);
  CHECK(c.notify);
  // migration_database_url is migrate's key: the relay ignores it and keeps the default.
  CHECK(c.migration_database_url == c.database_url);
  CHECK(parsed(Program::migrate, with(kMigrate, "migration_database_url", "\"host=db user=owner\""))
            .migration_database_url == "host=db user=owner");
}

TEST_CASE("a TOML syntax error is keyed config, with line and column") {
  const Error e = failed(Program::relay, std::string(kRelay) + "batch_size = = 3\n");
  CHECK(e.key == "config");
  CHECK(e.message.starts_with("line 8, column "));
  CHECK(failed(Program::relay, "a = 1\na = 2\n").key == "config");
  CHECK(failed(Program::relay, "x = \"unterminated\n").key == "config");
}

TEST_CASE("an unknown key is refused, at top level and inside a table") {
  Error e = failed(Program::relay, with(kRelay, "bach_size", "5"));
  CHECK(e.key == "bach_size");
  CHECK(e.message == "unknown key");
  e = failed(Program::relay, std::string(kRelay) + "[relay]\nbatch_sise = 5\n");
  CHECK(e.key == "relay.batch_sise");
  CHECK(e.message == "unknown key");
  e = failed(Program::token_service, std::string(kTokenService) + "[token_service]\ntokenttl = 5\n");
  CHECK(e.key == "token_service.tokenttl");
  CHECK(e.message == "unknown key");
  // Unknown at top level means unknown to every program.
  CHECK(failed(Program::migrate, with(kMigrate, "bogus", "1")).key == "bogus");
}

TEST_CASE("any table other than [relay] and [token_service] is unknown") {
  Error e = failed(Program::relay, std::string(kRelay) + "[redis]\nhost = \"x\"\n");
  CHECK(e.key == "redis");
  CHECK(e.message.starts_with("unknown table"));
  CHECK(e.message.find("[relay]") != std::string::npos);
  e = failed(Program::relay, std::string(kRelay) + "[relay.extra]\nbatch_size = 5\n");
  CHECK(e.key == "relay.extra");
  CHECK(e.message == "unknown key");
  e = failed(Program::relay, with(kRelay, "relay", "5"));
  CHECK(e.key == "relay");
  CHECK(e.message == "expected a table, got an integer");
  CHECK(failed(Program::relay, std::string(kRelay) + "[[relay]]\nbatch_size = 5\n").key == "relay");
}

TEST_CASE("inside a daemon's own table, a key that daemon does not use is refused") {
  Error e = failed(Program::relay, std::string(kRelay) + "[relay]\npublic_broker_url = \"wss://x\"\n");
  CHECK(e.key == "relay.public_broker_url");
  CHECK(e.message == "not a key of amo-relay");
  e = failed(Program::token_service, std::string(kTokenService) + "[token_service]\nbatch_size = 5\n");
  CHECK(e.key == "token_service.batch_size");
  CHECK(e.message == "not a key of amo-token-service");
  // web_root is read by scripts/demo only: no daemon's key.
  CHECK(failed(Program::relay, std::string(kRelay) + "[relay]\nweb_root = \"/srv\"\n").key == "relay.web_root");
  // migrate reads [relay] too, and a migrate-only key belongs there.
  CHECK(parsed(Program::relay, std::string(kRelay) + "[relay]\nmigrations_dir = \"/m\"\n").migrations_dir != "/m");
  CHECK(parsed(Program::migrate, std::string(kMigrate) + "[relay]\nmigrations_dir = \"/m\"\n").migrations_dir == "/m");
}

TEST_CASE("each program ignores the other's table entirely, and the other's top-level keys") {
  const std::string text = std::string(kRelay) + "token_ttl = \"not even an int\"\nsigning_key_file = \"/s\"\n" +
                           "web_root = \"/srv/web\"\n[token_service]\nnonsense = true\nbatch_size = \"x\"\n";
  const Config c = parsed(Program::relay, text);
  CHECK(c.signing_key_file.empty());  // accepted and ignored, not filled in
  CHECK(c.token_ttl == 120);
  CHECK(parsed(Program::migrate, text).database_url == c.database_url);

  const std::string ts = std::string(kTokenService) + "batch_size = \"x\"\n[relay]\nnonsense = true\n";
  CHECK(parsed(Program::token_service, ts).batch_size == 100);
}

TEST_CASE("one file serves both daemons, each with its own http_listen") {
  const std::string text = std::string(kTokenService) + "jwks_file = \"/etc/amo/jwks.json\"\nbatch_size = 50\n" +
                           "[relay]\nhttp_listen = \"127.0.0.1:9001\"\nbatch_size = 70\n" +
                           "[token_service]\nhttp_listen = \"[::1]:9002\"\ntoken_ttl = 60\n";
  const Config relay = parsed(Program::relay, text);
  const Config ts = parsed(Program::token_service, text);
  CHECK(relay.http_listen == "127.0.0.1:9001");
  CHECK(ts.http_listen == "[::1]:9002");
  CHECK(relay.batch_size == 70);
  CHECK(relay.source.http_listen == Source::file);
  CHECK(ts.token_ttl == 60);
  CHECK(relay.token_ttl == 120);
  CHECK(relay.database_url == ts.database_url);
}

TEST_CASE("a table value overrides the top-level value wherever the table stands") {
  const std::string text = std::string(kRelay) + "[relay]\nbatch_size = 7\n";
  CHECK(parsed(Program::relay, text).batch_size == 7);
  // Errors about a table value name the table's key.
  const Error e = failed(Program::relay, std::string(kRelay) + "[relay]\nbatch_size = 0\n");
  CHECK(e.key == "relay.batch_size");
}

TEST_CASE("a value of the wrong type names the expected and the given type") {
  struct Case {
    std::string key, value, message;
  };
  for (const Case& c : std::vector<Case>{
           {"broker_port", "\"1883\"", "expected an integer, got a string"},
           {"notify", "1", "expected a boolean, got an integer"},
           {"database_url", "5", "expected a string, got an integer"},
           {"batch_size", "1.5", "expected an integer, got a float"},
           {"issuer", "[\"a\"]", "expected a string, got an array"},
           {"cors_origins", "{ a = 1 }", "expected a string, got a table"},
           {"history_days", "1979-05-27", "expected an integer, got a date"},
       }) {
    CAPTURE(c.key);
    const Error e = failed(Program::relay, with(kRelay, c.key, c.value));
    CHECK(e.key == c.key);
    CHECK(e.message == c.message);
  }
}

TEST_CASE("each kind of bad value names its key and what is allowed") {
  struct Case {
    Program program;
    std::string key, value, message_part;
  };
  const std::vector<Case> cases{
      {Program::relay, "broker_port", "0", "must be 1..65535, got 0"},
      {Program::relay, "broker_port", "65536", "must be 1..65535, got 65536"},
      {Program::relay, "batch_size", "0", "must be 1..10000"},
      {Program::relay, "batch_size", "-5", "must be 1..10000, got -5"},
      {Program::relay, "history_days", "100000", "must be 1..3650"},
      {Program::relay, "max_token_ttl", "0", "must be 1.."},
      {Program::relay, "partitions", "0", "must be 1.."},
      {Program::relay, "lease_seconds", "0", "must be 1.."},
      {Program::relay, "max_attempts", "0", "must be 1.."},
      {Program::relay, "sse_per_user", "0", "must be 1.."},
      {Program::relay, "sse_total", "0", "must be 1.."},
      {Program::token_service, "token_rate", "0", "must be 1.."},
      {Program::token_service, "ip_burst", "0", "must be 1.."},
      {Program::token_service, "max_body", "0", "must be 1.."},
      {Program::relay, "log_level", "\"verbose\"", "must be one of debug, info, warning, error"},
      {Program::migrate, "log_level", "\"INFO\"", "must be one of debug, info, warning, error"},
      {Program::relay, "http_listen", "\"8081\"", "expected host:port"},
      {Program::relay, "http_listen", "\"localhost\"", "expected host:port"},
      {Program::relay, "http_listen", "\"127.0.0.1:0\"", "expected host:port"},
      {Program::relay, "http_listen", "\"127.0.0.1:http\"", "expected host:port"},
      {Program::relay, "http_listen", "\"::1:8081\"", "expected host:port"},
      {Program::relay, "http_listen", "\"[::1\"", "expected host:port"},
      {Program::relay, "http_listen", "\"[fe80::zz]:80\"", "expected host:port"},
      {Program::relay, "http_listen", "\"300.1.1.1:80\"", "expected host:port"},
      {Program::relay, "http_listen", "\"-bad-.example:80\"", "expected host:port"},
      {Program::relay, "broker_host", "\"tcp://broker\"", "expected a host name"},
      {Program::relay, "broker_host", "\"broker:1883\"", "expected a host name"},
      {Program::relay, "broker_host", "\"\"", "must not be empty"},
      {Program::relay, "cors_origins", "\"https://a.example/\"", "entry 1 is not an origin"},
      {Program::relay, "cors_origins", "\"https://a.example,portal.example\"", "entry 2 is not an origin"},
      {Program::relay, "cors_origins", "\"https://a.example, \"", "entry 2 is not an origin"},
      {Program::relay, "cors_origins", "\"ftp://a.example\"", "http(s)://host[:port]"},
      {Program::relay, "cors_origins", "\"*, https://a.example\"", "* must stand alone"},
      {Program::token_service, "public_broker_url", "\"https://portal.example/mqtt\"", "ws:// or wss://"},
      {Program::token_service, "public_broker_url", "\"wss://\"", "ws:// or wss://"},
      {Program::relay, "database_url", "\"host=db nonsense\"", "invalid connection string"},
      {Program::relay, "database_url", "\"mysql://db/amo\"", "invalid connection string"},
      {Program::relay, "database_url", "\"\"", "must not be empty"},
      {Program::migrate, "migration_database_url", "\"bogus_keyword=1\"", "invalid connection string"},
      {Program::relay, "instance_id", "\"relay a\"", "A-Z a-z 0-9 _ . : -"},
      {Program::relay, "instance_id", "\"" + std::string(104, 'a') + "\"", "at most 103"},
      {Program::relay, "portal_session_cookie", "\"my session\"", "cookie name"},
      {Program::relay, "audience", "\"\"", "must not be empty"},
      {Program::relay, "issuer", "\"\"", "must not be empty"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.key);
    CAPTURE(c.value);
    const std::string base = c.program == Program::relay           ? kRelay
                             : c.program == Program::token_service ? kTokenService
                                                                   : kMigrate;
    const Error e = failed(c.program, with(base, c.key, c.value));
    CHECK(e.key == c.key);
    CHECK_MESSAGE(e.message.find(c.message_part) != std::string::npos, e.message);
  }
}

TEST_CASE("good values of the shaped keys pass") {
  for (const char* listen :
       {"127.0.0.1:1", "0.0.0.0:65535", "localhost:8080", "relay-1.internal.example:80", "[::1]:8081", "[::]:80"}) {
    CAPTURE(listen);
    CHECK(parsed(Program::relay, with(kRelay, "http_listen", "\"" + std::string(listen) + "\"")).http_listen == listen);
  }
  for (const char* origins : {"https://portal.example", "https://a.example, http://localhost:8080",
                              "HTTPS://Portal.Example:443", "*", "http://[::1]:3000"}) {
    CAPTURE(origins);
    parsed(Program::relay, with(kRelay, "cors_origins", "\"" + std::string(origins) + "\""));
  }
  for (const char* url : {"postgresql://amo@db:5432/amo", "postgres:///amo?host=/run/postgresql",
                          "host=db port=5432 dbname=amo", "service=amo"}) {
    CAPTURE(url);
    parsed(Program::relay, with(kRelay, "database_url", "\"" + std::string(url) + "\""));
  }
  CHECK(parsed(Program::relay, with(kRelay, "broker_host", "\"[::1]\"")).broker_host == "[::1]");
  CHECK(parsed(Program::relay, with(kRelay, "cors_origins", "\"\"")).cors_origins.empty());  // "" = unset
}

TEST_CASE("relations between keys name the key the operator set") {
  Error e = failed(Program::relay, with(with(kRelay, "poll_min_ms", "500"), "poll_max_ms", "100"));
  CHECK(e.key == "poll_min_ms");
  CHECK(e.message == "poll_min_ms (500) must not exceed poll_max_ms (100)");
  e = failed(Program::relay, with(kRelay, "poll_max_ms", "1"));  // below the default minimum, 2
  CHECK(e.key == "poll_max_ms");
  e = failed(Program::token_service, with(kTokenService, "token_ttl", "600"));  // max_token_ttl 300
  CHECK(e.key == "token_ttl");
  CHECK(e.message.find("must not exceed max_token_ttl (300)") != std::string::npos);
  e = failed(Program::token_service, with(kTokenService, "max_token_ttl", "60"));  // token_ttl 120
  CHECK(e.key == "max_token_ttl");
  // token_ttl is not the relay's: the relay's max_token_ttl may be below its default.
  CHECK(parsed(Program::relay, with(kRelay, "max_token_ttl", "60")).max_token_ttl == 60);
  CHECK(parsed(Program::relay, with(with(kRelay, "poll_min_ms", "50"), "poll_max_ms", "50")).poll_max_ms == 50);
}

TEST_CASE("every required key is required by its programs") {
  for (const KeyInfo& key : all_keys()) {
    for (Program program : {Program::relay, Program::token_service, Program::migrate}) {
      if (!required_by(key, program)) continue;
      CAPTURE(key.name);
      CAPTURE(name(program));
      const std::string base = program == Program::relay           ? kRelay
                               : program == Program::token_service ? kTokenService
                                                                   : kMigrate;
      REQUIRE(base.find(std::string(key.name) + " =") != std::string::npos);
      const Error e = failed(program, without(base, std::string(key.name)));
      CHECK(e.key == key.name);
      CHECK(e.message == "required by " + std::string(name(program)));
    }
  }
}

TEST_CASE("either-or keys: a service token or its signing key (not both); T needs a portal key") {
  for (Program program : {Program::relay, Program::token_service}) {
    CAPTURE(name(program));
    const std::string base = program == Program::relay ? kRelay : kTokenService;
    const std::string neither = without(base, "service_signing_key_file");
    Error e = failed(program, neither);
    CHECK(e.key == "service_token_file");
    CHECK(e.message.starts_with("required by " + std::string(name(program))));
    CHECK(e.message.find("service_signing_key_file") != std::string::npos);
    CHECK(parsed(program, with(neither, "service_token_file", "\"/etc/amo/token\"")).service_token_file ==
          "/etc/amo/token");
    e = failed(program, with(base, "service_token_file", "\"/etc/amo/token\""));
    CHECK(e.key == "service_signing_key_file");
    CHECK(e.message == "set only one of service_token_file and service_signing_key_file");
  }
  const std::string no_portal = without(kTokenService, "portal_secret_file");
  Error e = failed(Program::token_service, no_portal);
  CHECK(e.key == "portal_secret_file");
  CHECK(e.message.find("portal_jwks_file") != std::string::npos);
  CHECK(parsed(Program::token_service, with(no_portal, "portal_jwks_file", "\"/p.json\"")).portal_jwks_file ==
        "/p.json");
  parsed(Program::token_service, with(kTokenService, "portal_jwks_file", "\"/p.json\""));  // both: fine
  parsed(Program::relay, kRelay);  // the relay's cookie auth is simply off without one
  // migrate needs neither.
  CHECK(parsed(Program::migrate, kMigrate).service_token_file.empty());
}

TEST_CASE("the environment overrides the file and the tables, parsed per the key's type") {
  const std::string text = std::string(kRelay) + "batch_size = 10\n[relay]\nbatch_size = 20\n";
  Config c = parsed(Program::relay, text,
                    {{"AMO_RT_BATCH_SIZE", "30"},
                     {"AMO_RT_NOTIFY", "1"},
                     {"AMO_RT_LOG_LEVEL", "debug"},
                     {"AMO_RT_DATABASE_URL", "postgresql://amo:pw@db/amo"}});
  CHECK(c.batch_size == 30);
  CHECK(c.source.batch_size == Source::env);
  CHECK(c.notify);
  CHECK(c.log_level == "debug");
  CHECK(c.database_url == "postgresql://amo:pw@db/amo");
  CHECK(c.source.database_url == Source::env);
  CHECK(c.source.broker_host == Source::file);
  CHECK(parsed(Program::relay, kRelay, {{"AMO_RT_NOTIFY", "false"}}).notify == false);
  CHECK(parsed(Program::relay, kRelay, {{"AMO_RT_NOTIFY", "true"}}).notify == true);
  // A required key may come from the environment alone.
  c = parsed(Program::relay, without(kRelay, "issuer"), {{"AMO_RT_ISSUER", "https://env.example"}});
  CHECK(c.issuer == "https://env.example");
  // An empty string value unsets an optional string key.
  CHECK(parsed(Program::relay, with(kRelay, "cors_origins", "\"https://a.example\""), {{"AMO_RT_CORS_ORIGINS", ""}})
            .cors_origins.empty());
}

TEST_CASE("a bad environment value is keyed by its variable") {
  struct Case {
    std::string variable, value, message_part;
  };
  for (const Case& c : std::vector<Case>{
           {"AMO_RT_BATCH_SIZE", "abc", "expected a decimal integer"},
           {"AMO_RT_BATCH_SIZE", "0x10", "expected a decimal integer"},
           {"AMO_RT_BATCH_SIZE", "1e3", "expected a decimal integer"},
           {"AMO_RT_BATCH_SIZE", " 5", "expected a decimal integer"},
           {"AMO_RT_BATCH_SIZE", "", "expected a decimal integer"},
           {"AMO_RT_BATCH_SIZE", "99999999999999999999", "expected a decimal integer"},
           {"AMO_RT_BATCH_SIZE", "0", "must be 1..10000, got 0"},
           {"AMO_RT_NOTIFY", "yes", "expected true, false, 1 or 0"},
           {"AMO_RT_LOG_LEVEL", "loud", "must be one of"},
           {"AMO_RT_HTTP_LISTEN", "nowhere", "expected host:port"},
           {"AMO_RT_ISSUER", "", "must not be empty"},
       }) {
    CAPTURE(c.variable);
    CAPTURE(c.value);
    const Error e = failed(Program::relay, kRelay, {{c.variable, c.value}});
    CHECK(e.key == c.variable);
    CHECK_MESSAGE(e.message.find(c.message_part) != std::string::npos, e.message);
  }
  // The environment is read per program too: the token service's key is not the relay's.
  CHECK(parsed(Program::relay, kRelay, {{"AMO_RT_TOKEN_TTL", "abc"}}).token_ttl == 120);
  CHECK(failed(Program::token_service, kTokenService, {{"AMO_RT_TOKEN_TTL", "abc"}}).key == "AMO_RT_TOKEN_TTL");
}

TEST_CASE("APP_ENV=production, and only that value, sets production") {
  CHECK(parsed(Program::relay, kRelay, {{"APP_ENV", "production"}}).production);
  CHECK_FALSE(parsed(Program::relay, kRelay, {{"APP_ENV", "staging"}}).production);
  CHECK_FALSE(parsed(Program::relay, kRelay, {{"APP_ENV", ""}}).production);
  CHECK_FALSE(parsed(Program::relay, kRelay).production);
  CHECK(parse(Program::relay, kRelay, Getenv{}).index() == 0);  // no environment at all
}

TEST_CASE("the first error in the file is the one reported") {
  const std::string text = std::string(kRelay) + "zzz_unknown = 1\nbatch_size = \"x\"\n";
  CHECK(failed(Program::relay, text).key == "zzz_unknown");
  const std::string reversed = std::string(kRelay) + "batch_size = \"x\"\nzzz_unknown = 1\n";
  CHECK(failed(Program::relay, reversed).key == "batch_size");
}

TEST_CASE("no error line repeats a password from database_url") {
  const std::string pw = "Hunter2-Zq9-NeverEcho";
  const std::vector<std::pair<Program, std::string>> texts{
      {Program::relay, with(kRelay, "database_url", "\"host=db password=" + pw + " nonsense\"")},
      {Program::relay, with(kRelay, "database_url", "\"postgresql://amo:" + pw + "@db:5432/amo?bogus=1\"")},
      {Program::relay, with(kRelay, "database_url", "\"mysql://amo:" + pw + "@db/amo\"")},
      {Program::relay, with(kRelay, "database_url", "postgresql://amo:" + pw + "@db/amo")},
      {Program::relay, with(kRelay, "database_url", "\"postgresql://amo:" + pw + "@db/amo")},
      {Program::relay, with(kRelay, "database_url", "'password=" + pw + "")},
      {Program::relay, with(kRelay, "database_url", "[\"password=" + pw + "\"]")},
      {Program::relay, with(kRelay, "database_url", "\"password=" + pw + "\" trailing")},
      {Program::relay, std::string(kRelay) + "[relay]\ndatabase_url = \"password='" + pw + "\"\n"},
      {Program::relay, std::string(kRelay) + "bogus = \"password=" + pw + "\"\n"},
      {Program::migrate, with(kMigrate, "migration_database_url", "\"password=" + pw + " x\"")},
      {Program::migrate, with(kMigrate, "database_url", "\"password=" + pw + "\\q\"")},
  };
  for (const auto& [program, text] : texts) {
    CAPTURE(text);
    const Error e = failed(program, text);
    CHECK_MESSAGE(e.line().find(pw) == std::string::npos, e.line());
    CHECK(e.line().find("Zq9") == std::string::npos);
  }
  for (const char* variable : {"AMO_RT_DATABASE_URL", "AMO_RT_MIGRATION_DATABASE_URL"}) {
    const Error e = failed(Program::migrate, kMigrate, {{variable, "password=" + pw + " nonsense"}});
    CHECK(e.key == variable);
    CHECK(e.line().find(pw) == std::string::npos);
  }
}

TEST_CASE("Program names are the daemons' names") {
  CHECK(name(Program::relay) == "amo-relay");
  CHECK(name(Program::token_service) == "amo-token-service");
  CHECK(name(Program::migrate) == "amo-relay migrate");
}

TEST_CASE("deploy/amo-realtime.toml.example serves both daemons and migrate") {
  const std::string text = amo::io::read_file(AMO_SOURCE_DIR "/deploy/amo-realtime.toml.example");
  const auto relay = parse(Program::relay, text, env_of({}));
  const auto token_service = parse(Program::token_service, text, env_of({}));
  const auto migrate = parse(Program::migrate, text, env_of({}));
  for (const auto* r : {&relay, &token_service, &migrate}) {
    if (const auto* e = std::get_if<Error>(r)) FAIL(e->line());
  }
  CHECK(std::get<Config>(relay).http_listen == "127.0.0.1:8081");
  CHECK(std::get<Config>(token_service).http_listen == "127.0.0.1:8082");
}
