// PortalSessionVerifier::verify (daemon/auth/portal_session.h) with a portal_secret_file (HS256)
// and a portal_jwks_file holding one Ed25519 key, at a fixed `now`. The first byte picks what
// the rest is:
//   0: a whole session token. ok only for a token one of the two keys signed: every segment is
//      canonical base64url and signing the decoded header and payload again gives the same text.
//   1: payload JSON, signed with the secret under {"alg":"HS256","typ":"JWT"}, so the claims
//      rules are fuzzed. ok ⇒ sub and amo_id are ids of §2, exp > now, iat ≤ now + 30 s, an
//      nbf ≤ now + 30 s, and out holds the payload's values.
//   2: second byte picks the key, the rest is header JSON signed with it over good claims.
//      ok ⇒ alg is the signing key's (never none), no jku/x5u/jwk/x5c/crit; a kid that names
//      the JWKS key was signed by it.
// Never a crash, whatever the bytes. The keys are fixed test keys (below) so seeds keep verifying.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/ids.h"
#include "core/json/strict_parse.h"
#include "core/token/base64url.h"
#include "core/token/jwks.h"
#include "core/token/jws.h"
#include "core/token/sign.h"
#include "daemon/auth/portal_session.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_jws.h"

using namespace amo;
using namespace amo::token;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kLeeway = 30;
// Test keys of this fuzzer only (the Ed25519 key is fuzz_token_verify's); nothing else trusts them.
constexpr std::string_view kSecret = "fuzz-portal-secret-not-used-anywhere-else-0123456789";
constexpr std::string_view kPrivateJwks =
    R"({"keys":[{"kty":"OKP","kid":"fuzz-ed","alg":"EdDSA","use":"sig","crv":"Ed25519",)"
    R"("x":"l0_mL9sF7RRJnYkjP2ESjrmtgQVhPYtmrEs1jbCbtYE","d":"yJqlmEhD8mO5QhsXOfG3uOZiG_1q4AYd6Y1NnqrtsCc"}]})";
constexpr std::string_view kGoodPayload = R"({"sub":"u1","amo_id":"A1","iat":1699999990,"exp":1700003600})";

struct Fixture {
  KeySet ed;  // private
  Key secret;
  auth::PortalSessionVerifier* verifier = nullptr;
  json::StrictParser parser{kMaxTokenBytes, 16};
};

Fixture* fx = nullptr;

std::string write_temp(std::string_view content) {
  char path[] = "/tmp/amo-fuzz-portal-XXXXXX";
  const int fd = mkstemp(path);
  AMO_FUZZ_CHECK(fd >= 0);
  AMO_FUZZ_CHECK(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
  return path;
}

// Mode 0: an ok token is exactly what one of our keys signs.
void check_signed_by_us(std::string_view token) {
  std::string header, payload, sig;
  amo::fuzz::check_canonical_jws(token, header, payload, sig);
  const bool by_secret = sign_jws(header, payload, fx->secret) == token;
  const bool by_ed = sign_jws(header, payload, fx->ed.keys()[0]) == token;
  AMO_FUZZ_CHECK(by_secret || by_ed);
}

std::optional<std::int64_t> read_time(simdjson::dom::object obj, const char* key) {
  std::int64_t i = 0;
  if (obj[key].get(i) == simdjson::SUCCESS) return i;
  double d = 0;
  if (obj[key].get(d) == simdjson::SUCCESS) return static_cast<std::int64_t>(std::floor(d));
  return std::nullopt;
}

// Mode 1: the session claims rules, read again from the payload.
void check_claims(std::string_view payload, const auth::PortalSession& s) {
  AMO_FUZZ_CHECK(is_valid_id(s.sub) && is_valid_id(s.amo));
  AMO_FUZZ_CHECK(s.exp > kNow && s.iat <= kNow + kLeeway);
  simdjson::dom::element root;
  AMO_FUZZ_CHECK(fx->parser.parse(payload, root) == json::Status::ok);
  simdjson::dom::object obj;
  AMO_FUZZ_CHECK(root.get(obj) == simdjson::SUCCESS);
  std::string_view text;
  AMO_FUZZ_CHECK(obj["sub"].get(text) == simdjson::SUCCESS && text == s.sub);
  AMO_FUZZ_CHECK(obj["amo_id"].get(text) == simdjson::SUCCESS && text == s.amo);
  AMO_FUZZ_CHECK(read_time(obj, "iat") == s.iat && read_time(obj, "exp") == s.exp);
  if (obj["nbf"].error() == simdjson::SUCCESS) {
    const auto nbf = read_time(obj, "nbf");
    AMO_FUZZ_CHECK(nbf && *nbf <= kNow + kLeeway);
  }
}

// Mode 2: an ok header is one the JWS rules allow, for the key that signed.
void check_header(std::string_view header, const Key& key) {
  simdjson::dom::element h;
  AMO_FUZZ_CHECK(fx->parser.parse(header, h) == json::Status::ok);
  simdjson::dom::object obj;
  AMO_FUZZ_CHECK(h.get(obj) == simdjson::SUCCESS);
  std::string_view alg, kid;
  AMO_FUZZ_CHECK(obj["alg"].get(alg) == simdjson::SUCCESS && alg == name(key.alg));
  if (obj["kid"].get(kid) == simdjson::SUCCESS && kid == "fuzz-ed") AMO_FUZZ_CHECK(key.alg == Alg::EdDSA);
  for (const char* forbidden : {"jku", "x5u", "jwk", "x5c", "crit"})
    AMO_FUZZ_CHECK(obj[forbidden].error() == simdjson::NO_SUCH_FIELD);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fx = new Fixture();
  JwksResult r = parse_jwks(kPrivateJwks);
  AMO_FUZZ_CHECK(r.status == JwksStatus::ok && r.keys.size() == 1);
  fx->ed = std::move(r.keys);
  fx->secret = *make_oct_key("portal_secret_file", kSecret);
  const std::string secret_file = write_temp(std::string(kSecret) + "\n");
  const std::string jwks_file = write_temp(to_jwks(fx->ed, false));
  fx->verifier = new auth::PortalSessionVerifier({secret_file, jwks_file});
  const std::string error = fx->verifier->load();
  std::remove(secret_file.c_str());  // the keys are in memory; reload is never asked for
  std::remove(jwks_file.c_str());
  if (!error.empty()) {
    std::fprintf(stderr, "portal keys did not load: %s\n", error.c_str());
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = fuzz::bytes(data + 1, size - 1);
  auth::PortalSession session;
  switch (data[0] % 3) {
    case 0:
      if (fx->verifier->verify(rest, kNow, session) == auth::SessionStatus::ok) check_signed_by_us(rest);
      break;
    case 1: {
      if (rest.empty()) return 0;
      const std::string token = sign_jws(R"({"alg":"HS256","typ":"JWT"})", rest, fx->secret);
      AMO_FUZZ_CHECK(!token.empty());
      if (fx->verifier->verify(token, kNow, session) == auth::SessionStatus::ok) check_claims(rest, session);
      break;
    }
    default: {
      if (rest.empty()) return 0;
      const Key& key = rest[0] % 2 ? fx->ed.keys()[0] : fx->secret;
      const std::string_view header = rest.substr(1);
      const std::string token = sign_jws(header, kGoodPayload, key);
      AMO_FUZZ_CHECK(!token.empty());
      if (fx->verifier->verify(token, kNow, session) == auth::SessionStatus::ok) check_header(header, key);
      break;
    }
  }
  return 0;
}
