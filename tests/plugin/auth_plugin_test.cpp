// AuthPlugin's decisions for how 2.0.11 treats offline sessions (DESIGN §3), without a broker:
// a Will's WRITE check after DISCONNECT, the SIGHUP pass (RELOAD, BASIC_AUTH for every kept
// client, TICK), and never a kick for an offline session. The live tests show the broker side.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "io/files.h"
#include "plugin/auth_plugin.h"

using namespace amo;
using namespace amo::plugin;

namespace {

constexpr const char* kIss = "https://portal.test";
int clients[8];

std::int64_t wall_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Fixture {
  token::Key key = token::generate_key(token::Alg::EdDSA, "k1");
  std::vector<std::string> log;
  std::unique_ptr<AuthPlugin> plugin;
  Clock now{wall_s(), wall_s() * 1000, 1'000'000'000'000};

  explicit Fixture(Options o = {}) {
    o.issuer = kIss;
    const token::Key* keys[] = {&key};
    plugin = std::make_unique<AuthPlugin>(o, token::to_jwks(keys, false),
                                          io::read_schema_dir(AMO_SOURCE_DIR "/schemas"),
                                          [this](LogLevel, const std::string& line) { log.push_back(line); },
                                          now.mono_ns);
    plugin->on_tick(now);
  }

  std::string token(const std::string& sub, const std::string& cid, std::optional<std::int64_t> sess_exp = {},
                    Role role = Role::user) {
    token::Claims c;
    c.iss = kIss;
    c.aud = {"amo-realtime"};
    c.sub = sub;
    c.amo = role == Role::user ? "acme" : std::string(token::kSystemAmo);
    c.cid = cid;
    c.threads = {"T1"};
    c.role = role;
    c.iat = now.now_s;
    c.exp = c.iat + 120;
    c.sess_exp = sess_exp;
    c.jti = token::new_jti();
    return token::sign(c, key);
  }

  bool connect(int i, const std::string& cid, const std::string& tok) {
    return plugin->on_basic_auth(&clients[i], cid, tok, now).ok;
  }
  bool write(int i, const std::string& topic = "amo/acme/thread/T1/typing") {
    return plugin->on_acl(&clients[i], acl::Access::write, topic, 1, false);
  }
  bool read(int i) { return plugin->on_acl(&clients[i], acl::Access::read, "amo/acme/user/sam/events", 1, false); }
  // The SIGHUP pass: RELOAD, then BASIC_AUTH for the kept clients (the caller), then TICK.
  void sighup() { plugin->on_reload(); }
  std::vector<Kick> tick(std::int64_t advance_s = 0) {
    now.now_s += advance_s;
    now.mono_ns += advance_s * 1'000'000'000;
    return plugin->on_tick(now);
  }
};

}  // namespace

TEST_CASE("an offline session's WRITE (its Will) is denied; its READ (queued messages) is not") {
  Fixture f;
  REQUIRE(f.connect(0, "sam-1", f.token("sam", "sam-1")));
  CHECK(f.write(0));
  f.plugin->on_disconnect(&clients[0], true);
  CHECK_FALSE(f.write(0));
  CHECK_FALSE(f.write(0, "amo/acme/user/sam/cmd/replay"));
  CHECK(f.read(0));
}

TEST_CASE("SIGHUP re-checks an offline session in place: still offline, not counted, not audited again") {
  Options o;
  o.max_conn_per_user = 1;
  Fixture f(o);
  const std::string tok = f.token("sam", "sam-1");
  REQUIRE(f.connect(0, "sam-1", tok));
  f.plugin->on_disconnect(&clients[0], true);
  const std::size_t lines = f.log.size();
  f.sighup();
  const AuthResult r = f.plugin->on_basic_auth(&clients[0], "sam-1", tok, f.now);
  CHECK(r.ok);
  CHECK(r.username.empty());  // nothing to set on a client that is not there
  f.tick();
  CHECK(f.log.size() == lines);
  CHECK_FALSE(f.write(0));  // still offline
  CHECK(f.connect(1, "sam-2", f.token("sam", "sam-2")));  // its cap slot is still free
}

TEST_CASE("SIGHUP re-check wants the stored client id and token; a live session that fails is refused") {
  Fixture f;
  const std::string tok = f.token("sam", "sam-1");
  REQUIRE(f.connect(0, "sam-1", tok));
  REQUIRE(f.connect(1, "sam-2", f.token("sam", "sam-2")));
  REQUIRE(f.connect(2, "sam-3", f.token("sam", "sam-3")));
  f.sighup();
  CHECK(f.plugin->on_basic_auth(&clients[0], "sam-1", tok, f.now).ok);
  // Another valid token of the same user and cid is not the token this session was admitted with.
  CHECK_FALSE(f.plugin->on_basic_auth(&clients[1], "sam-2", f.token("sam", "sam-2"), f.now).ok);
  CHECK_FALSE(f.plugin->on_basic_auth(&clients[2], "sam-9", tok, f.now).ok);
  f.tick();
  CHECK(f.write(0));
  CHECK_FALSE(f.write(1));
  CHECK_FALSE(f.write(2));
}

TEST_CASE("SIGHUP never refuses an offline client: one that fails is forgotten, one not tracked stays so") {
  Fixture f;
  const std::string tok = f.token("sam", "sam-1");
  REQUIRE(f.connect(0, "sam-1", tok));
  f.plugin->on_disconnect(&clients[0], true);
  REQUIRE(f.connect(1, "sid-1", f.token("sid", "sid-1")));
  f.plugin->on_disconnect(&clients[1], false);  // clean start: the broker may keep it, we do not
  f.sighup();
  CHECK(f.plugin->on_basic_auth(&clients[0], "sam-1", f.token("sam", "sam-1"), f.now).ok);
  CHECK(f.plugin->on_basic_auth(&clients[1], "sid-1", f.token("sid", "sid-1"), f.now).ok);
  f.tick();
  CHECK_FALSE(f.read(0));  // forgotten: every check denies
  CHECK_FALSE(f.read(1));
}

TEST_CASE("outside SIGHUP, BASIC_AUTH on an offline session's pointer is a new client that reuses its memory") {
  Fixture f;
  REQUIRE(f.connect(0, "sam-1", f.token("sam", "sam-1")));
  f.plugin->on_disconnect(&clients[0], true);
  REQUIRE(f.connect(0, "sue-1", f.token("sue", "sue-1")));
  CHECK(f.write(0));
}

TEST_CASE("an offline session is never kicked: at sess_exp and on revoke it is forgotten") {
  Fixture f;
  REQUIRE(f.connect(0, "sam-1", f.token("sam", "sam-1", f.now.now_s + 5)));
  REQUIRE(f.connect(1, "rhea-1", f.token("rhea", "rhea-1")));
  REQUIRE(f.connect(2, "svc-1", f.token("token-service", "svc-1", {}, Role::service)));
  f.plugin->on_disconnect(&clients[0], true);
  f.plugin->on_disconnect(&clients[1], true);
  CHECK(f.plugin->on_revoke(&clients[2], R"({"user":"acme:rhea","before":)" + std::to_string(f.now.now_s) + "}"));
  CHECK(f.tick(6).empty());
  CHECK_FALSE(f.read(0));
  CHECK_FALSE(f.read(1));
}

TEST_CASE("a kick queued for a live session is dropped if it went offline before the TICK") {
  Fixture f;
  REQUIRE(f.connect(0, "rhea-1", f.token("rhea", "rhea-1")));
  REQUIRE(f.connect(1, "rhea-2", f.token("rhea", "rhea-2")));
  REQUIRE(f.connect(2, "svc-1", f.token("token-service", "svc-1", {}, Role::service)));
  CHECK(f.plugin->on_revoke(&clients[2], R"({"user":"acme:rhea","before":)" + std::to_string(f.now.now_s) + "}"));
  f.plugin->on_disconnect(&clients[0], true);  // left (durable) between the revoke and the TICK
  const auto kicks = f.tick();
  REQUIRE(kicks.size() == 1);
  CHECK(kicks[0].cid == "rhea-2");
}

TEST_CASE("reconnecting keeps the publish bucket; after an abuse kick the user's next session waits") {
  Options o;
  o.publish_rate = 1;
  o.publish_burst = 2;
  Fixture f(o);
  const std::string chat = R"({"v":1,"kind":"chat.typing","payload":{"state":"start"}})";
  const std::string topic = "amo/acme/thread/T1/typing";
  REQUIRE(f.connect(0, "sam-1", f.token("sam", "sam-1")));
  CHECK(f.plugin->on_message(&clients[0], topic, chat, f.now).ok);
  CHECK(f.plugin->on_message(&clients[0], topic, chat, f.now).ok);
  CHECK_FALSE(f.plugin->on_message(&clients[0], topic, chat, f.now).ok);
  f.plugin->on_disconnect(&clients[0], false);
  REQUIRE(f.connect(1, "sam-1", f.token("sam", "sam-1")));
  CHECK_FALSE(f.plugin->on_message(&clients[1], topic, chat, f.now).ok);  // still empty

  // Drops past a burst within the window: kicked for abuse.
  CHECK_FALSE(f.plugin->on_message(&clients[1], topic, chat, f.now).ok);
  CHECK_FALSE(f.plugin->on_message(&clients[1], topic, chat, f.now).ok);
  CHECK(f.tick().size() == 1);
  f.plugin->on_disconnect(&clients[1], false);
  f.now.mono_ns += 5'000'000'000;  // a fresh bucket would be full again by now
  REQUIRE(f.connect(2, "sam-2", f.token("sam", "sam-2")));  // another client id of that user
  CHECK_FALSE(f.plugin->on_message(&clients[2], topic, chat, f.now).ok);
  f.now.mono_ns += 6'000'000'000;  // the cooldown is over and one token has come in
  CHECK(f.plugin->on_message(&clients[2], topic, chat, f.now).ok);
}
