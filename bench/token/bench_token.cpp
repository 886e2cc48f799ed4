// Connect-token verification cost (DESIGN §2 hot path in the plugin's BASIC_AUTH).
// Targets: claims check ≤ 3 µs; full EdDSA verify within 1.2× of bare EVP_DigestVerify
// on the same signing input (compare BM_verify/EdDSA with BM_bare_evp_ed25519).
#include <benchmark/benchmark.h>

#include <string>

#include <openssl/evp.h>

#include "core/token/base64url.h"
#include "core/token/jws.h"
#include "core/token/sign.h"
#include "core/token/verify.h"

using namespace amo::token;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

struct World {
  Key ed = generate_key(Alg::EdDSA, "ed1");
  Key ec = generate_key(Alg::ES256, "ec1");
  Key hs = generate_key(Alg::HS256, "hs1");
  KeySet keys;
  VerifyPolicy policy;
  Claims claims;

  World() {
    const Key* all[] = {&ed, &ec, &hs};
    keys = std::move(parse_jwks(to_jwks(all, true)).keys);
    policy.issuer = "https://portal.example";
    claims.iss = policy.issuer;
    claims.aud = {"amo-realtime"};
    claims.sub = "user-4711";
    claims.amo = "AMO-0042";
    claims.jti = new_jti();
    claims.cid = "web-user-4711.tab:1";
    claims.threads = {"TH-1", "TH-2", "TH-3", "TH-4"};
    claims.iat = kNow;
    claims.exp = kNow + 120;
    claims.sess_exp = kNow + 3600;
  }
  const Key& key(Alg a) const { return a == Alg::EdDSA ? ed : a == Alg::ES256 ? ec : hs; }
};

World& world() {
  static World w;
  return w;
}

void BM_verify(benchmark::State& state) {
  World& w = world();
  const Alg alg = static_cast<Alg>(state.range(0));
  state.SetLabel(std::string(name(alg)));
  const std::string token = sign(w.claims, w.key(alg));
  Verifier v(w.policy);
  Claims out;
  if (v.verify(token, w.keys, kNow, out) != Status::ok) state.SkipWithError("token does not verify");
  for (auto _ : state) benchmark::DoNotOptimize(v.verify(token, w.keys, kNow, out));
}
BENCHMARK(BM_verify)->Arg(int(Alg::EdDSA))->Arg(int(Alg::ES256))->Arg(int(Alg::HS256));

void BM_check_claims(benchmark::State& state) {
  World& w = world();
  const std::string token = sign(w.claims, w.ed);
  std::string header, payload;
  if (verify_jws(token, w.ed, header, payload) != Status::ok) state.SkipWithError("token does not verify");
  Verifier v(w.policy);
  Claims out;
  if (v.check_claims(payload, kNow, out) != Status::ok) state.SkipWithError("claims refused");
  for (auto _ : state) benchmark::DoNotOptimize(v.check_claims(payload, kNow, out));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_check_claims);

// The floor: what any Ed25519 JWS verifier must spend, with a reused EVP_MD_CTX.
void BM_bare_evp_ed25519(benchmark::State& state) {
  World& w = world();
  const std::string token = sign(w.claims, w.ed);
  const std::string_view input = std::string_view(token).substr(0, token.rfind('.'));
  std::string sig;
  base64url_decode(std::string_view(token).substr(token.rfind('.') + 1), sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  auto once = [&] {
    EVP_MD_CTX_reset(ctx);
    EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, w.ed.pkey.get());
    return EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size());
  };
  if (once() != 1) state.SkipWithError("bare verify failed");
  for (auto _ : state) benchmark::DoNotOptimize(once());
  EVP_MD_CTX_free(ctx);
}
BENCHMARK(BM_bare_evp_ed25519);

void BM_sign(benchmark::State& state) {
  World& w = world();
  const Alg alg = static_cast<Alg>(state.range(0));
  state.SetLabel(std::string(name(alg)));
  for (auto _ : state) benchmark::DoNotOptimize(sign(w.claims, w.key(alg)));
}
BENCHMARK(BM_sign)->Arg(int(Alg::EdDSA))->Arg(int(Alg::ES256))->Arg(int(Alg::HS256));

}  // namespace
