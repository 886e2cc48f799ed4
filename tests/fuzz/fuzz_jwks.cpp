// parse_jwks on arbitrary text. Invariants: an accepted set is non-empty, every oct secret is
// at least 32 bytes, every asymmetric key has its EVP key; the set written back with
// to_jwks(keys, true) parses to the same kids, algorithms and private flags, and the public
// half (to_jwks(keys, false)) to the same non-oct kids; a key with a private part signs
// tokens that its own public half verifies (so an accepted d always matches its x/y).
#include <string>
#include <vector>

#include "core/token/jwks.h"
#include "core/token/jws.h"
#include "core/token/sign.h"
#include "tests/fuzz/fuzz_check.h"

using namespace amo::token;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  JwksResult r = parse_jwks(amo::fuzz::bytes(data, size));
  if (r.status != JwksStatus::ok) {
    AMO_FUZZ_CHECK(r.keys.size() == 0);
    return 0;
  }
  const KeySet& keys = r.keys;
  AMO_FUZZ_CHECK(keys.size() >= 1);
  std::vector<std::string> public_kids;
  for (const Key& k : keys.keys()) {
    AMO_FUZZ_CHECK(!k.kid.empty());
    AMO_FUZZ_CHECK(keys.find(k.kid) == &k);  // kids are unique
    if (k.alg == Alg::HS256) {
      AMO_FUZZ_CHECK(k.secret.size() >= 32);
      AMO_FUZZ_CHECK(!k.pkey);
    } else {
      AMO_FUZZ_CHECK(k.pkey != nullptr);
      public_kids.push_back(k.kid);
    }
  }

  JwksResult again = parse_jwks(to_jwks(keys, true));
  AMO_FUZZ_CHECK(again.status == JwksStatus::ok);
  AMO_FUZZ_CHECK(again.keys.size() == keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Key& a = keys.keys()[i];
    const Key& b = again.keys.keys()[i];
    AMO_FUZZ_CHECK(a.kid == b.kid);
    AMO_FUZZ_CHECK(a.alg == b.alg);
    AMO_FUZZ_CHECK(a.has_private == b.has_private);
    AMO_FUZZ_CHECK(a.secret == b.secret);
  }

  JwksResult pub = parse_jwks(to_jwks(keys, false));
  if (public_kids.empty()) {
    AMO_FUZZ_CHECK(pub.status == JwksStatus::no_keys);
    return 0;
  }
  AMO_FUZZ_CHECK(pub.status == JwksStatus::ok);
  AMO_FUZZ_CHECK(pub.keys.size() == public_kids.size());
  for (std::size_t i = 0; i < public_kids.size(); ++i) {
    const Key& p = pub.keys.keys()[i];
    AMO_FUZZ_CHECK(p.kid == public_kids[i]);
    AMO_FUZZ_CHECK(!p.has_private);
  }

  for (const Key& k : keys.keys()) {
    if (!k.has_private) continue;
    const std::string header = "{\"alg\":\"" + std::string(name(k.alg)) + "\"}";
    const std::string token = sign_jws(header, "{}", k);
    AMO_FUZZ_CHECK(!token.empty());
    const Key* verifying = k.alg == Alg::HS256 ? &k : pub.keys.find(k.kid);
    AMO_FUZZ_CHECK(verifying != nullptr);
    std::string h, p;
    AMO_FUZZ_CHECK(verify_jws(token, *verifying, h, p) == Status::ok);
  }
  return 0;
}
