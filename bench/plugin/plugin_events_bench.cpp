// The plugin's per-event cost without a broker: what AuthPlugin adds to each CONNECT, each
// delivery (READ check) and each inbound chat (validate + stamp), on the same inputs the
// broker benchmark uses.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include <openssl/evp.h>

#include "core/token/base64url.h"
#include "core/token/jwks.h"
#include "core/token/jws.h"
#include "core/token/sign.h"
#include "plugin/auth_plugin.h"
#include "io/files.h"

namespace {

using namespace amo;

struct Fixture {
  token::Key key;
  std::unique_ptr<plugin::AuthPlugin> plugin;
  int clients[4] = {};

  explicit Fixture(token::Alg alg = token::Alg::EdDSA) : key(token::generate_key(alg, "bench")) {
    plugin::Options o;
    o.jwks_file = "unused";
    o.issuer = "https://portal";
    o.publish_rate = 1'000'000'000;
    o.publish_burst = 1'000'000'000;
    o.max_conn_per_user = 1'000'000'000;
    o.max_conn_per_tenant = 1'000'000'000;
    const token::Key* keys[] = {&key};
    plugin = std::make_unique<plugin::AuthPlugin>(o, token::to_jwks(keys, alg == token::Alg::HS256),
                                                  io::read_schema_dir(AMO_SOURCE_DIR "/schemas"),
                                                  [](plugin::LogLevel, const std::string&) {}, now().mono_ns);
    plugin->on_tick(now());
    if (!plugin->on_basic_auth(&clients[0], "web-u1", mint("u1", "web-u1"), now()).ok) std::abort();
  }

  static plugin::Clock now() { return plugin::Clock::read(); }

  std::string mint(std::string sub, std::string cid) const {
    token::Claims c;
    c.iss = "https://portal";
    c.aud = {"amo-realtime"};
    c.sub = std::move(sub);
    c.amo = "AMO1";
    c.cid = std::move(cid);
    c.threads = {"WO-1001", "WO-1002", "WO-1003", "WO-1004", "WO-1042"};
    c.iat = now().now_s;
    c.exp = c.iat + 120;
    c.jti = token::new_jti();
    return token::sign(c, key);
  }
};

Fixture& fixture(token::Alg alg = token::Alg::EdDSA) {
  static Fixture f[] = {Fixture(token::Alg::EdDSA), Fixture(token::Alg::ES256), Fixture(token::Alg::HS256)};
  return f[static_cast<std::size_t>(alg)];
}

void BM_ReadCheck(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state)
    benchmark::DoNotOptimize(f.plugin->on_acl(&f.clients[0], acl::Access::read, "amo/AMO1/thread/WO-1042/events", 1, false));
}
BENCHMARK(BM_ReadCheck);

void BM_InboundChat(benchmark::State& state) {
  auto& f = fixture();
  const std::string chat =
      R"({"v":1,"kind":"chat.message","client_msg_id":"6f1c2a9e-3b1d-4c55-9b7e-0a1b2c3d4e5f","payload":{"text":")" +
      std::string(160, 'x') + R"("}})";
  const auto t = Fixture::now();
  for (auto _ : state) {
    auto r = f.plugin->on_message(&f.clients[0], "amo/AMO1/thread/WO-1042/chat", chat, t);
    if (!r.ok) state.SkipWithError("chat refused");
    benchmark::DoNotOptimize(r.payload.data());
  }
}
BENCHMARK(BM_InboundChat);

// range(0): token::Alg (0 EdDSA, 1 ES256, 2 HS256).
void BM_ConnectFreshToken(benchmark::State& state) {
  auto& f = fixture(static_cast<token::Alg>(state.range(0)));
  std::vector<std::string> tokens;
  for (int i = 0; i < 256; ++i) tokens.push_back(f.mint("u2", "web-u2"));
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = f.plugin->on_basic_auth(&f.clients[1], "web-u2", tokens[i++ % tokens.size()], Fixture::now());
    if (!r.ok) state.SkipWithError("connect refused");
    f.plugin->on_disconnect(&f.clients[1], false);
  }
}
BENCHMARK(BM_ConnectFreshToken)->Arg(0)->Arg(1)->Arg(2);

// What bench_verify_only (the connect limit, DESIGN §3) does per connect: split, decode the
// signature, verify it. BM_ConnectFreshToken minus this is what ours adds to the limit.
void BM_LimitSignatureOnly(benchmark::State& state) {
  auto& f = fixture(static_cast<token::Alg>(state.range(0)));
  std::vector<std::string> tokens;
  for (int i = 0; i < 256; ++i) tokens.push_back(f.mint("u2", "web-u2"));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig;
  std::size_t i = 0;
  for (auto _ : state) {
    token::CompactParts parts;
    const std::string& t = tokens[i++ % tokens.size()];
    if (token::split_compact(t, parts) != token::Status::ok || !token::base64url_decode(parts.signature, sig) ||
        token::verify_signature(f.key, parts.signing_input, sig, ctx) != token::Status::ok)
      state.SkipWithError("bad signature");
  }
  EVP_MD_CTX_free(ctx);
}
BENCHMARK(BM_LimitSignatureOnly)->Arg(0)->Arg(1)->Arg(2);

}  // namespace
