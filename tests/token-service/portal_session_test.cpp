// daemon/auth/portal_session.h: the portal session (DESIGN §7) from a Bearer header or the
// cookie, HS256 with portal_secret_file or a key of portal_jwks_file, and its claims.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/token/base64url.h"
#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "daemon/auth/portal_session.h"
#include "tests/harness/temp_dir.h"

using namespace amo::auth;
using amo::harness::TempDir;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret(40, 's');

std::string session(const amo::token::Key& key, json claims, json header = json{{"alg", "HS256"}, {"typ", "JWT"}}) {
  header["alg"] = std::string(amo::token::name(key.alg));
  if (key.alg != amo::token::Alg::HS256 && !header.contains("kid")) header["kid"] = key.kid;
  return amo::token::sign_jws(header.dump(), claims.dump(), key);
}

json claims(std::int64_t iat = kNow - 60, std::int64_t exp = kNow + 3600) {
  return json{{"sub", "u1"}, {"amo_id", "A1"}, {"iat", iat}, {"exp", exp}};
}

struct Keys {
  TempDir dir{"amo-portal"};
  amo::token::Key secret = *amo::token::make_oct_key("x", kSecret);
  amo::token::Key ed = amo::token::generate_key(amo::token::Alg::EdDSA, "portal-ed");
  amo::token::Key es = amo::token::generate_key(amo::token::Alg::ES256, "portal-es");
  std::string secret_file = dir.write("secret", kSecret + "\n").string();
  std::string jwks_file;
  Keys() {
    const amo::token::Key* pub[] = {&ed, &es};
    jwks_file = dir.write("portal.jwks", amo::token::to_jwks(pub, false)).string();
  }
};

SessionStatus verify(const PortalSessionVerifier& v, const std::string& token, PortalSession* out = nullptr) {
  PortalSession s;
  const SessionStatus st = v.verify(token, kNow, s);
  if (out) *out = s;
  return st;
}

amo::http::Request request(std::vector<amo::http::Header> headers) {
  amo::http::Request r;
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("HS256 with the secret file (trailing whitespace stripped): sub, amo_id, iat, exp") {
  Keys k;
  PortalSessionVerifier v({k.secret_file, ""});
  REQUIRE(v.load().empty());
  PortalSession s;
  CHECK(verify(v, session(k.secret, claims()), &s) == SessionStatus::ok);
  CHECK(s.sub == "u1");
  CHECK(s.amo == "A1");
  CHECK(s.iat == kNow - 60);
  CHECK(s.exp == kNow + 3600);
  // A kid in the header changes nothing for the secret (no kid rules).
  CHECK(verify(v, session(k.secret, claims(), json{{"kid", "whatever"}})) == SessionStatus::ok);
  // Another secret, or an asymmetric key the file does not hold: refused.
  const auto other = *amo::token::make_oct_key("y", std::string(40, 't'));
  CHECK(verify(v, session(other, claims())) == SessionStatus::bad_signature);
  CHECK(verify(v, session(k.ed, claims())) == SessionStatus::unknown_kid);
}

TEST_CASE("portal_jwks_file: the key named by kid, or without kid any key of the header's algorithm") {
  Keys k;
  PortalSessionVerifier v({"", k.jwks_file});
  REQUIRE(v.load().empty());
  CHECK(verify(v, session(k.ed, claims())) == SessionStatus::ok);
  CHECK(verify(v, session(k.es, claims())) == SessionStatus::ok);
  const std::string no_kid = amo::token::sign_jws(R"({"alg":"ES256"})", claims().dump(), k.es);
  CHECK(verify(v, no_kid) == SessionStatus::ok);
  const auto stranger = amo::token::generate_key(amo::token::Alg::EdDSA, "portal-ed");
  CHECK(verify(v, session(stranger, claims())) == SessionStatus::bad_signature);
  CHECK(verify(v, session(stranger, claims(), json{{"kid", "nope"}})) == SessionStatus::unknown_kid);
  // The key fixes the algorithm: an ES256 key's kid with alg EdDSA is refused.
  const std::string swapped = amo::token::sign_jws(R"({"alg":"EdDSA","kid":"portal-es"})", claims().dump(), k.ed);
  CHECK(verify(v, swapped) == SessionStatus::alg_mismatch);
  // No HS256 without a secret file.
  CHECK(verify(v, session(k.secret, claims())) == SessionStatus::alg_mismatch);
}

TEST_CASE("both files: either kind of session") {
  Keys k;
  PortalSessionVerifier v({k.secret_file, k.jwks_file});
  REQUIRE(v.load().empty());
  CHECK(verify(v, session(k.secret, claims())) == SessionStatus::ok);
  CHECK(verify(v, session(k.ed, claims())) == SessionStatus::ok);
}

TEST_CASE("the JWS rules of §2 hold: none, forbidden headers, malformed, oversized") {
  Keys k;
  PortalSessionVerifier v({k.secret_file, ""});
  REQUIRE(v.load().empty());
  const std::string payload = amo::token::base64url_encode(claims().dump());
  CHECK(verify(v, amo::token::base64url_encode(R"({"alg":"none"})") + "." + payload + ".") == SessionStatus::alg_none);
  CHECK(verify(v, amo::token::base64url_encode(R"({"alg":"nOnE"})") + "." + payload + ".") == SessionStatus::alg_none);
  CHECK(verify(v, session(k.secret, claims(), json{{"jku", "https://evil"}})) == SessionStatus::forbidden_header);
  CHECK(verify(v, session(k.secret, claims(), json{{"crit", json::array({"x"})}})) == SessionStatus::forbidden_header);
  CHECK(verify(v, "abc") == SessionStatus::malformed);
  CHECK(verify(v, "a.b.c.d") == SessionStatus::malformed);
  CHECK(verify(v, "!!.??.**") == SessionStatus::bad_base64);
  CHECK(verify(v, std::string(17000, 'a')) == SessionStatus::too_large);
  // Duplicate keys in the payload: strict JSON.
  const std::string dup = amo::token::sign_jws(
      R"({"alg":"HS256"})", R"({"sub":"u1","sub":"admin","amo_id":"A1","iat":1,"exp":1900000000})", k.secret);
  CHECK(verify(v, dup) == SessionStatus::bad_payload_json);
}

TEST_CASE("claims: sub and amo_id ids, integer iat and exp, expiry without leeway, iat not in the future") {
  Keys k;
  PortalSessionVerifier v({k.secret_file, ""});
  REQUIRE(v.load().empty());
  auto with = [&](json c) { return verify(v, session(k.secret, std::move(c))); };
  json c = claims();
  c.erase("sub");
  CHECK(with(c) == SessionStatus::missing_claim);
  c = claims();
  c.erase("exp");
  CHECK(with(c) == SessionStatus::missing_claim);
  c = claims();
  c["amo_id"] = "A/1";
  CHECK(with(c) == SessionStatus::bad_id);
  c = claims();
  c["sub"] = 7;
  CHECK(with(c) == SessionStatus::bad_claim_type);
  c = claims();
  c["exp"] = "soon";
  CHECK(with(c) == SessionStatus::bad_claim_type);
  CHECK(with(claims(kNow - 100, kNow)) == SessionStatus::expired);
  CHECK(with(claims(kNow - 100, kNow + 1)) == SessionStatus::ok);
  CHECK(with(claims(kNow + 31, kNow + 100)) == SessionStatus::issued_in_future);
  CHECK(with(claims(kNow + 30, kNow + 100)) == SessionStatus::ok);
  c = claims();
  c["nbf"] = kNow + 60;
  CHECK(with(c) == SessionStatus::not_yet_valid);
  c = claims();
  c["exp"] = static_cast<double>(kNow) + 99.5;  // a NumericDate with a fraction
  PortalSession s;
  CHECK(v.verify(session(k.secret, c), kNow, s) == SessionStatus::ok);
  CHECK(s.exp == kNow + 99);
}

TEST_CASE("Bearer first, else the cookie; another scheme is not_bearer") {
  std::string token;
  CredentialSource source;
  CHECK(extract_session_token(request({{"authorization", "Bearer abc.def.ghi"}}), "session", token, source) ==
        SessionStatus::ok);
  CHECK(token == "abc.def.ghi");
  CHECK(source == CredentialSource::bearer);
  CHECK(extract_session_token(request({{"authorization", "bearer   x.y.z "}, {"cookie", "session=c.o.k"}}), "session",
                              token, source) == SessionStatus::ok);
  CHECK(token == "x.y.z");
  CHECK(extract_session_token(request({{"cookie", "a=1; session=c.o.k; b=2"}}), "session", token, source) ==
        SessionStatus::ok);
  CHECK(token == "c.o.k");
  CHECK(source == CredentialSource::cookie);
  CHECK(extract_session_token(request({{"cookie", "portal=c.o.k"}}), "portal", token, source) == SessionStatus::ok);
  CHECK(extract_session_token(request({{"cookie", "other=1"}}), "session", token, source) ==
        SessionStatus::no_credential);
  CHECK(extract_session_token(request({}), "session", token, source) == SessionStatus::no_credential);
  CHECK(extract_session_token(request({{"authorization", "Basic dTpw"}, {"cookie", "session=c.o.k"}}), "session", token,
                              source) == SessionStatus::not_bearer);
  CHECK(extract_session_token(request({{"authorization", "Bearer "}}), "session", token, source) ==
        SessionStatus::not_bearer);
}

TEST_CASE("loading: a short secret, a missing or bad file name their key; a changed file is picked up") {
  Keys k;
  TempDir dir("amo-portal");
  PortalSessionVerifier short_secret({dir.write("short", std::string(31, 'x') + "\n\n").string(), ""});
  CHECK(short_secret.load() == "portal_secret_file: an HMAC secret under 32 bytes (31)");
  PortalSessionVerifier missing({(dir.path() / "absent").string(), ""});
  CHECK(missing.load().starts_with("portal_secret_file: "));
  PortalSessionVerifier bad_jwks({"", dir.write("bad.jwks", "{}").string()});
  CHECK(bad_jwks.load().starts_with("portal_jwks_file: "));
  PortalSessionVerifier off({"", ""});
  CHECK_FALSE(off.enabled());

  const std::string path = dir.write("rotating", kSecret).string();
  PortalSessionVerifier v({path, ""});
  REQUIRE(v.load().empty());
  CHECK(v.reload_if_changed().empty());
  const std::string new_secret(48, 'n');
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  dir.write("rotating", new_secret);
  CHECK(v.reload_if_changed().empty());
  const auto new_key = *amo::token::make_oct_key("n", new_secret);
  CHECK(verify(v, session(new_key, claims())) == SessionStatus::ok);
  CHECK(verify(v, session(k.secret, claims())) == SessionStatus::bad_signature);
  // A broken rewrite keeps the keys before it.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  dir.write("rotating", "short");
  CHECK_FALSE(v.reload_if_changed().empty());
  CHECK(verify(v, session(new_key, claims())) == SessionStatus::ok);
}
