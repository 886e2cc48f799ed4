// The plugin's per-event cost without a broker: what AuthPlugin adds to each CONNECT, each
// delivery (READ check) and each inbound chat (validate + stamp), on the same inputs the
// broker benchmark uses.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "plugin/auth_plugin.h"
#include "io/files.h"

namespace {

using namespace amo;

struct Fixture {
  token::Key key = token::generate_key(token::Alg::EdDSA, "bench");
  std::unique_ptr<plugin::AuthPlugin> plugin;
  int clients[4] = {};

  Fixture() {
    plugin::Options o;
    o.jwks_file = "unused";
    o.issuer = "https://portal";
    o.publish_rate = 1'000'000'000;
    o.publish_burst = 1'000'000'000;
    o.max_conn_per_user = 1'000'000'000;
    o.max_conn_per_tenant = 1'000'000'000;
    const token::Key* keys[] = {&key};
    plugin = std::make_unique<plugin::AuthPlugin>(o, token::to_jwks(keys, false),
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

Fixture& fixture() {
  static Fixture f;
  return f;
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

void BM_ConnectFreshToken(benchmark::State& state) {
  auto& f = fixture();
  std::vector<std::string> tokens;
  for (int i = 0; i < 256; ++i) tokens.push_back(f.mint("u2", "web-u2"));
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = f.plugin->on_basic_auth(&f.clients[1], "web-u2", tokens[i++ % tokens.size()], Fixture::now());
    if (!r.ok) state.SkipWithError("connect refused");
    f.plugin->on_disconnect(&f.clients[1], false);
  }
}
BENCHMARK(BM_ConnectFreshToken);

}  // namespace
