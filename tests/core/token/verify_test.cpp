// Every rejection reason of DESIGN §2 produced on purpose, and sign→verify round trips.
#include <doctest/doctest.h>

#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "core/token/base64url.h"
#include "core/token/jws.h"
#include "token_fixture.h"

using namespace amo::token;
using namespace amo::token::test;

namespace {

struct Fixture {
  Keys keys;
  Verifier verifier{policy()};
  Claims out;

  Status check(std::string_view token, std::int64_t now = kNow) { return verifier.verify(token, keys.verify_set, now, out); }
  Status check_payload(const Payload& p, const Key* k = nullptr) {
    const Key& key = k ? *k : keys.ed;
    return check(sign_jws(header_for(key), p.json(), key));
  }
  Status check_header(const std::string& header) { return check(sign_jws(header, Payload().json(), keys.ed)); }
};

std::string with_segment(std::string token, int index, std::string_view text) {
  auto d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  if (index == 0) return token.replace(0, d1, text);
  if (index == 1) return token.replace(d1 + 1, d2 - d1 - 1, text);
  return token.replace(d2 + 1, std::string::npos, text);
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "round trip: each algorithm signs a token its own verifier accepts") {
  for (const Key* k : {&keys.ed, &keys.ec, &keys.hs}) {
    CAPTURE(name(k->alg));
    Claims c = good_claims();
    c.aud = {"other", "amo-realtime"};
    c.nbf = kNow - 5;
    c.sess_exp = kNow + 3600;
    std::string token = sign(c, *k);
    REQUIRE_FALSE(token.empty());
    REQUIRE(check(token) == Status::ok);
    CHECK(out.iss == c.iss);
    CHECK(out.aud == c.aud);
    CHECK(out.sub == "u1");
    CHECK(out.amo == "AMO1");
    CHECK(out.jti == c.jti);
    CHECK(out.cid == c.cid);
    CHECK(out.threads == c.threads);
    CHECK(out.role == amo::Role::user);
    CHECK(out.iat == c.iat);
    CHECK(out.exp == c.exp);
    CHECK(out.nbf == c.nbf);
    CHECK(out.sess_exp == c.sess_exp);
    // Reusing `out` for a token without the optional claims leaves none behind.
    Claims bare = good_claims();
    bare.threads.clear();
    REQUIRE(check(sign(bare, *k)) == Status::ok);
    CHECK(out.threads.empty());
    CHECK_FALSE(out.nbf);
    CHECK_FALSE(out.sess_exp);
    CHECK(out.aud == std::vector<std::string>{"amo-realtime"});
  }
}

TEST_CASE_FIXTURE(Fixture, "round trip: service token with amo system and a day's lifetime") {
  Claims c = good_claims();
  c.role = amo::Role::service;
  c.amo = "system";
  c.sub = "amo-relay";
  c.exp = c.iat + 86400;
  REQUIRE(check(sign(c, keys.ed)) == Status::ok);
  CHECK(out.role == amo::Role::service);
  c.exp = c.iat + 86401;
  CHECK(check(sign(c, keys.ed)) == Status::lifetime_too_long);
}

TEST_CASE_FIXTURE(Fixture, "alg none, in any spelling, is refused") {
  std::string payload = base64url_encode(Payload().json());
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    std::string header = R"({"alg":")" + std::string(alg) + R"(","typ":"amo-connect+jwt","kid":"ed1"})";
    CHECK(check(base64url_encode(header) + "." + payload + ".") == Status::alg_none);
  }
}

TEST_CASE_FIXTURE(Fixture, "header alg must be the key's: the HS256-with-public-key confusion fails") {
  // The attacker knows the public key and HMACs with its bytes under the EdDSA/ES256 kid.
  unsigned char ed_pub[32];
  std::size_t len = sizeof ed_pub;
  REQUIRE(EVP_PKEY_get_raw_public_key(keys.ed.pkey.get(), ed_pub, &len) == 1);
  unsigned char ec_pub[65];
  REQUIRE(EVP_PKEY_get_octet_string_param(keys.ec.pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, ec_pub, sizeof ec_pub, &len) == 1);
  for (auto [kid, pub] : {std::pair{"ed1", std::string(reinterpret_cast<char*>(ed_pub), 32)},
                          std::pair{"ec1", std::string(reinterpret_cast<char*>(ec_pub), 65)}}) {
    CAPTURE(kid);
    Key forged = *make_oct_key(kid, pub);
    std::string header = R"({"alg":"HS256","typ":"amo-connect+jwt","kid":")" + std::string(kid) + "\"}";
    std::string token = sign_jws(header, Payload().json(), forged);
    // A verifier that took alg from the header would accept this signature:
    std::string h, p;
    REQUIRE(verify_jws(token, forged, h, p) == Status::ok);
    CHECK(check(token) == Status::alg_mismatch);
  }
  // And plain mislabelling: an Ed25519 signature under an ES256 header.
  CHECK(check(sign_jws(R"({"alg":"ES256","typ":"amo-connect+jwt","kid":"ed1"})", Payload().json(), keys.ed)) ==
        Status::alg_mismatch);
  CHECK(check(sign_jws(R"({"alg":"RS256","typ":"amo-connect+jwt","kid":"ed1"})", Payload().json(), keys.ed)) ==
        Status::alg_mismatch);
}

TEST_CASE_FIXTURE(Fixture, "unknown or missing kid") {
  CHECK(check_header(R"({"alg":"EdDSA","typ":"amo-connect+jwt","kid":"nope"})") == Status::unknown_kid);
  CHECK(check_header(R"({"alg":"EdDSA","typ":"amo-connect+jwt"})") == Status::unknown_kid);
  Key other = generate_key(Alg::EdDSA, "ed1");  // same kid, different key
  CHECK(check(sign(good_claims(), other)) == Status::bad_signature);
}

TEST_CASE_FIXTURE(Fixture, "typ must be amo-connect+jwt") {
  CHECK(check_header(R"({"alg":"EdDSA","typ":"JWT","kid":"ed1"})") == Status::bad_typ);
  CHECK(check_header(R"({"alg":"EdDSA","kid":"ed1"})") == Status::bad_typ);
  CHECK(check_header(R"({"alg":"EdDSA","typ":"AMO-CONNECT+JWT","kid":"ed1"})") == Status::bad_typ);
}

TEST_CASE_FIXTURE(Fixture, "jku, jwk, x5u, x5c and crit are refused") {
  for (const char* extra : {R"("jku":"https://evil.example/jwks")", R"("jwk":{"kty":"oct","k":"AAAA"})",
                            R"("x5u":"https://evil.example/c.pem")", R"("x5c":["MIIB"])", R"("crit":["exp"])"}) {
    CAPTURE(extra);
    CHECK(check_header(R"({"alg":"EdDSA","typ":"amo-connect+jwt","kid":"ed1",)" + std::string(extra) + "}") ==
          Status::forbidden_header);
  }
}

TEST_CASE_FIXTURE(Fixture, "bad header JSON") {
  CHECK(check_header(R"({"alg":"EdDSA","typ":"amo-connect+jwt","kid":"ed1")") == Status::bad_header_json);
  CHECK(check_header(R"(["EdDSA"])") == Status::bad_header_json);
  CHECK(check_header(R"({"typ":"amo-connect+jwt","kid":"ed1"})") == Status::bad_header_json);
  CHECK(check_header(R"({"alg":1,"typ":"amo-connect+jwt","kid":"ed1"})") == Status::bad_header_json);
  CHECK(check_header(R"({"alg":"EdDSA","typ":"amo-connect+jwt","kid":"ed1","kid":"ec1"})") == Status::duplicate_key);
}

TEST_CASE_FIXTURE(Fixture, "bad base64url anywhere") {
  std::string token = sign(good_claims(), keys.ed);
  REQUIRE(check(token) == Status::ok);
  CHECK(check(token + "=") == Status::bad_base64);                       // padding
  CHECK(check(with_segment(token, 0, "eyJ+")) == Status::bad_base64);    // standard alphabet
  std::string sig = token.substr(token.rfind('.') + 1);                  // 86 chars: last one has spare bits
  sig.back() = sig.back() == 'B' ? 'C' : 'B';
  CHECK(check(with_segment(token, 2, sig)) == Status::bad_base64);       // non-canonical
  CHECK(check(with_segment(token, 1, "e")) == Status::bad_base64);       // 4n+1
  CHECK(check(with_segment(token, 1, "eyJ pc3MiOiJ4In0")) == Status::bad_base64);
}

TEST_CASE_FIXTURE(Fixture, "truncated or extra segments") {
  std::string token = sign(good_claims(), keys.ed);
  CHECK(check(token.substr(0, token.rfind('.'))) == Status::malformed);
  CHECK(check(token + ".e30") == Status::malformed);
  CHECK(check(token + ".") == Status::malformed);
  CHECK(check("") == Status::malformed);
  CHECK(check("..") == Status::malformed);
  CHECK(check(with_segment(token, 1, "")) == Status::malformed);
  CHECK(check(token.substr(0, token.size() - 2)) == Status::bad_signature);  // 63 of 64 signature bytes
  CHECK(check(with_segment(token, 2, "")) == Status::bad_signature);
}

TEST_CASE_FIXTURE(Fixture, "tampered payload or header fails the signature") {
  for (const Key* k : {&keys.ed, &keys.ec, &keys.hs}) {
    CAPTURE(name(k->alg));
    std::string token = sign(good_claims(), *k);
    Claims evil = good_claims();
    evil.amo = "AMO2";
    std::string forged = sign(evil, *k);
    auto body = [](const std::string& t) { return t.substr(t.find('.') + 1, t.rfind('.') - t.find('.') - 1); };
    CHECK(check(with_segment(token, 1, body(forged))) == Status::bad_signature);
    std::string header = base64url_encode(header_for(*k).insert(1, "\"x\":1,"));
    CHECK(check(with_segment(token, 0, header)) == Status::bad_signature);
  }
}

TEST_CASE_FIXTURE(Fixture, "tokens over 16 KiB are refused before anything else") {
  Payload p;
  p.set("pad", Payload::str(std::string(11500, 'a')));
  std::string big = sign_jws(header_for(keys.ed), p.json(), keys.ed);
  REQUIRE(big.size() <= kMaxTokenBytes);
  CHECK(check(big) == Status::ok);  // large but allowed; unknown claims are ignored
  p.set("pad", Payload::str(std::string(12500, 'a')));
  std::string too_big = sign_jws(header_for(keys.ed), p.json(), keys.ed);
  REQUIRE(too_big.size() > kMaxTokenBytes);
  CHECK(check(too_big) == Status::too_large);
  CHECK(check(std::string(kMaxTokenBytes + 1, 'A')) == Status::too_large);
}

TEST_CASE_FIXTURE(Fixture, "duplicate JSON keys in the payload") {
  std::string json = Payload().json();
  json.insert(1, R"("sub":"admin",)");
  CHECK(check(sign_jws(header_for(keys.ed), json, keys.ed)) == Status::duplicate_key);
  CHECK(check(sign_jws(header_for(keys.ed), R"({"iss":"a","x":{"y":1,"y":2}})", keys.ed)) == Status::duplicate_key);
}

TEST_CASE_FIXTURE(Fixture, "bad payload JSON") {
  CHECK(check(sign_jws(header_for(keys.ed), "[1,2]", keys.ed)) == Status::bad_payload_json);
  CHECK(check(sign_jws(header_for(keys.ed), "{\"iss\":", keys.ed)) == Status::bad_payload_json);
  CHECK(check(sign_jws(header_for(keys.ed), "{\"iss\":\"\xff\"}", keys.ed)) == Status::bad_payload_json);
}

TEST_CASE_FIXTURE(Fixture, "iss and aud") {
  CHECK(check_payload(Payload().set("iss", R"("https://evil.example")")) == Status::wrong_issuer);
  CHECK(check_payload(Payload().set("aud", R"("other")")) == Status::wrong_audience);
  CHECK(check_payload(Payload().set("aud", R"(["a","b"])")) == Status::wrong_audience);
  CHECK(check_payload(Payload().set("aud", R"([])")) == Status::wrong_audience);
  CHECK(check_payload(Payload().set("aud", R"(["a","amo-realtime"])")) == Status::ok);
  CHECK(check_payload(Payload().set("aud", R"(["amo-realtime",1])")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("aud", "7")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("iss", "null")) == Status::bad_claim_type);
}

TEST_CASE_FIXTURE(Fixture, "missing required claims") {
  for (const char* claim : {"iss", "aud", "sub", "amo", "iat", "exp", "jti", "cid"}) {
    CAPTURE(claim);
    CHECK(check_payload(Payload().erase(claim)) == Status::missing_claim);
  }
  CHECK(check_payload(Payload().erase("threads").erase("role")) == Status::ok);  // optional
}

TEST_CASE_FIXTURE(Fixture, "times: exp, iat, nbf with 30 s leeway; lifetime per role") {
  auto times = [](std::int64_t iat, std::int64_t exp) {
    return Payload().set("iat", std::to_string(iat)).set("exp", std::to_string(exp));
  };
  CHECK(check_payload(times(kNow - 200, kNow - 31)) == Status::expired);
  CHECK(check_payload(times(kNow - 200, kNow - 30)) == Status::expired);
  CHECK(check_payload(times(kNow - 200, kNow - 29)) == Status::ok);
  CHECK(check_payload(times(kNow + 31, kNow + 100)) == Status::issued_in_future);
  CHECK(check_payload(times(kNow + 30, kNow + 100)) == Status::ok);
  CHECK(check_payload(times(kNow, kNow + 301)) == Status::lifetime_too_long);
  CHECK(check_payload(times(kNow, kNow + 300)) == Status::ok);
  CHECK(check_payload(times(kNow, kNow)) == Status::expired);  // never valid
  CHECK(check_payload(times(INT64_MIN, INT64_MAX)) == Status::lifetime_too_long);
  CHECK(check_payload(Payload().set("nbf", std::to_string(kNow + 31))) == Status::not_yet_valid);
  CHECK(check_payload(Payload().set("nbf", std::to_string(kNow + 30))) == Status::ok);
  CHECK(check_payload(Payload().set("iat", R"("1700000000")")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("exp", "1700000100.5")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("exp", "18446744073709551615")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("nbf", "true")) == Status::bad_claim_type);
}

TEST_CASE_FIXTURE(Fixture, "sess_exp already past") {
  CHECK(check_payload(Payload().set("sess_exp", std::to_string(kNow))) == Status::session_expired);
  CHECK(check_payload(Payload().set("sess_exp", std::to_string(kNow - 1))) == Status::session_expired);
  CHECK(check_payload(Payload().set("sess_exp", std::to_string(kNow + 1))) == Status::ok);
  CHECK(check_payload(Payload().set("sess_exp", "\"soon\"")) == Status::bad_claim_type);
}

TEST_CASE_FIXTURE(Fixture, "ids: sub, amo and thread ids follow ^[A-Za-z0-9_-]{1,64}$") {
  const std::string bad[] = {"a/b", "a+b", "a#b", "$share", "a b", " ", "", std::string(65, 'x'), "ä", "a.b"};
  for (const std::string& id : bad) {
    CAPTURE(id);
    CHECK(check_payload(Payload().set("sub", Payload::str(id))) == Status::bad_id);
    CHECK(check_payload(Payload().set("amo", Payload::str(id))) == Status::bad_id);
    CHECK(check_payload(Payload().set("threads", "[\"TH1\"," + Payload::str(id) + "]")) == Status::bad_id);
  }
  // U+0000 never reaches the id check: the strict parser refuses the payload (DESIGN §4).
  const std::string nul("a\0b", 3);
  CHECK(check_payload(Payload().set("sub", Payload::str(nul))) == Status::bad_payload_json);
  CHECK(check_payload(Payload().set("threads", "[\"TH1\"," + Payload::str(nul) + "]")) == Status::bad_payload_json);
  const std::string longest(64, 'x');
  CHECK(check_payload(Payload().set("sub", Payload::str(longest))) == Status::ok);
  CHECK(check_payload(Payload().set("sub", "42")) == Status::bad_claim_type);
}

TEST_CASE_FIXTURE(Fixture, "amo system belongs to service tokens only") {
  CHECK(check_payload(Payload().set("amo", R"("system")")) == Status::bad_id);
  CHECK(check_payload(Payload().set("role", R"("service")")) == Status::bad_id);
  CHECK(check_payload(Payload().set("role", R"("service")").set("amo", R"("system")")) == Status::ok);
}

TEST_CASE_FIXTURE(Fixture, "jti: base64url, at least 22 characters") {
  CHECK(check_payload(Payload().set("jti", Payload::str(std::string(21, 'A')))) == Status::bad_jti);
  CHECK(check_payload(Payload().set("jti", Payload::str(std::string(22, 'A')))) == Status::ok);
  CHECK(check_payload(Payload().set("jti", R"("AAAAAAAAAAAAAAAAAAAA+/==")")) == Status::bad_jti);
  CHECK(check_payload(Payload().set("jti", Payload::str(std::string(129, 'A')))) == Status::bad_jti);
  CHECK(check_payload(Payload().set("jti", "1234567890123456789")) == Status::bad_claim_type);
  CHECK(new_jti().size() == 22);
  CHECK(new_jti() != new_jti());
}

TEST_CASE_FIXTURE(Fixture, "cid: ^[A-Za-z0-9_.:-]{1,128}$") {
  for (const std::string& cid : {std::string("a/b"), std::string("a+b"), std::string("a#b"), std::string("a b"),
                                std::string(""), std::string(129, 'c')}) {
    CAPTURE(cid);
    CHECK(check_payload(Payload().set("cid", Payload::str(cid))) == Status::bad_cid);
  }
  CHECK(check_payload(Payload().set("cid", Payload::str(std::string("a\0b", 3)))) == Status::bad_payload_json);
  CHECK(check_payload(Payload().set("cid", Payload::str(std::string(128, 'c')))) == Status::ok);
}

TEST_CASE_FIXTURE(Fixture, "threads: an array of at most 128 ids") {
  auto threads = [](int n) {
    std::string a = "[";
    for (int i = 0; i < n; ++i) a += (i ? ",\"T" : "\"T") + std::to_string(i) + "\"";
    return a + "]";
  };
  CHECK(check_payload(Payload().set("threads", threads(128))) == Status::ok);
  CHECK(out.threads.size() == 128);
  CHECK(check_payload(Payload().set("threads", threads(129))) == Status::too_many_threads);
  CHECK(check_payload(Payload().set("threads", R"("TH1")")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("threads", R"(["TH1",2])")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("threads", "[]")) == Status::ok);
}

TEST_CASE_FIXTURE(Fixture, "role: user or service, nothing else") {
  CHECK(check_payload(Payload().set("role", R"("admin")")) == Status::bad_role);
  CHECK(check_payload(Payload().set("role", R"("User")")) == Status::bad_role);
  CHECK(check_payload(Payload().set("role", R"("")")) == Status::bad_role);
  CHECK(check_payload(Payload().set("role", "1")) == Status::bad_claim_type);
  CHECK(check_payload(Payload().set("role", R"("user")")) == Status::ok);
}

TEST_CASE("status names are the X-macro names") {
  CHECK(name(Status::ok) == "ok");
  CHECK(name(Status::alg_mismatch) == "alg_mismatch");
  CHECK(name(Status::session_expired) == "session_expired");
}
