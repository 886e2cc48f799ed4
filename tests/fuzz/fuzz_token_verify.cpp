// Verifier::verify with one Ed25519, one ES256 and one HS256 key and a fixed `now`.
// The first input byte picks what the rest is:
//   0: a whole token. Never crashes; ok only for a token our signer produced: every segment is
//      canonical base64url and, for the deterministic algorithms, signing the decoded header
//      and payload again gives the same text.
//   1: payload JSON, signed with the HS256 key under a good header, so the signature passes
//      and the claims rules are fuzzed. verify == check_claims, and ok ⇒ the claims satisfy
//      DESIGN §2 (ids, cid, threads ≤ 128, iat/exp window and lifetime per role, jti, role).
//   2: second byte picks the key, the rest is header JSON signed with it over good claims.
//      ok ⇒ typ is amo-connect+jwt, alg is the key's, kid names it, no jku/x5u/jwk/x5c/crit.
// The keys are fixed (a private JWKS written down here, test-only) rather than generated per
// process, so the committed seed tokens keep verifying and mode 0 starts from valid tokens.
#include <string>

#include "core/ids.h"
#include "core/json/strict_parse.h"
#include "core/token/base64url.h"
#include "core/token/jws.h"
#include "core/token/sign.h"
#include "core/token/verify.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_jws.h"

using namespace amo::token;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
constexpr const char* kIssuer = "https://portal.example";

// Test keys of this fuzzer only; nothing else trusts them.
constexpr std::string_view kPrivateJwks =
    R"({"keys":[{"kty":"OKP","kid":"fuzz-ed","alg":"EdDSA","use":"sig","crv":"Ed25519",)"
    R"("x":"l0_mL9sF7RRJnYkjP2ESjrmtgQVhPYtmrEs1jbCbtYE","d":"yJqlmEhD8mO5QhsXOfG3uOZiG_1q4AYd6Y1NnqrtsCc"},)"
    R"({"kty":"EC","kid":"fuzz-ec","alg":"ES256","use":"sig","crv":"P-256",)"
    R"("x":"R6-xW0fzOIhIS77qWrrFZMZaUrtfyvcJogWL0mxlL7E","y":"vKsiNxyQvrpUK59RSUnikGDbmG2XzRaConnEIPCcRsc",)"
    R"("d":"vYREybP3J6w8XjEM7kCcAinxeSZdEJAv3oCD6ginhZk"},)"
    R"({"kty":"oct","kid":"fuzz-hs","alg":"HS256","use":"sig","k":"Hnslu6R_t6hp25UejBt-Na7eFaOb24pR8Hbx1gUe5DI"}]})";

struct Fixture {
  KeySet signing;  // private parts
  KeySet verify;   // what a verifier loads: public JWKS for ed/ec, the oct key as its secret
  Verifier verifier{policy()};
  Verifier claims_only{policy()};
  amo::json::StrictParser header_parser{kMaxTokenBytes, 16};
  std::string good_payload;

  static VerifyPolicy policy() {
    VerifyPolicy p;
    p.issuer = kIssuer;
    return p;
  }

  Fixture() {
    JwksResult r = parse_jwks(kPrivateJwks);
    AMO_FUZZ_CHECK(r.status == JwksStatus::ok && r.keys.size() == 3);
    signing = std::move(r.keys);
    JwksResult pub = parse_jwks(to_jwks(signing, false));
    AMO_FUZZ_CHECK(pub.status == JwksStatus::ok && pub.keys.size() == 2);
    verify = std::move(pub.keys);
    const Key* hs = signing.find("fuzz-hs");
    AMO_FUZZ_CHECK(hs && verify.add(*make_oct_key(hs->kid, hs->secret)));
    good_payload = std::string(R"({"iss":")") + kIssuer +
                   R"(","aud":"amo-realtime","sub":"u1","amo":"AMO1","iat":1700000000,"exp":1700000120,)"
                   R"("jti":"AAAAAAAAAAAAAAAAAAAAAA","cid":"web-u1","threads":["TH1"]})";
  }
};

Fixture* fx = nullptr;

std::string header_for(const Key& k) {
  return "{\"alg\":\"" + std::string(name(k.alg)) + "\",\"typ\":\"amo-connect+jwt\",\"kid\":\"" + k.kid + "\"}";
}

// Mode 0: an ok token must be exactly what our signer writes.
void check_signed_by_us(std::string_view token) {
  std::string header, payload, sig;
  amo::fuzz::check_canonical_jws(token, header, payload, sig);
  simdjson::dom::element h;
  AMO_FUZZ_CHECK(fx->header_parser.parse(header, h) == amo::json::Status::ok);
  std::string_view kid;
  AMO_FUZZ_CHECK(h["kid"].get(kid) == simdjson::SUCCESS);
  const Key* key = fx->signing.find(kid);
  AMO_FUZZ_CHECK(key != nullptr);
  if (key->alg != Alg::ES256) AMO_FUZZ_CHECK(sign_jws(header, payload, *key) == token);
}

// Mode 1: DESIGN §2 on what verify let through.
void check_claims_rules(const Claims& c) {
  const VerifyPolicy& p = fx->verifier.policy();
  AMO_FUZZ_CHECK(c.iss == p.issuer);
  bool aud = false;
  for (const auto& x : c.aud) aud |= x == p.audience;
  AMO_FUZZ_CHECK(aud);
  AMO_FUZZ_CHECK(amo::is_valid_id(c.sub));
  AMO_FUZZ_CHECK(amo::is_valid_id(c.amo));
  AMO_FUZZ_CHECK((c.amo == kSystemAmo) == (c.role == amo::Role::service));
  AMO_FUZZ_CHECK(amo::is_valid_cid(c.cid));
  AMO_FUZZ_CHECK(c.threads.size() <= kMaxThreads);
  for (const auto& t : c.threads) AMO_FUZZ_CHECK(amo::is_valid_id(t));
  AMO_FUZZ_CHECK(c.jti.size() >= 22 && is_base64url_text(c.jti));
  AMO_FUZZ_CHECK(c.iat <= kNow + p.leeway);
  AMO_FUZZ_CHECK(c.exp > kNow - p.leeway);
  AMO_FUZZ_CHECK(c.exp > c.iat);
  const std::int64_t max = c.role == amo::Role::service ? p.max_service_token_ttl : p.max_token_ttl;
  AMO_FUZZ_CHECK(static_cast<std::uint64_t>(c.exp) - static_cast<std::uint64_t>(c.iat) <=
                 static_cast<std::uint64_t>(max));
  if (c.nbf) AMO_FUZZ_CHECK(*c.nbf <= kNow + p.leeway);
  if (c.sess_exp) AMO_FUZZ_CHECK(*c.sess_exp > kNow);
}

// Mode 2: an ok header is one the §2 header rules allow, for this key.
void check_header_rules(std::string_view header, const Key& key) {
  simdjson::dom::element h;
  AMO_FUZZ_CHECK(fx->header_parser.parse(header, h) == amo::json::Status::ok);
  simdjson::dom::object obj;
  AMO_FUZZ_CHECK(h.get(obj) == simdjson::SUCCESS);
  std::string_view typ, alg, kid;
  AMO_FUZZ_CHECK(obj["typ"].get(typ) == simdjson::SUCCESS && typ == "amo-connect+jwt");
  AMO_FUZZ_CHECK(obj["alg"].get(alg) == simdjson::SUCCESS && alg == name(key.alg));
  AMO_FUZZ_CHECK(obj["kid"].get(kid) == simdjson::SUCCESS && kid == key.kid);
  for (const char* forbidden : {"jku", "x5u", "jwk", "x5c", "crit"})
    AMO_FUZZ_CHECK(obj[forbidden].error() == simdjson::NO_SUCH_FIELD);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fx = new Fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = amo::fuzz::bytes(data + 1, size - 1);
  Claims claims;
  switch (data[0] % 3) {
    case 0: {
      if (fx->verifier.verify(rest, fx->verify, kNow, claims) == Status::ok) check_signed_by_us(rest);
      break;
    }
    case 1: {
      if (rest.empty()) return 0;  // an empty payload segment is a malformed token, not a claims case
      const Key& hs = *fx->signing.find("fuzz-hs");
      const std::string token = sign_jws(header_for(hs), rest, hs);
      AMO_FUZZ_CHECK(!token.empty());
      const Status s = fx->verifier.verify(token, fx->verify, kNow, claims);
      Claims direct;
      const Status d = fx->claims_only.check_claims(rest, kNow, direct);
      // Over 16 KiB the token is refused whole, before its claims are looked at.
      AMO_FUZZ_CHECK(s == d || s == Status::too_large);
      if (s == Status::ok) check_claims_rules(claims);
      break;
    }
    default: {
      if (rest.empty()) return 0;
      const Key& key = fx->signing.keys()[static_cast<unsigned char>(rest[0]) % 3];
      const std::string_view header = rest.substr(1);
      const std::string token = sign_jws(header, fx->good_payload, key);
      AMO_FUZZ_CHECK(!token.empty());
      if (fx->verifier.verify(token, fx->verify, kNow, claims) == Status::ok) check_header_rules(header, key);
      break;
    }
  }
  return 0;
}
