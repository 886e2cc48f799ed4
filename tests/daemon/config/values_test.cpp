// The value checks behind parse() (daemon/config/values.h, conninfo.h, environment.h).
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include "daemon/config/conninfo.h"
#include "daemon/config/environment.h"
#include "daemon/config/key_table.h"
#include "daemon/config/values.h"

using namespace amo::config;

TEST_CASE("every int key has a range, and every default of keys.h passes its own checks") {
  const Config defaults;
  for (const KeyInfo& key : all_keys()) {
    CAPTURE(key.name);
    if (const auto* member = std::get_if<std::int64_t Config::*>(&key.member)) {
      const auto range = int_range(key.name);
      REQUIRE(range.has_value());
      CHECK(range->min >= 1);
      CHECK(range->min <= range->max);
      // broker_port's default 0 means "required, no default".
      if (key.required_by == 0) CHECK_FALSE(check_int(key.name, defaults.*(*member)).has_value());
    }
    if (const auto* member = std::get_if<std::string Config::*>(&key.member);
        member && !(defaults.*(*member)).empty()) {
      CHECK_FALSE(check_str(key.name, defaults.*(*member)).has_value());
    }
  }
  CHECK_FALSE(check_relations(defaults, Program::relay, defaults.source).has_value());
  CHECK_FALSE(check_relations(defaults, Program::token_service, defaults.source).has_value());
}

TEST_CASE("keys.h's names map to AMO_RT_ variables and back") {
  CHECK(env_name("batch_size") == "AMO_RT_BATCH_SIZE");
  CHECK(find_key("batch_size") != nullptr);
  CHECK(find_key("BATCH_SIZE") == nullptr);
  CHECK(find_key("relay") == nullptr);
}

TEST_CASE("an AMO_RT_ variable that names no key is an error keyed by the variable") {
  std::vector<std::string> names{
      "PATH",    "HOME",    "AMO_RT_BATCH_SIZE", "AMO_RT_WEB_ROOT", "AMO_RT_PUBLIC_BROKER_URL",
      "APP_ENV", "AMO_RTX", "AMO_REALTIME_X"};
  CHECK_FALSE(unknown_env_variable(names).has_value());
  names.push_back("AMO_RT_DATABSE_URL");
  const auto e = unknown_env_variable(names);
  REQUIRE(e.has_value());
  CHECK(e->key == "AMO_RT_DATABSE_URL");
  CHECK(e->message.starts_with("names no configuration key"));
  // The key part is upper case, exactly.
  CHECK(unknown_env_variable(std::vector<std::string>{"AMO_RT_batch_size"}).has_value());
  CHECK(unknown_env_variable(std::vector<std::string>{"AMO_RT_"}).has_value());
}

TEST_CASE("environment values: decimal integers and true/false/1/0") {
  CHECK(parse_env_int("42") == 42);
  CHECK(parse_env_int("-3") == -3);
  CHECK(parse_env_int("0") == 0);
  CHECK(parse_env_int("9223372036854775807") == INT64_MAX);
  for (const char* bad : {"", "-", "+1", "1.0", "1e2", "0x1f", " 1", "1 ", "9223372036854775808", "1_000"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_env_int(bad).has_value());
  }
  CHECK(parse_env_bool("true") == true);
  CHECK(parse_env_bool("1") == true);
  CHECK(parse_env_bool("false") == false);
  CHECK(parse_env_bool("0") == false);
  for (const char* bad : {"", "TRUE", "yes", "on", "2"}) CHECK_FALSE(parse_env_bool(bad).has_value());
}

TEST_CASE("hosts and listen addresses") {
  for (const char* good : {"localhost", "a", "db-1.internal.example", "127.0.0.1", "0.0.0.0", "[::1]", "[2001:db8::1]",
                           "[::ffff:127.0.0.1]"}) {
    CAPTURE(good);
    CHECK(is_host(good));
    CHECK(is_listen_address(std::string(good) + ":8080"));
  }
  for (const char* bad :
       {"", "-a", "a-", "a..b", ".a", "a b", "::1", "[::1", "256.0.0.1", "1.2.3", "[]", "tcp://x", "a/b", "a_b"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_host(bad));
  }
  for (const char* bad : {"localhost", ":8080", "localhost:", "localhost:0", "localhost:65536", "localhost:123456",
                          "localhost:-1", "localhost:80x", "[::1]8080"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_listen_address(bad));
  }
}

TEST_CASE("cors_origins: comma-separated http(s) origins without a path, or a lone *") {
  for (const char* good : {"https://a.example", "http://localhost:8080", "https://a.example,https://b.example:8443",
                           " https://a.example ,\thttp://b.example", "*", " * ", "HTTPS://A.EXAMPLE",
                           "http://[::1]:3000", "http://127.0.0.1"}) {
    CAPTURE(good);
    CHECK_FALSE(cors_origins_error(good).has_value());
  }
  for (const char* bad :
       {"https://a.example/", "https://a.example/path", "a.example", "ws://a.example", "https://",
        "https://a.example:0", "https://a.example:99999", "https://user@a.example", "https://a.example?x",
        ",https://a.example", "https://a.example,", "*,*", "https://a.example, *", "null"}) {
    CAPTURE(bad);
    CHECK(cors_origins_error(bad).has_value());
  }
  CHECK(cors_origins_error("https://a.example,b").value().starts_with("entry 2 "));
}

TEST_CASE("connection strings are judged by libpq") {
  for (const char* good : {"host=db dbname=amo", "host = db  dbname = 'a b'", "postgresql://db/amo",
                           "postgres://amo@db:5432/amo?sslmode=require", "service=amo", "dbname=amo password=x"}) {
    CAPTURE(good);
    CHECK(is_conninfo(good));
  }
  for (const char* bad : {"host", "host=db nonsense", "bogus=1", "mysql://db/amo", "postgresql://db/amo?bogus=1",
                          "host='unterminated", "PASSWORD=x host=db"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_conninfo(bad));
  }
  CHECK_FALSE(is_conninfo(std::string("host=db\0x", 9)));
}

TEST_CASE("a plaintext password is found in either form, any case, with or without blanks and quotes") {
  for (const char* with_password :
       {"host=db password=secret", "host=db password = secret", "host=db password='sec ret'", "PASSWORD=secret",
        "host=db Password =\t'x'", "postgresql://amo:secret@db/amo", "postgres://amo:secret@db:5432/amo",
        "postgresql://db/amo?password=secret", "postgresql://amo:secret@db/amo?bogus=1",
        "host=db password=secret nonsense"}) {
    CAPTURE(with_password);
    CHECK(has_plaintext_password(with_password));
  }
  for (const char* without_password :
       {"host=db dbname=amo user=amo", "postgresql://amo@db/amo", "postgresql://db:5432/amo", "service=amo",
        "host=db passfile=/etc/amo/pgpass", "host=db password=''", "postgresql://amo@[::1]:5432/amo"}) {
    CAPTURE(without_password);
    CHECK_FALSE(has_plaintext_password(without_password));
  }
}
