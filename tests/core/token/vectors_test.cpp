// Published vectors through the bare JWS layer, then the connect-token verifier refusing
// them: its rules are not loosened for anyone's example.
#include <doctest/doctest.h>

#include <string>

#include "core/token/base64url.h"
#include "core/token/jws.h"
#include "core/token/sign.h"
#include "core/token/verify.h"

using namespace amo::token;

namespace {

// RFC 8037 §A.1 key, §A.4 JWS.
constexpr const char* kRfc8037Jwks =
    R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"rfc8037",)"
    R"("d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})";
constexpr const char* kRfc8037Jws =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7515 §A.1 (HS256) and §A.3 (ES256) share the payload.
constexpr const char* kRfc7515Payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr const char* kRfc7515PayloadJson = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

constexpr const char* kRfc7515A1Jwks =
    R"({"keys":[{"kty":"oct","kid":"rfc7515a1",)"
    R"("k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}]})";
const std::string kRfc7515A1Jws = std::string("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.") + kRfc7515Payload +
                                  ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

constexpr const char* kRfc7515A3Jwks =
    R"({"keys":[{"kty":"EC","crv":"P-256","kid":"rfc7515a3",)"
    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
    R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]})";
const std::string kRfc7515A3Jws = std::string("eyJhbGciOiJFUzI1NiJ9.") + kRfc7515Payload +
                                  ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

KeySet load(const char* jwks) {
  JwksResult r = parse_jwks(jwks);
  REQUIRE_MESSAGE(r.status == JwksStatus::ok, r.detail);
  return std::move(r.keys);
}

std::string flip_payload_char(std::string token) {
  auto dot = token.find('.');
  token[dot + 3] = token[dot + 3] == 'A' ? 'B' : 'A';
  return token;
}

// Now for the verifier: after the vectors' exp, as any real clock is.
constexpr std::int64_t kNow = 1'700'000'000;

}  // namespace

TEST_CASE("RFC 8037 A.4 Ed25519 verifies through the bare JWS layer, and signing reproduces it") {
  KeySet keys = load(kRfc8037Jwks);
  const Key& key = *keys.find("rfc8037");
  CHECK(key.alg == Alg::EdDSA);
  CHECK(key.has_private);
  std::string header, payload;
  REQUIRE(verify_jws(kRfc8037Jws, key, header, payload) == Status::ok);
  CHECK(header == R"({"alg":"EdDSA"})");
  CHECK(payload == "Example of Ed25519 signing");
  // Ed25519 is deterministic: our signer must produce the published bytes exactly.
  CHECK(sign_jws(R"({"alg":"EdDSA"})", "Example of Ed25519 signing", key) == kRfc8037Jws);
  CHECK(verify_jws(flip_payload_char(kRfc8037Jws), key, header, payload) == Status::bad_signature);
}

TEST_CASE("RFC 7515 A.1 HS256 verifies through the bare JWS layer, and signing reproduces it") {
  KeySet keys = load(kRfc7515A1Jwks);
  const Key& key = *keys.find("rfc7515a1");
  CHECK(key.alg == Alg::HS256);
  CHECK(key.secret.size() == 64);
  std::string header, payload;
  REQUIRE(verify_jws(kRfc7515A1Jws, key, header, payload) == Status::ok);
  CHECK(header == "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
  CHECK(payload == kRfc7515PayloadJson);
  CHECK(sign_jws(header, payload, key) == kRfc7515A1Jws);
  CHECK(verify_jws(flip_payload_char(kRfc7515A1Jws), key, header, payload) == Status::bad_signature);
}

TEST_CASE("RFC 7515 A.3 ES256 verifies through the bare JWS layer (raw r||s signature)") {
  KeySet keys = load(kRfc7515A3Jwks);  // carries d: parsing also proves d matches (x, y)
  const Key& key = *keys.find("rfc7515a3");
  CHECK(key.alg == Alg::ES256);
  std::string header, payload;
  REQUIRE(verify_jws(kRfc7515A3Jws, key, header, payload) == Status::ok);
  CHECK(header == R"({"alg":"ES256"})");
  CHECK(payload == kRfc7515PayloadJson);
  CHECK(verify_jws(flip_payload_char(kRfc7515A3Jws), key, header, payload) == Status::bad_signature);
  // ECDSA is randomized: a fresh signature differs but verifies.
  std::string again = sign_jws(header, payload, key);
  CHECK(again != kRfc7515A3Jws);
  CHECK(verify_jws(again, key, header, payload) == Status::ok);
}

TEST_CASE("the bare JWS layer still fixes the algorithm by the key") {
  KeySet ed = load(kRfc8037Jwks);
  KeySet hs = load(kRfc7515A1Jwks);
  std::string header, payload;
  CHECK(verify_jws(kRfc8037Jws, *hs.find("rfc7515a1"), header, payload) == Status::alg_mismatch);
  CHECK(verify_jws(kRfc7515A1Jws, *ed.find("rfc8037"), header, payload) == Status::alg_mismatch);
}

TEST_CASE("the connect-token verifier refuses every published vector") {
  VerifyPolicy policy;
  policy.issuer = "joe";
  Verifier v(policy);
  Claims out;
  // Their headers have no kid and no (or the wrong) typ; typ is checked first.
  for (auto [jwks, jws] : {std::pair<const char*, std::string>{kRfc8037Jwks, kRfc8037Jws},
                           {kRfc7515A1Jwks, kRfc7515A1Jws},
                           {kRfc7515A3Jwks, kRfc7515A3Jws}}) {
    KeySet keys = load(jwks);
    CHECK(v.verify(jws, keys, kNow, out) == Status::bad_typ);
  }
  // Even the RFC 7515 claims alone, trusted issuer and all, are no connect token: no aud
  // (and no iat, jti, cid ...); with an aud, its exp is long past.
  CHECK(v.check_claims(kRfc7515PayloadJson, kNow, out) == Status::missing_claim);
  CHECK(v.check_claims(R"({"iss":"joe","aud":"amo-realtime","iat":1300819080,"exp":1300819380})", kNow, out) ==
        Status::expired);
  CHECK(v.check_claims("Example of Ed25519 signing", kNow, out) == Status::bad_payload_json);
}
