#include "daemon/log/redact.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using amo::log::redact;

namespace {

// The line must keep no piece of the secret longer than a few characters.
void check_masked(const std::string& line, const std::string& secret) {
  const std::string out = redact(line);
  INFO("line: " << line);
  INFO("out:  " << out);
  CHECK(out.find(secret) == std::string::npos);
  for (std::size_t i = 0; i + 6 <= secret.size(); ++i) CHECK(out.find(secret.substr(i, 6)) == std::string::npos);
  CHECK(out.find("[redacted]") != std::string::npos);
}

void check_untouched(const std::string& line) { CHECK(redact(line) == line); }

}  // namespace

TEST_CASE("bearer tokens, any case of the scheme") {
  CHECK(redact("Authorization: Bearer abc.def-ghi") == "Authorization: [redacted]");
  CHECK(redact("auth Bearer abc.def-ghi ok") == "auth Bearer [redacted] ok");
  CHECK(redact("bearer Zm9vYmFy==, next") == "bearer [redacted], next");
  CHECK(redact("BEARER\tZm9vYmFy") == "BEARER\t[redacted]");
  CHECK(redact("refused \"Bearer opaqueToken123\"") == "refused \"Bearer [redacted]\"");
  check_masked("header bEaReR  s3cr3tT0kenValue", "s3cr3tT0kenValue");
  check_masked("authorization: bearer s3cr3tT0kenValue\r\nHost: x", "s3cr3tT0kenValue");
  CHECK(redact("authorization: bearer s3cr3t\r\nHost: x") == "authorization: [redacted]\r\nHost: x");
  check_untouched("the bearer");
  check_untouched("tokenbearer x");
}

TEST_CASE("token= and friends in query strings") {
  CHECK(redact("GET /readyz?token=abc&x=1") == "GET /readyz?token=[redacted]&x=1");
  CHECK(redact("/x?a=1&access_token=abc#frag") == "/x?a=1&access_token=[redacted]#frag");
  CHECK(redact("/x?ID_TOKEN=abc&refresh_token=def") == "/x?ID_TOKEN=[redacted]&refresh_token=[redacted]");
  CHECK(redact("/x?Token=abc\"") == "/x?Token=[redacted]\"");
  CHECK(redact("/x?secret=abc;y=2") == "/x?secret=[redacted];y=2");
  CHECK(redact("/x?token=&x=1") == "/x?token=&x=1");
  check_masked("GET /events?token=qTokenValueThatIsSecret123 HTTP/1.1", "qTokenValueThatIsSecret123");
  check_masked("target=/x?client_secret=qTokenValueThatIsSecret123&y", "qTokenValueThatIsSecret123");
}

TEST_CASE("libpq keyword strings, quoted and unquoted, any case") {
  CHECK(redact("host=db password=abc user=amo") == "host=db password=[redacted] user=amo");
  CHECK(redact("host=db PASSWORD = 'a b\\'c' user=amo") == "host=db PASSWORD = '[redacted]' user=amo");
  CHECK(redact("passwd=\"x y\" port=5432") == "passwd=\"[redacted]\" port=5432");
  CHECK(redact("Password='unterminated and more") == "Password='[redacted]");
  CHECK(redact("secret=ab\\ cd next") == "secret=[redacted] next");
  check_masked("dbname=amo password=Sup3rSecretDbPassw0rd sslmode=disable", "Sup3rSecretDbPassw0rd");
  check_masked("password = 'Sup3r Secret\\'DbPassw0rd'", "Secret'DbPassw0rd");
  check_masked("password=Sup3r&Secret;DbPassw0rd,x", "Sup3r&Secret;DbPassw0rd,x");
  check_masked("db_password=Sup3rSecretDbPassw0rd", "Sup3rSecretDbPassw0rd");
}

TEST_CASE("URL userinfo passwords, any scheme") {
  CHECK(redact("postgresql://user:secret@host/db") == "postgresql://user:[redacted]@host/db");
  CHECK(redact("connect to postgres://amo:pw@127.0.0.1:5432/amo failed") ==
        "connect to postgres://amo:[redacted]@127.0.0.1:5432/amo failed");
  CHECK(redact("amqps://u:p%40ss@h") == "amqps://u:[redacted]@h");
  CHECK(redact("mqtt://u:p@ss@h:1883") == "mqtt://u:[redacted]@h:1883");
  check_masked("postgresql://amo:Sup3rSecretDbPassw0rd@127.0.0.1:1/amo", "Sup3rSecretDbPassw0rd");
  check_masked("'postgresql://amo:Sup3rSecretDbPassw0rd@127.0.0.1:1/amo'", "Sup3rSecretDbPassw0rd");
  check_untouched("postgresql://amo@host/db");
  check_untouched("http://host:8080/path");
  check_untouched("https://example.com/a?b=c");
}

TEST_CASE("cookies: headers to the end of the line, cookie= and session= pairs") {
  CHECK(redact("Cookie: session=abc; theme=dark") == "Cookie: [redacted]");
  CHECK(redact("set-cookie:amo_session=abc; Path=/; HttpOnly\nnext line") == "set-cookie:[redacted]\nnext line");
  CHECK(redact("SET-COOKIE : x=y") == "SET-COOKIE : [redacted]");
  CHECK(redact("cookie=abc other") == "cookie=[redacted] other");
  CHECK(redact("session=abc other") == "session=[redacted] other");
  CHECK(redact("/x?session=abc&y=1") == "/x?session=[redacted]&y=1");
  check_masked("request headers Cookie: session=cookieValueThatIsSecret456", "cookieValueThatIsSecret456");
  check_masked("amo_session=cookieValueThatIsSecret456", "cookieValueThatIsSecret456");
}

TEST_CASE("JSON members with a secret key") {
  CHECK(redact(R"({"token":"abc","n":1})") == R"({"token":"[redacted]","n":1})");
  CHECK(redact(R"({"password" : "a\"b", "x":2})") == R"({"password" : "[redacted]", "x":2})");
  check_untouched(R"({"token":null,"tokens":5})");
}

TEST_CASE("anything shaped like a compact JWS") {
  const std::string jws = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA";
  CHECK(redact("token " + jws + " refused") == "token [redacted] refused");
  CHECK(redact("(" + jws + ")") == "([redacted])");
  CHECK(redact("x" + jws) == "x[redacted]");
  CHECK(redact("unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0. end") == "unsigned [redacted] end");
  CHECK(redact("jwe eyJhbGciOiJSU0EifQ.a.b.c.d") == "jwe [redacted]");
  check_masked("kid=abc jws=" + jws, "c2lnbmF0dXJlLXNlY3JldA");
  check_untouched("eyJ alone, eyJabc.def and eyJabc. are not tokens");
}

TEST_CASE("ordinary text is left alone") {
  for (const std::string line : {
           "tokens=5",
           "token_ttl=3600 max_token_ttl=86400",
           "password_policy=strict",
           "service_token_file=/etc/amo/relay.token",
           "write to alice@example.com failed: broken pipe",
           "password authentication failed for user \"amo\"",
           "session expired",
           "no token",
           "tokenize=1",
           "the cookie jar",
           "mailto:bob@example.com",
           "http://example.com/a/b@c",
           "",
           "ünïcödé ✓ text",
       }) {
    check_untouched(line);
  }
}

TEST_CASE("every secret in one line") {
  const std::vector<std::string> secrets{"s3cretBearer", "s3cretQuery", "s3cretPw", "s3cretUrlPw", "s3cretCookie"};
  const std::string line = "Bearer s3cretBearer /?token=s3cretQuery&a=1 password='s3cretPw' "
                           "postgresql://u:s3cretUrlPw@h/db\nCookie: s=s3cretCookie";
  const std::string out = redact(line);
  INFO(out);
  for (const auto& s : secrets) CHECK(out.find(s) == std::string::npos);
  CHECK(out == "Bearer [redacted] /?token=[redacted]&a=1 password='[redacted]' "
               "postgresql://u:[redacted]@h/db\nCookie: [redacted]");
}

TEST_CASE("each secret shape survives no surrounding punctuation") {
  const std::string jws = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA";
  const std::vector<std::pair<std::string, std::string>> shapes{
      {"Bearer SECRETvalue1", "SECRETvalue1"},
      {"?token=SECRETvalue2", "SECRETvalue2"},
      {"&access_token=SECRETvalue3", "SECRETvalue3"},
      {"password=SECRETvalue4", "SECRETvalue4"},
      {"password='SECRETvalue5'", "SECRETvalue5"},
      {"postgresql://amo:SECRETvalue6@db:5432/amo", "SECRETvalue6"},
      {"Cookie: s=SECRETvalue7", "SECRETvalue7"},
      {"session=SECRETvalue8", "SECRETvalue8"},
      {jws, "c2lnbmF0dXJlLXNlY3JldA"},
  };
  for (const std::string before : {"", " ", "\"", "'", "(", "[", "{", ",", ";", ":", "=", "\n", "\t", "x: ", "\xc3\xa9 "}) {
    for (const std::string after : {"", " ", "\"", "'", ")", "]", "}", ",", ";", "\n", "\r\n", " tail"}) {
      for (const auto& [shape, secret] : shapes) check_masked(before + shape + after, secret);
    }
  }
}
