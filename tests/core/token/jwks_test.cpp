#include <doctest/doctest.h>

#include <string>

#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "core/token/verify.h"

using namespace amo::token;

namespace {
constexpr const char* kOkp = R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr const char* kEc =
    R"({"kty":"EC","crv":"P-256","kid":"ec","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr const char* kSecret = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

std::string set(std::string keys) { return R"({"keys":[)" + keys + "]}"; }
JwksResult parse(std::string keys) { return parse_jwks(set(std::move(keys))); }
}  // namespace

TEST_CASE("parses OKP, EC and oct keys, each fixing its algorithm") {
  JwksResult r = parse(std::string(kOkp) + "," + kEc + R"(,{"kty":"oct","kid":"hs","alg":"HS256","use":"sig","k":")" +
                       kSecret + "\"}");
  REQUIRE_MESSAGE(r.status == JwksStatus::ok, r.detail);
  CHECK(r.keys.size() == 3);
  CHECK(r.keys.find("ed")->alg == Alg::EdDSA);
  CHECK(r.keys.find("ec")->alg == Alg::ES256);
  CHECK(r.keys.find("hs")->alg == Alg::HS256);
  CHECK_FALSE(r.keys.find("ed")->has_private);
  CHECK_FALSE(r.keys.find("ec")->has_private);
  CHECK(r.keys.find("hs")->has_private);
  CHECK(r.keys.find("nope") == nullptr);
  CHECK(r.keys.signing_key() == r.keys.find("hs"));
}

TEST_CASE("JWKS failures name the key, never its material") {
  auto fails = [](std::string keys, JwksStatus expect) {
    JwksResult r = parse(std::move(keys));
    CHECK(r.status == expect);
    CHECK(r.keys.size() == 0);
    CHECK_FALSE(r.detail.empty());
    CHECK(r.detail.find("AyM1") == std::string::npos);
    return r.detail;
  };
  CHECK(fails(R"({"kty":"oct","kid":"short","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",  // 31 bytes
              JwksStatus::oct_too_short)
            .find("short") != std::string::npos);
  fails(R"({"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"})", JwksStatus::unsupported_kty);
  fails(R"({"kty":"EC","crv":"P-384","kid":"e","x":"AA","y":"AA"})", JwksStatus::unsupported_crv);
  fails(R"({"kty":"OKP","crv":"X25519","kid":"x","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
        JwksStatus::unsupported_crv);
  fails(std::string(kOkp) + "," + kOkp, JwksStatus::duplicate_kid);
  fails(R"({"kty":"oct","k":")" + std::string(kSecret) + "\"}", JwksStatus::missing_kid);
  fails(R"({"kty":"oct","kid":"h","alg":"EdDSA","k":")" + std::string(kSecret) + "\"}", JwksStatus::alg_mismatch);
  fails(R"({"kty":"OKP","crv":"Ed25519","kid":"ed","alg":"HS256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
        JwksStatus::alg_mismatch);
  fails(R"({"kty":"oct","kid":"h","use":"enc","k":")" + std::string(kSecret) + "\"}", JwksStatus::bad_key);
  fails(R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ"})",
        JwksStatus::bad_key);  // 31 bytes
  // (x, y+1) is not on P-256.
  fails(R"({"kty":"EC","crv":"P-256","kid":"ec","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4"})",
        JwksStatus::bad_key);
  // A d that does not belong to x.
  fails(R"({"kty":"OKP","crv":"Ed25519","kid":"ed","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
        JwksStatus::bad_key);
  fails(R"({"kty":"EC","crv":"P-256","kid":"ec","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})",
        JwksStatus::bad_key);
  fails(R"({"kty":"oct","kid":"h","k":"not base64!"})", JwksStatus::bad_key);
  fails(R"({"kty":"oct","kid":7,"k":"AA"})", JwksStatus::bad_key);
  fails(R"({"kty":"oct","kid":"a b","k":"AA"})", JwksStatus::bad_key);
  fails(R"("key")", JwksStatus::bad_key);
}

TEST_CASE("JWKS document errors") {
  CHECK(parse_jwks("").status == JwksStatus::bad_json);
  CHECK(parse_jwks("{\"keys\":{}}").status == JwksStatus::bad_json);
  CHECK(parse_jwks(R"({"keys":[],"keys":[]})").status == JwksStatus::bad_json);
  CHECK(parse_jwks(R"({"keys":[]})").status == JwksStatus::no_keys);
  CHECK(name(JwksStatus::oct_too_short) == "oct_too_short");
}

TEST_CASE("generated keys export and re-import, private or public") {
  Key ed = generate_key(Alg::EdDSA, "k1");
  Key ec = generate_key(Alg::ES256, "k2");
  Key hs = generate_key(Alg::HS256, "k3");
  CHECK(hs.secret.size() == 32);
  const Key* all[] = {&ed, &ec, &hs};

  JwksResult priv = parse_jwks(to_jwks(all, true));
  REQUIRE_MESSAGE(priv.status == JwksStatus::ok, priv.detail);
  CHECK(priv.keys.size() == 3);
  CHECK(priv.keys.signing_key()->kid == "k3");

  std::string public_text = to_jwks(all, false);
  CHECK(public_text.find("\"d\"") == std::string::npos);
  CHECK(public_text.find("\"k\"") == std::string::npos);  // no shared secret in a public set
  JwksResult pub = parse_jwks(public_text);
  REQUIRE_MESSAGE(pub.status == JwksStatus::ok, pub.detail);
  CHECK(pub.keys.size() == 2);
  CHECK(pub.keys.signing_key() == nullptr);

  // A token signed by the re-imported private key verifies with the exported public one.
  Verifier v(VerifyPolicy{.issuer = "iss"});
  Claims c;
  c.iss = "iss";
  c.aud = {"amo-realtime"};
  c.sub = "u";
  c.amo = "a";
  c.jti = new_jti();
  c.cid = "c";
  c.iat = 1000;
  c.exp = 1100;
  Claims out;
  for (const char* kid : {"k1", "k2"}) {
    CAPTURE(kid);
    CHECK(v.verify(sign(c, *priv.keys.find(kid)), pub.keys, 1050, out) == Status::ok);
    CHECK(sign(c, *pub.keys.find(kid)).empty());  // public keys cannot sign
  }
  CHECK(v.verify(sign(c, *priv.keys.find("k3")), priv.keys, 1050, out) == Status::ok);
}

TEST_CASE("make_oct_key refuses secrets under 32 bytes") {
  CHECK_FALSE(make_oct_key("h", std::string(31, 'x')));
  auto k = make_oct_key("h", std::string(32, 'x'));
  REQUIRE(k);
  CHECK(k->alg == Alg::HS256);
  KeySet s;
  CHECK(s.add(std::move(*k)));
  CHECK_FALSE(s.add(*make_oct_key("h", std::string(40, 'y'))));
  CHECK(s.size() == 1);
}

TEST_CASE("contains_all: an appended key keeps every old signature valid; a removed or replaced one does not") {
  Key a = generate_key(Alg::EdDSA, "a"), b = generate_key(Alg::ES256, "b"), h = generate_key(Alg::HS256, "h");
  const Key* ab[] = {&a, &b};
  const Key* abh[] = {&a, &b, &h};
  const Key* bh[] = {&b, &h};
  auto old_set = parse_jwks(to_jwks(ab, true)).keys;
  auto appended = parse_jwks(to_jwks(abh, true)).keys;
  auto removed = parse_jwks(to_jwks(bh, true)).keys;
  REQUIRE(old_set.size() == 2);
  REQUIRE(appended.size() == 3);
  CHECK(appended.contains_all(old_set));
  CHECK(old_set.contains_all(old_set));
  CHECK_FALSE(removed.contains_all(old_set));
  CHECK_FALSE(old_set.contains_all(appended));  // h is gone
  Key a2 = generate_key(Alg::EdDSA, "a");        // same kid, other key
  const Key* a2b[] = {&a2, &b};
  CHECK_FALSE(parse_jwks(to_jwks(a2b, true)).keys.contains_all(old_set));
  Key h2 = generate_key(Alg::HS256, "h");
  const Key* abh2[] = {&a, &b, &h2};
  CHECK_FALSE(parse_jwks(to_jwks(abh2, true)).keys.contains_all(appended));
}
