// Broker start-up and reloads with the plugin (DESIGN §3, §8): bad options stop the broker
// with a clear line; per_listener_settings true fails closed; JWKS reload on SIGHUP and on
// file change; a session whose token expired survives SIGHUP; mosquitto.conf.example as-is
// (max_packet_size included).
#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>

#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

struct BadStart {
  std::string what;
  std::vector<std::pair<std::string, std::string>> opts;  // replaces the default plugin options
  std::string needle;                                     // must appear in the log
};

int exit_code_of(Mosquitto& b) { return b.wait_exit(10000ms); }

// Poll a fresh connect until it is accepted or `limit` passes.
bool connects_within(int port, const std::string& cid, const std::string& token, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  do {
    auto c = make_client(port, cid, token);
    if (c->connect() == 0) return true;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

void write_keeping_stamp(const std::string& path, std::string text, std::size_t size) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  REQUIRE(text.size() <= size);
  text.append(size - text.size(), ' ');
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  const timespec times[2] = {st.st_atim, st.st_mtim};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("unknown and bad options stop the broker: non-zero exit and a clear log line") {
  KeyFile kf;
  harness::TempDir files("amo-bad");
  const auto empty = files.write("empty.json", "");
  const auto short_oct = files.write("oct.json", R"({"keys":[{"kty":"oct","kid":"h","k":"c2hvcnQtc2VjcmV0"}]})");
  const auto garbage = files.write("garbage.json", "{not json");
  const std::pair<std::string, std::string> jwks{"jwks_file", kf.path()}, iss{"issuer", kIssuer};
  const std::vector<BadStart> cases = {
      {"unknown option", {jwks, iss, {"no_such_knob", "1"}}, "no_such_knob"},
      {"non-integer", {jwks, iss, {"max_session", "abc"}}, "max_session"},
      {"negative rate", {jwks, iss, {"publish_rate", "-5"}}, "publish_rate"},
      {"trailing junk", {jwks, iss, {"max_payload", "16k"}}, "max_payload"},
      {"bad log level", {jwks, iss, {"log_level", "loud"}}, "log_level"},
      {"missing jwks_file", {iss}, "jwks_file"},
      {"missing issuer", {jwks}, "issuer"},
      {"unreadable jwks", {{"jwks_file", "/nonexistent/jwks.json"}, iss}, "/nonexistent/jwks.json"},
      {"empty jwks", {{"jwks_file", empty.string()}, iss}, "empty"},
      {"short oct key", {{"jwks_file", short_oct.string()}, iss}, "oct_too_short"},
      {"garbage jwks", {{"jwks_file", garbage.string()}, iss}, "jwks"},
      {"bad schema_dir", {jwks, iss, {"schema_dir", "/nonexistent/schemas"}}, "schema"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto o = broker_options(kf);
    o.plugin_opts = c.opts;
    o.expect_start = false;
    Mosquitto b(o);
    const int code = exit_code_of(b);
    CHECK(code > 0);
    const std::string log = b.log();
    CAPTURE(log);
    CHECK(log.find("amo-realtime") != std::string::npos);
    CHECK(log.find("refusing to start") != std::string::npos);
    CHECK(log.find(c.needle) != std::string::npos);
  }
}

TEST_CASE("with per_listener_settings true no connection is accepted after 2 s, and the log says why") {
  KeyFile kf;
  const std::string config = "per_listener_settings true\npersistence false\nlog_dest file {LOG_FILE}\n"
                             "log_type all\nlistener {TCP_PORT} 127.0.0.1\nallow_anonymous false\n"
                             "plugin {PLUGIN}\nplugin_opt_jwks_file " +
                             kf.path() + "\nplugin_opt_issuer " + kIssuer + "\n";
  auto o = broker_options(kf);
  o.full_config = config;
  const double started = now_f();
  Mosquitto b(o);
  std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, started + 2.5 - now_f())));
  auto c5 = make_client(b.port(), "plt-5", mint(user_claims("alice", "acme", "plt-5"), kf.key()));
  CHECK(c5->connect() == kNotAuthorized);
  auto c3 = make_client(b.port(), "plt-3", mint(user_claims("alice", "acme", "plt-3"), kf.key()), 4);
  CHECK(c3->connect() == kV3Refused);
  auto svc = make_client(b.port(), "plt-svc", mint(service_claims("relay", "plt-svc"), kf.key()));
  CHECK(svc->connect() == kNotAuthorized);
  CHECK(b.wait_log("no TICK", 2000ms));
  CHECK(b.running());
  check_log_has_no_token(b);
}

TEST_CASE("JWKS: a new key works after SIGHUP and after the file merely changes; an expired session survives SIGHUP") {
  KeyFile kf;
  constexpr std::size_t kPadded = 8192;
  write_keeping_stamp(kf.path(), kf.jwks_text(), kPadded);
  Mosquitto b(broker_options(kf));
  const int port = b.port();

  // A session whose token is within the 30 s leeway now and past it in a few seconds.
  auto old_claims = user_claims("olga", "acme", "olga-old", {});
  old_claims.iat = now_s() - 100;
  old_claims.exp = now_s() - 27;
  const std::string old_token = mint(old_claims, kf.key());
  auto old = make_client(port, old_claims.cid, old_token);
  REQUIRE(old->connect() == 0);
  auto steady = connect_user(port, kf.key(), "sven", "acme", {}, 4);

  // SIGHUP: the file gets k2 but keeps its inode, size and mtime, so only the signal reloads it.
  kf.add("k2", false);
  const std::string k2_token = mint(user_claims("kate", "acme", "kate-k2", {}), kf.key(1));
  {
    auto c = make_client(port, "kate-k2", k2_token);
    CHECK(c->connect() == kNotAuthorized);  // unknown_kid
  }
  write_keeping_stamp(kf.path(), kf.jwks_text(), kPadded);
  std::this_thread::sleep_for(1500ms);
  {
    auto c = make_client(port, "kate-k2", k2_token);
    WARN_MESSAGE(c->connect() != 0, "the file watcher saw a same-size, same-mtime change; SIGHUP not isolated");
  }
  while (now_f() < static_cast<double>(old_claims.exp) + 31.5) std::this_thread::sleep_for(100ms);
  {
    auto c = make_client(port, "olga-old2", old_token);  // cid mismatch aside, expired first
    CHECK(c->connect() == kNotAuthorized);
  }
  b.sighup();
  REQUIRE(b.wait_log("Reloading config", 5000ms));
  CHECK(connects_within(port, "kate-k2", k2_token, 2000ms));
  std::this_thread::sleep_for(1000ms);
  CHECK(old->connected());  // its token expired while connected: SIGHUP re-auth does not check exp
  CHECK(steady->connected());
  {
    auto again = make_client(port, old_claims.cid + "x", old_token);
    CHECK(again->connect() == kNotAuthorized);
  }

  // File change alone: k3 appended, no signal.
  kf.add("k3", false);
  const std::string k3_token = mint(user_claims("kurt", "acme", "kurt-k3", {}), kf.key(2));
  {
    auto c = make_client(port, "kurt-k3", k3_token);
    CHECK(c->connect() == kNotAuthorized);
  }
  kf.write();
  CHECK(connects_within(port, "kurt-k3", k3_token, 3000ms));

  // A broken JWKS written over it keeps the previous keys.
  {
    std::ofstream out(kf.path(), std::ios::binary | std::ios::trunc);
    out << "{broken";
  }
  std::this_thread::sleep_for(1800ms);
  CHECK(b.log().find("JWKS reload") != std::string::npos);
  auto k1_again = connect_user(port, kf.key(0), "sven", "acme", {}, 5);
  CHECK(connects_within(port, "kurt-k3b", mint(user_claims("kurt", "acme", "kurt-k3b", {}), kf.key(2)), 500ms));
  CHECK(b.running());
  CHECK(old->connected());
  check_log_has_no_token(b);
}

TEST_CASE("JWKS: a removed key ends its sessions at SIGHUP; sessions on kept keys stay, expired ones too") {
  KeyFile kf;
  kf.add("k2");
  Mosquitto b(broker_options(kf));
  const int port = b.port();
  auto expired_claims = user_claims("olga", "acme", "olga-k1", {});
  expired_claims.iat = now_s() - 100;
  expired_claims.exp = now_s() - 27;
  auto expired_k1 = make_client(port, expired_claims.cid, mint(expired_claims, kf.key(0)));
  REQUIRE(expired_k1->connect() == 0);
  auto fresh_k1 = connect_user(port, kf.key(0), "sven", "acme", {}, 5);
  auto on_k2 = connect_user(port, kf.key(1), "kim", "acme", {}, 5);
  const std::string k2_token = mint(user_claims("kim", "acme", "kim-2", {}), kf.key(1));
  while (now_f() < static_cast<double>(expired_claims.exp) + 31.5) std::this_thread::sleep_for(100ms);

  kf.remove("k2");
  REQUIRE(b.wait_log("a key was removed or changed", 3000ms));  // the file watcher reloaded
  CHECK(make_client(port, "kim-2", k2_token)->connect() == kNotAuthorized);
  CHECK(on_k2->connected());  // a file change alone re-authenticates nobody
  b.sighup();
  REQUIRE(b.wait_log("Reloading config", 5000ms));
  CHECK(on_k2->wait_disconnected(3000ms));
  CHECK(expired_k1->connected());  // re-verified as of its iat: the key is kept, expiry is not re-checked
  CHECK(fresh_k1->connected());
  check_log_has_no_token(b);
}

TEST_CASE("mosquitto.conf.example as-is (ports and paths substituted) accepts a valid token and refuses a bad one") {
  std::string conf = harness::read_file(std::filesystem::path(AMO_SOURCE_DIR) / "mosquitto.conf.example");
  REQUIRE_FALSE(conf.empty());
  KeyFile kf;
  std::smatch m;
  REQUIRE(std::regex_search(conf, m, std::regex(R"(\nplugin_opt_issuer (\S+))")));
  const std::string issuer = m[1];

  int substituted = 0;
  auto sub = [&](const std::string& pattern, const std::string& replacement) {
    const std::regex re(pattern);
    if (std::regex_search(conf, re)) ++substituted;
    conf = std::regex_replace(conf, re, replacement);
  };
  sub(R"(\nlistener 1883 127\.0\.0\.1)", "\nlistener {TCP_PORT} 127.0.0.1");
  sub(R"(\nlistener 8080 127\.0\.0\.1)", "\nlistener {WS_PORT} 127.0.0.1");
  sub(R"(\nplugin \S+)", "\nplugin {PLUGIN}");
  sub(R"(\nplugin_opt_jwks_file \S+)", "\nplugin_opt_jwks_file " + kf.path());
  sub(R"(\nplugin_opt_schema_dir \S+)", std::string("\nplugin_opt_schema_dir ") + AMO_SOURCE_DIR + "/schemas");
  sub(R"(\nlog_dest syslog)", "\nlog_dest file {LOG_FILE}");
  REQUIRE(substituted == 6);

  auto o = broker_options(kf);
  o.websockets = true;
  o.full_config = conf;
  Mosquitto b(o);
  CHECK(harness::port_accepts(b.ws_port()));

  auto good = user_claims("alice", "acme", "example-good", {"T1"});
  good.iss = issuer;
  auto ok = make_client(b.port(), good.cid, mint(good, kf.key()));
  CHECK(ok->connect() == 0);
  CHECK(ok->subscribe({"amo/acme/user/alice/#", "amo/acme/user/bob/#"}, 1) == std::vector<int>{1, kNotAuthorized});
  CHECK(accepted(ok->publish("amo/acme/thread/T1/chat", chat("cmid-example-1"), 1)));
  CHECK(ok->publish("amo/acme/thread/T1/chat", "not json", 1) == kNotAuthorized);

  // max_packet_size: a service's 64 KiB envelope passes; a bigger packet ends the connection
  // (MQTT 3.1.1: a v5 client would learn the limit from CONNACK and not send it).
  auto svc_claims = service_claims("relay", "example-relay");
  svc_claims.iss = issuer;
  auto relay = make_client(b.port(), svc_claims.cid, mint(svc_claims, kf.key()));
  REQUIRE(relay->connect() == 0);
  CHECK(accepted(relay->publish("amo/acme/thread/T1/events", std::string(65536, 'x'), 1)));
  auto big_claims = user_claims("alice", "acme", "example-big", {"T1"});
  big_claims.iss = issuer;
  auto big = make_client(b.port(), big_claims.cid, mint(big_claims, kf.key()), 4);
  REQUIRE(big->connect() == 0);
  big->publish("amo/acme/thread/T1/chat", std::string(70000, 'x'), 1);
  CHECK(big->wait_disconnected(5000ms));

  auto bad = user_claims("alice", "acme", "example-bad", {"T1"});  // our test issuer, not the example's
  auto refused = make_client(b.port(), bad.cid, mint(bad, kf.key()));
  CHECK(refused->connect() == kNotAuthorized);
  auto v3 = make_client(b.port(), "example-v3", "garbage", 4);
  CHECK(v3->connect() == kV3Refused);
  check_log_has_no_token(b);
}
