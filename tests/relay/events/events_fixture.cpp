#include "tests/relay/events/events_fixture.h"

#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>

#include "core/token/base64url.h"

namespace amo::events_test {

std::string user_token(const drain_test::Stack& stack, const std::string& amo, const std::string& sub,
                       std::vector<std::string> threads, int exp_in) {
  static std::atomic<int> n{0};
  auto claims = harness::user_claims(sub, amo, "c-" + sub + "-" + std::to_string(++n), std::move(threads));
  claims.exp = claims.iat + exp_in;
  return harness::mint(claims, stack.keys.key());
}

void emit_to(const drain_test::Stack& stack, const std::string& amo, const std::string& suffix, int n,
             const std::string& tag) {
  const bool thread = suffix.starts_with("thread/");
  const std::string kind = thread ? "entity.changed" : "notification";
  const std::string payload =
      thread ? "jsonb_build_object('entity', 'wo', 'entity_id', '" + tag + "', 'action', 'updated')"
             : "jsonb_build_object('title', '" + tag + "', 'body', 'b', 'level', 'info')";
  stack.pg.exec("SELECT realtime_emit('" + amo + "', 'amo/" + amo + "/" + suffix + "', '" + kind + "', " + payload +
                ") FROM generate_series(1, " + std::to_string(n) + ")");
}

void wait_claimed(const drain_test::Stack& stack) {
  REQUIRE(drain_test::wait_until(
      [&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE seq IS NULL") == 0; }, 30s));
}

long latest(const drain_test::Stack& stack, const std::string& amo) {
  return stack.count("SELECT COALESCE(max(last_seq), 0) FROM realtime_outbox_seq WHERE amo_id = '" + amo + "'");
}

harness::HttpHeaders bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

std::string portal_session(const std::string& secret, const std::string& amo, const std::string& sub, std::int64_t iat,
                           std::int64_t exp) {
  std::string jwt = token::base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  jwt += '.';
  jwt += token::base64url_encode("{\"sub\":\"" + sub + "\",\"amo_id\":\"" + amo + "\",\"iat\":" + std::to_string(iat) +
                                 ",\"exp\":" + std::to_string(exp) + "}");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(jwt.data()),
       jwt.size(), mac, &len);
  jwt += '.';
  jwt += token::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
  return jwt;
}

}  // namespace amo::events_test
