// POST /api/realtime/token and GET /.well-known/jwks.json on the real amo-token-service
// (DESIGN §7, §2): a token it issues connects through the plugin and can do exactly what its
// `topics` say; 401/403/422/400/413; threads narrowing; claims exactly per §2; unique cid;
// JWKS without private members; CORS; and no token, cookie or secret in its log.
#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <set>

#include "core/ids.h"
#include "core/token/base64url.h"
#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "tests/token-service/ts_fixture.h"

using namespace amo::ts_test;
using amo::harness::HttpClient;
using amo::harness::now_s;

namespace {

Stack& stack() {
  static Stack s(Stack::Options{.service_extra = std::string(kGenerousRates) + "log_level = \"debug\"\n"});
  return s;
}

json decode_segment(const std::string& token, int index) {
  std::size_t from = 0;
  for (int i = 0; i < index; ++i) from = token.find('.', from) + 1;
  const std::size_t to = token.find('.', from);
  std::string bytes;
  REQUIRE(amo::token::base64url_decode(token.substr(from, to - from), bytes));
  return json::parse(bytes);
}

std::string payload_for(const std::string& topic) {
  if (topic.ends_with("/chat")) return chat_json("cmid-" + std::to_string(now_s()));
  if (topic.ends_with("/read")) return read_json("read-" + std::to_string(now_s()), 0);
  if (topic.ends_with("/typing")) return R"({"v":1,"kind":"chat.typing","payload":{"state":"start"}})";
  return R"({"v":1,"kind":"replay.request","payload":{"after":0}})";
}

int status_of(const amo::harness::HttpResponse& r) {
  return r.status;
}

}  // namespace

TEST_CASE("a token from the service connects through the plugin and can do exactly what its topics say") {
  Stack& s = stack();
  s.add_user("A1", "alice", {"T1", "T2"});
  s.add_user("A1", "bob", {"T3"});
  const std::string session = s.session("A1", "alice");
  const json answer = s.issue(session);

  const auto& sub = answer["topics"]["subscribe"];
  const auto& pub = answer["topics"]["publish"];
  CHECK(sub == json::array({"amo/A1/user/alice/#", "amo/A1/thread/T1/#", "amo/A1/thread/T2/#", "amo/A1/broadcast/#"}));
  CHECK(pub == json::array({"amo/A1/thread/T1/chat", "amo/A1/thread/T1/typing", "amo/A1/thread/T1/read",
                            "amo/A1/thread/T2/chat", "amo/A1/thread/T2/typing", "amo/A1/thread/T2/read",
                            "amo/A1/user/alice/cmd/replay"}));

  int connack = -1;
  auto client = s.mqtt_client(answer, &connack);
  REQUIRE(connack == 0);
  for (const auto& f : sub) {
    CAPTURE(f);
    CHECK(client->subscribe({f.get<std::string>()}, 1) == std::vector<int>{1});
  }
  for (const auto& t : pub) {
    CAPTURE(t);
    CHECK(accepted(client->publish(t.get<std::string>(), payload_for(t.get<std::string>()), 1)));
  }
  // Anything outside the lists is refused.
  for (const std::string f : {"amo/A1/thread/T3/#", "amo/A1/user/bob/#", "amo/A2/broadcast/#", "amo/A1/#",
                              "amo/A1/user/+/#", "$CONTROL/#", "#"}) {
    CAPTURE(f);
    CHECK(client->subscribe({f}, 1) == std::vector<int>{kNotAuthorized});
  }
  for (const std::string t :
       {"amo/A1/thread/T3/chat", "amo/A1/broadcast/events", "amo/A1/user/bob/cmd/replay", "amo/A1/thread/T1/events"}) {
    CAPTURE(t);
    CHECK(client->publish(t, payload_for(t), 1) == kNotAuthorized);
  }
  CHECK(client->connected());
}

TEST_CASE("the answer and the claims are exactly DESIGN §7 and §2") {
  Stack& s = stack();
  s.add_user("A1", "claire", {"T1"});
  const std::int64_t session_exp = now_s() + 1800;
  const std::string session = s.session("A1", "claire", -5, 1800);
  const std::int64_t before = now_s();
  const json answer = s.issue(session);
  const std::int64_t after = now_s();

  std::set<std::string> members;
  for (auto& [k, v] : answer.items()) members.insert(k);
  CHECK(members == std::set<std::string>{"token", "expires_at", "client_id", "broker_url", "topics"});
  CHECK(answer["broker_url"] == "ws://127.0.0.1:1/mqtt");

  const std::string token = answer["token"];
  const json header = decode_segment(token, 0);
  CHECK(header == json{{"alg", "EdDSA"}, {"typ", "amo-connect+jwt"}, {"kid", "k1"}});
  const json claims = decode_segment(token, 1);
  std::set<std::string> names;
  for (auto& [k, v] : claims.items()) names.insert(k);
  CHECK(names ==
        std::set<std::string>{"iss", "aud", "sub", "amo", "iat", "exp", "jti", "cid", "threads", "role", "sess_exp"});
  CHECK(claims["iss"] == amo::harness::kIssuer);
  CHECK(claims["aud"] == "amo-realtime");
  CHECK(claims["sub"] == "claire");
  CHECK(claims["amo"] == "A1");
  CHECK(claims["role"] == "user");
  CHECK(claims["threads"] == json::array({"T1"}));
  CHECK(claims["cid"] == answer["client_id"]);
  CHECK(claims["iat"].get<std::int64_t>() >= before);
  CHECK(claims["iat"].get<std::int64_t>() <= after);
  CHECK(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>() == 120);  // token_ttl
  CHECK(answer["expires_at"] == claims["exp"]);
  CHECK(claims["sess_exp"].get<std::int64_t>() == session_exp);
  CHECK(amo::is_valid_jti(claims["jti"].get<std::string>()));
  CHECK(amo::is_valid_cid(claims["cid"].get<std::string>()));
}

TEST_CASE("cid and jti are new at every issue, and each token connects with its own cid") {
  Stack& s = stack();
  s.add_user("A1", "carl", {});
  const std::string session = s.session("A1", "carl");
  std::set<std::string> cids, jtis;
  std::vector<std::unique_ptr<amo::harness::TestClient>> clients;
  for (int i = 0; i < 4; ++i) {
    const json a = s.issue(session);
    cids.insert(a["client_id"].get<std::string>());
    jtis.insert(decode_segment(a["token"], 1)["jti"].get<std::string>());
    int connack = -1;
    clients.push_back(s.mqtt_client(a, &connack));
    CHECK(connack == 0);
  }
  CHECK(cids.size() == 4);
  CHECK(jtis.size() == 4);
  for (auto& c : clients) CHECK(c->connected());
}

TEST_CASE("threads: narrowed by the body, 403 outside the memberships, 422 past 128, 400 bad JSON, 413 too big") {
  Stack& s = stack();
  s.add_user("A1", "dora", {"T1", "T2", "T3"});
  const std::string session = s.session("A1", "dora");
  json a = s.issue(session, R"({"threads":["T2"]})");
  CHECK(decode_segment(a["token"], 1)["threads"] == json::array({"T2"}));
  CHECK(a["topics"]["subscribe"] == json::array({"amo/A1/user/dora/#", "amo/A1/thread/T2/#", "amo/A1/broadcast/#"}));
  int connack = -1;
  auto client = s.mqtt_client(a, &connack);
  REQUIRE(connack == 0);
  CHECK(client->subscribe({"amo/A1/thread/T2/#"}, 1) == std::vector<int>{1});
  CHECK(client->subscribe({"amo/A1/thread/T1/#"}, 1) == std::vector<int>{kNotAuthorized});

  a = s.issue(session, R"({"threads":[]})");
  CHECK_FALSE(decode_segment(a["token"], 1).contains("threads"));
  a = s.issue(session, "{}");
  CHECK(decode_segment(a["token"], 1)["threads"] == json::array({"T1", "T2", "T3"}));

  auto r = s.post("/api/realtime/token", session, R"({"threads":["T1","T9"]})");
  CHECK(r.status == 403);
  CHECK(json::parse(r.body)["error"] == "not a member of thread T9");
  std::string many = "{\"threads\":[";
  for (int i = 0; i < 129; ++i) many += (i ? ",\"T" : "\"T") + std::to_string(i) + "\"";
  many += "]}";
  CHECK(status_of(s.post("/api/realtime/token", session, many)) == 422);
  CHECK(status_of(s.post("/api/realtime/token", session, "{\"threads\":")) == 400);
  CHECK(status_of(s.post("/api/realtime/token", session, R"({"threads":["T1"],"threads":["T2"]})")) == 400);
  CHECK(status_of(s.post("/api/realtime/token", session, R"({"rooms":["T1"]})")) == 400);
  // A member name that tries to forge audit fields and lines stays inside detail="…", escaped.
  CHECK(status_of(s.post("/api/realtime/token", session, R"({"x\" user=admin\nforged":1})")) == 400);
  REQUIRE(wait_until([&] { return s.service->log().find("unknown member") != std::string::npos; }, 5s));
  CHECK(s.service->log().find(R"(detail="unknown member \"x\\\" user=admin\\nforged\"")") != std::string::npos);
  CHECK(s.service->log().find("\nforged") == std::string::npos);
  CHECK(status_of(s.post("/api/realtime/token", session, "{\"threads\":[\"" + std::string(17000, 'x') + "\"]}")) ==
        413);
}

TEST_CASE("a user in more than 128 threads must name the ones the page needs") {
  Stack& s = stack();
  std::vector<std::string> threads;
  for (int i = 0; i < 130; ++i) threads.push_back("M" + std::to_string(i));
  s.add_user("A1", "many", threads);
  const std::string session = s.session("A1", "many");
  CHECK(status_of(s.post("/api/realtime/token", session)) == 422);
  const json a = s.issue(session, R"({"threads":["M5","M129"]})");
  CHECK(decode_segment(a["token"], 1)["threads"] == json::array({"M5", "M129"}));
}

TEST_CASE("401 without a valid portal session; the cookie works like the Bearer header") {
  Stack& s = stack();
  s.add_user("A1", "erik", {});
  CHECK(status_of(s.post("/api/realtime/token", "")) == 401);
  CHECK(status_of(s.post("/api/realtime/token", "not-a-jwt")) == 401);
  CHECK(status_of(s.post("/api/realtime/token", s.session("A1", "erik", -100, -1))) == 401);   // expired
  CHECK(status_of(s.post("/api/realtime/token", s.session("A1", "erik", 120, 3600))) == 401);  // iat in the future
  const auto forged = amo::token::make_oct_key("x", std::string(40, 'f'));
  const std::string forged_session = amo::token::sign_jws(
      R"({"alg":"HS256"})", json{{"sub", "erik"}, {"amo_id", "A1"}, {"iat", now_s()}, {"exp", now_s() + 60}}.dump(),
      *forged);
  CHECK(status_of(s.post("/api/realtime/token", forged_session)) == 401);
  const auto basic = s.post("/api/realtime/token", "", "", {{"Authorization", "Basic ZXJpazpwdw=="}});
  CHECK(basic.status == 401);
  CHECK(json::parse(basic.body).contains("error"));

  const std::string session = s.session("A1", "erik");
  const auto by_cookie = s.post("/api/realtime/token", "", "", {{"Cookie", "theme=dark; session=" + session}});
  CHECK(by_cookie.status == 200);
  s.secrets().push_back(json::parse(by_cookie.body)["token"]);
  CHECK(by_cookie.header("cache-control") == "no-store");
  CHECK(status_of(s.post("/api/realtime/token", "", "", {{"Cookie", "other=" + session}})) == 401);
}

TEST_CASE("403 for an unknown, inactive or revoked user; a session from before token_revoked_at is refused") {
  Stack& s = stack();
  CHECK(status_of(s.post("/api/realtime/token", s.session("A1", "nobody"))) == 403);
  s.add_user("A1", "fay", {"T1"}, false);
  auto r = s.post("/api/realtime/token", s.session("A1", "fay"));
  CHECK(r.status == 403);
  CHECK(json::parse(r.body)["error"] == "inactive_user");
  // Same user id in another tenant is another user.
  CHECK(status_of(s.post("/api/realtime/token", s.session("A2", "fay"))) == 403);

  s.add_user("A1", "gus", {"T1"});
  const std::string old_session = s.session("A1", "gus", -10);
  CHECK(status_of(s.post("/api/realtime/token", old_session)) == 200);
  s.pg.exec("UPDATE realtime_users SET token_revoked_at = now() WHERE amo_id = 'A1' AND user_id = 'gus'");
  r = s.post("/api/realtime/token", old_session);
  CHECK(r.status == 403);
  CHECK(json::parse(r.body)["error"] == "revoked_session");
  // A session issued in the second of the revocation is refused too (token_revoked_at ≥ iat)…
  CHECK(status_of(s.post("/api/realtime/token", s.session("A1", "gus", 0))) == 403);
  // …one issued after it is not.
  CHECK(status_of(s.post("/api/realtime/token", s.session("A1", "gus", 2))) == 200);
}

TEST_CASE("rate limits: 429 with Retry-After per user (tokens, messages) and per client IP") {
  Stack& s = stack();
  s.add_user("A1", "lou", {"TL"});
  s.add_user("A1", "max", {"TL"});
  auto service = s.start_service(
      "token_rate = 1\ntoken_burst = 2\nip_rate = 1\nip_burst = 6\nmessage_rate = 1\nmessage_burst = 2\n");
  auto post = [&](const std::string& path, const std::string& session, const std::string& ip,
                  const std::string& body = {}) {
    HttpClient client(service->http_port());
    amo::harness::HttpHeaders h{
        {"Authorization", "Bearer " + session}, {"X-Forwarded-For", ip}, {"Connection", "close"}};
    auto r = client.request("POST", path, h, body);
    if (r.status == 200) s.secrets().push_back(json::parse(r.body)["token"]);
    return r;
  };
  const std::string lou = s.session("A1", "lou"), max = s.session("A1", "max");
  // Per user: token_burst 2, then 429 with a whole number of seconds to wait.
  CHECK(post("/api/realtime/token", lou, "198.51.100.1").status == 200);
  CHECK(post("/api/realtime/token", lou, "198.51.100.2").status == 200);
  auto r = post("/api/realtime/token", lou, "198.51.100.3");
  CHECK(r.status == 429);
  CHECK(std::stoi(r.header("retry-after")) >= 1);
  CHECK(json::parse(r.body)["error"] == "too many requests for this user");
  // Another user is not held back by lou's limit.
  CHECK(post("/api/realtime/token", max, "198.51.100.4").status == 200);
  // Messages per user: message_burst 2.
  CHECK(post("/api/realtime/messages", max, "198.51.100.5", chat_json("rate-msg-0001", "a", "TL")).status == 201);
  CHECK(post("/api/realtime/messages", max, "198.51.100.5", chat_json("rate-msg-0002", "b", "TL")).status == 201);
  r = post("/api/realtime/messages", max, "198.51.100.5", chat_json("rate-msg-0003", "c", "TL"));
  CHECK(r.status == 429);
  CHECK(r.has_header("retry-after"));
  // Per client IP (the edge's X-Forwarded-For from loopback): ip_burst 6 whatever the session.
  int ok = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    const auto a = post("/api/realtime/token", "no-session", "203.0.113.77");
    ok += a.status == 401;
    if (a.status == 429) {
      ++limited;
      CHECK(std::stoi(a.header("retry-after")) >= 1);
      CHECK(json::parse(a.body)["error"] == "too many requests from this address");
    }
  }
  CHECK(ok == 6);
  CHECK(limited == 2);
  CHECK(post("/api/realtime/token", "no-session", "203.0.113.78").status == 401);
  CHECK(service->log().find("token refused reason=rate_limited_ip") != std::string::npos);
  CHECK(service->log().find("token refused reason=rate_limited_user amo=A1 user=lou") != std::string::npos);
  const std::string metrics = amo::harness::http_get(service->http_port(), "/metrics").body;
  CHECK(metrics.find("amo_token_service_refusals_total{reason=\"rate_limited_ip\"} 2") != std::string::npos);
  check_no_secret(service->log(), s.secrets(), "rate-limited token service");
}

TEST_CASE("GET /.well-known/jwks.json serves the public halves only, of every key of signing_key_file") {
  Stack& s = stack();
  amo::harness::TempDir dir("amo-ts-jwks");
  const auto ed = amo::token::generate_key(amo::token::Alg::EdDSA, "old-ed");
  const auto es = amo::token::generate_key(amo::token::Alg::ES256, "mid-es");
  const auto hs = amo::token::generate_key(amo::token::Alg::HS256, "hs");
  const auto last = amo::token::generate_key(amo::token::Alg::EdDSA, "new-ed");
  const amo::token::Key* all[] = {&ed, &es, &hs, &last};
  const std::string file = dir.write("signing.jwks", amo::token::to_jwks(all, true)).string();
  auto service = s.start_service(kGenerousRates, {{"signing_key_file", "\"" + file + "\""}});
  for (int port : {s.service->http_port(), service->http_port()}) {
    const auto r = amo::harness::http_get(port, "/.well-known/jwks.json");
    REQUIRE(r.status == 200);
    CHECK(r.body.find("\"d\"") == std::string::npos);
    CHECK(r.body.find("\"k\"") == std::string::npos);
    const json jwks = json::parse(r.body);
    REQUIRE(jwks["keys"].is_array());
    CHECK_FALSE(jwks["keys"].empty());
    for (const auto& k : jwks["keys"]) {
      CAPTURE(k.dump());
      for (const char* secret_member : {"d", "k", "p", "q", "dp", "dq", "qi", "oth"})
        CHECK_FALSE(k.contains(secret_member));
      CHECK(k["kty"] != "oct");
    }
    CHECK(amo::token::parse_jwks(r.body).status == amo::token::JwksStatus::ok);
  }
  const json served = json::parse(amo::harness::http_get(service->http_port(), "/.well-known/jwks.json").body);
  std::vector<std::string> kids;
  for (const auto& k : served["keys"]) kids.push_back(k["kid"]);
  CHECK(kids == std::vector<std::string>{"old-ed", "mid-es", "new-ed"});
  // It signs with the last key.
  s.add_user("A1", "hal", {});
  const auto r = amo::harness::HttpClient(service->http_port())
                     .request("POST", "/api/realtime/token",
                              {{"Authorization", "Bearer " + s.session("A1", "hal")}, {"Connection", "close"}});
  REQUIRE(r.status == 200);
  s.secrets().push_back(json::parse(r.body)["token"]);
  CHECK(decode_segment(json::parse(r.body)["token"], 0)["kid"] == "new-ed");
  check_no_secret(service->log(), s.secrets(), "second token service");
}

TEST_CASE("SIGHUP re-reads the keys (a new portal secret is used at once) and does not stop the service") {
  Stack& s = stack();
  amo::harness::TempDir dir("amo-ts-hup");
  const std::string path = dir.write("portal_secret", s.portal_secret).string();
  auto service = s.start_service(kGenerousRates, {{"portal_secret_file", "\"" + path + "\""}});
  s.add_user("A1", "hup", {});
  auto post = [&](const std::string& session) {
    HttpClient client(service->http_port());
    auto r = client.request("POST", "/api/realtime/token",
                            {{"Authorization", "Bearer " + session}, {"Connection", "close"}});
    if (r.status == 200) s.secrets().push_back(json::parse(r.body)["token"]);
    return r.status;
  };
  CHECK(post(s.session("A1", "hup")) == 200);
  const std::string rotated = amo::token::new_jti() + amo::token::new_jti();
  s.secrets().push_back(rotated);
  dir.write("portal_secret", rotated);
  service->signal(SIGHUP);
  REQUIRE(service->wait_log("SIGHUP: reloading keys", 5s));
  const auto key = amo::token::make_oct_key("p", rotated);
  const std::int64_t now = now_s();
  const std::string session = amo::token::sign_jws(
      R"({"alg":"HS256"})", json{{"sub", "hup"}, {"amo_id", "A1"}, {"iat", now}, {"exp", now + 600}}.dump(), *key);
  s.secrets().push_back(session);
  CHECK(wait_until([&] { return post(session) == 200; }, 5s));
  CHECK(post(s.session("A1", "hup")) == 401);  // the old secret is gone
  CHECK(service->running());
  check_no_secret(service->log(), s.secrets(), "reloaded token service");
}

TEST_CASE("CORS from cors_origins: the allowed origin is echoed with credentials, others get nothing") {
  Stack& s = stack();
  auto service = s.start_service(std::string(kGenerousRates) + "cors_origins = \"https://portal.test\"\n");
  HttpClient client(service->http_port());
  auto pre = client.request("OPTIONS", "/api/realtime/token",
                            {{"Origin", "https://portal.test"},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "authorization"}});
  CHECK(pre.status == 204);
  CHECK(pre.header("access-control-allow-origin") == "https://portal.test");
  CHECK(pre.header("access-control-allow-credentials") == "true");
  s.add_user("A1", "ida", {});
  auto r = client.request("POST", "/api/realtime/token",
                          {{"Origin", "https://portal.test"}, {"Authorization", "Bearer " + s.session("A1", "ida")}});
  CHECK(r.status == 200);
  s.secrets().push_back(json::parse(r.body)["token"]);
  CHECK(r.header("access-control-allow-origin") == "https://portal.test");
  r = client.request("POST", "/api/realtime/token",
                     {{"Origin", "https://evil.test"}, {"Authorization", "Bearer " + s.session("A1", "ida")}});
  s.secrets().push_back(json::parse(r.body)["token"]);
  CHECK_FALSE(r.has_header("access-control-allow-origin"));
}

TEST_CASE("healthz, readyz with database and broker up, and the issuance metrics") {
  Stack& s = stack();
  CHECK(amo::harness::http_get(s.service->http_port(), "/healthz").status == 200);
  CHECK(s.service->wait_ready(10s));
  CHECK(s.metric("amo_tokens_issued_total") >= 1);
  CHECK(s.metric("amo_token_service_refusals_total{reason=\"no_session\"}") >= 1);
  CHECK(s.metric("amo_token_service_refusals_total{reason=\"revoked_session\"}") >= 1);
}

TEST_CASE("no token, cookie or secret appears in the token service's or the broker's log") {
  Stack& s = stack();
  // Issuance and every refusal path once more, at log_level debug.
  s.add_user("A1", "jon", {"T1"});
  s.issue(s.session("A1", "jon"));
  s.post("/api/realtime/token", "", "", {{"Cookie", "session=" + s.session("A1", "jon")}});
  s.post("/api/realtime/token", s.session("A1", "nobody"));
  s.post("/api/realtime/token", "", "", {{"Cookie", "session=" + s.session("A1", "nobody")}});
  s.post("/api/realtime/token", s.session("A1", "erik", -100, -1));
  const std::string log = s.service->log();
  if (std::getenv("AMO_SHOW_LOG")) MESSAGE(log);
  CHECK(log.find("token issued") != std::string::npos);
  CHECK(log.find("token refused") != std::string::npos);
  check_no_secret(log, s.secrets(), "token service log");
  check_no_secret(s.broker->log(), s.secrets(), "broker log");
}
