// BASIC_AUTH against a live broker (DESIGN §2, §3): every token rejection class refused at
// CONNACK for MQTT 3.1.1 and 5, counted by reason in the stats document; username overwrite.
#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

std::string header(const std::string& alg = "EdDSA", const std::string& typ = "amo-connect+jwt",
                   const std::string& kid = "k1", const std::string& extra = {}) {
  return R"({"alg":")" + alg + R"(","typ":")" + typ + R"(","kid":")" + kid + "\"" + extra + "}";
}

json claims_json(const token::Claims& c) {
  json j{{"iss", c.iss}, {"aud", c.aud.size() == 1 ? json(c.aud[0]) : json(c.aud)},
         {"sub", c.sub}, {"amo", c.amo},
         {"iat", c.iat}, {"exp", c.exp},
         {"jti", c.jti}, {"cid", c.cid},
         {"role", c.role == Role::service ? "service" : "user"}};
  if (!c.threads.empty()) j["threads"] = c.threads;
  return j;
}

std::string raw(const std::string& header_json, const std::string& payload_json) {
  std::string t = token::sign_jws(header_json, payload_json, key());
  REQUIRE_FALSE(t.empty());
  return remember(t);
}

struct Case {
  std::string reason;  // the stats key the refusal must count under
  std::string cid;     // MQTT client id to connect with
  std::string token;
};

// One token per rejection class, for the client id `cid` (each case its own id).
std::vector<Case> rejection_cases(const std::string& suffix) {
  std::vector<Case> cases;
  auto base = [&](const std::string& name) { return user_claims("alice", "acme", "rej-" + name + suffix, {"T1"}); };
  auto add = [&](const std::string& reason, const token::Claims& c) { cases.push_back({reason, c.cid, mint(c, key())}); };
  auto add_raw = [&](const std::string& reason, const std::string& cid, const std::string& t) {
    cases.push_back({reason, cid, t});
  };

  {
    auto c = base("expired");
    c.iat = now_s() - 200;
    c.exp = now_s() - 100;
    add("expired", c);
  }
  {
    auto c = base("badsig");
    token::Key other = token::generate_key(token::Alg::EdDSA, "k1");  // same kid, not in the JWKS
    cases.push_back({"bad_signature", c.cid, remember(token::sign(c, other))});
  }
  {
    auto c = base("kid");
    token::Key other = token::generate_key(token::Alg::EdDSA, "nope");
    cases.push_back({"unknown_kid", c.cid, remember(token::sign(c, other))});
  }
  {
    auto c = base("iss");
    c.iss = "https://evil.test";
    add("wrong_issuer", c);
  }
  {
    auto c = base("aud");
    c.aud = {"someone-else"};
    add("wrong_audience", c);
  }
  {
    auto c = base("ttl");
    c.exp = c.iat + 301;
    add("lifetime_too_long", c);
  }
  {
    auto c = base("future");
    c.iat = now_s() + 120;
    c.exp = c.iat + 60;
    add("issued_in_future", c);
  }
  {
    auto c = base("nbf");
    c.nbf = now_s() + 120;
    add("not_yet_valid", c);
  }
  {
    auto c = base("sessexp");
    c.sess_exp = now_s() - 5;
    add("session_expired", c);
  }
  {
    auto c = base("badid");
    c.amo = "ac+me";
    add("bad_id", c);
  }
  {
    auto c = base("threads");
    c.threads.clear();
    for (int i = 0; i < 129; ++i) c.threads.push_back("T" + std::to_string(i));
    add("too_many_threads", c);
  }
  {
    auto c = base("jti");
    c.jti = "short";
    add("bad_jti", c);
  }
  {
    auto c = base("mismatch");
    cases.push_back({"client_id_mismatch", "someone-elses-id" + suffix, mint(c, key())});
  }
  {
    auto c = base("role");
    auto j = claims_json(c);
    j["role"] = "admin";
    add_raw("bad_role", c.cid, raw(header(), j.dump()));
  }
  {
    auto c = base("sysuser");
    c.amo = "system";  // a user token may not speak for the system tenant
    auto j = claims_json(c);
    add_raw("bad_id", c.cid, raw(header(), j.dump()));
  }
  {
    auto c = base("algnone");
    add_raw("alg_none", c.cid, raw(header("none"), claims_json(c).dump()));
  }
  {
    auto c = base("algmis");
    add_raw("alg_mismatch", c.cid, raw(header("ES256"), claims_json(c).dump()));
  }
  {
    auto c = base("typ");
    add_raw("bad_typ", c.cid, raw(header("EdDSA", "JWT"), claims_json(c).dump()));
  }
  {
    auto c = base("jku");
    add_raw("forbidden_header", c.cid,
            raw(header("EdDSA", "amo-connect+jwt", "k1", R"(,"jku":"https://evil.test/jwks")"), claims_json(c).dump()));
  }
  {
    auto c = base("missing");
    auto j = claims_json(c);
    j.erase("jti");
    add_raw("missing_claim", c.cid, raw(header(), j.dump()));
  }
  {
    auto c = base("type");
    auto j = claims_json(c);
    j["exp"] = "later";
    add_raw("bad_claim_type", c.cid, raw(header(), j.dump()));
  }
  {
    auto c = base("dup");
    auto text = claims_json(c).dump();
    text.insert(1, R"("sub":"mallory",)");  // sub twice: duplicate keys are refused
    add_raw("duplicate_key", c.cid, raw(header(), text));
  }
  add_raw("malformed", "rej-malformed" + suffix, remember("not-a-token-at-all"));
  add_raw("bad_base64", "rej-b64" + suffix, remember("e30.e30.@@@@"));
  add_raw("too_large", "rej-large" + suffix, remember("eyJ" + std::string(17000, 'A') + ".e30.AAAA"));
  return cases;
}

}  // namespace

TEST_CASE("valid user and service tokens connect over MQTT 5 and 3.1.1") {
  auto v5 = connect_user(broker().port(), key(), "alice", "acme", {"T1"}, 5);
  auto v3 = connect_user(broker().port(), key(), "alice", "acme", {"T1"}, 4);
  auto svc = connect_service(broker().port(), key(), "relay");
  CHECK(v5->connected());
  CHECK(v3->connected());
  CHECK(svc->connected());
}

TEST_CASE("every token rejection class is refused: CONNACK 0x87 (v5) and 5 (v3.1.1), counted by reason") {
  auto stats = connect_service(broker().port(), key(), "stats");
  REQUIRE(stats->subscribe({kStatsTopic}, 0) == std::vector<int>{0});
  std::map<std::string, int> expected;
  for (int version : {5, 4}) {
    const auto cases = rejection_cases("-v" + std::to_string(version));
    for (const auto& c : cases) {
      CAPTURE(c.reason);
      CAPTURE(version);
      auto client = make_client(broker().port(), c.cid, c.token, version);
      CHECK(client->connect() == (version == 5 ? kNotAuthorized : kV3Refused));
      CHECK_FALSE(client->connected());
      ++expected[c.reason];
    }
  }
  {
    auto empty = make_client(broker().port(), "rej-empty", "", 5);
    CHECK(empty->connect() == kNotAuthorized);
    ++expected["no_token"];
  }
  CHECK(broker().running());

  const json doc = wait_stats(*stats, [&](const json& d) {
    for (const auto& [reason, n] : expected)
      if (count_at(d, "auth_denied", reason) < n) return false;
    return true;
  });
  for (const auto& [reason, n] : expected) {
    CAPTURE(reason);
    CAPTURE(doc.dump());
    CHECK(count_at(doc, "auth_denied", reason) >= n);
  }
}

TEST_CASE("an expired token is refused while a fresh one for the same cid connects") {
  auto c = user_claims("bob", "acme", "bob-fresh", {});
  c.iat = now_s() - 200;
  c.exp = now_s() - 40;  // past the 30 s leeway
  auto old = make_client(broker().port(), c.cid, mint(c, key()), 5);
  CHECK(old->connect() == kNotAuthorized);
  auto fresh = make_client(broker().port(), c.cid, mint(user_claims("bob", "acme", "bob-fresh", {}), key()), 5);
  CHECK(fresh->connect() == 0);
}

TEST_CASE("the plugin overwrites the username: 'acme:bob' as username still only reaches alice's namespace") {
  const std::string cid = "alice-posing";
  for (int version : {5, 4}) {
    CAPTURE(version);
    auto c = make_client(broker().port(), cid + std::to_string(version),
                         mint(user_claims("alice", "acme", cid + std::to_string(version), {"T1"}), key()), version,
                         "acme:bob");
    REQUIRE(c->connect() == 0);
    const int fail = version == 5 ? kNotAuthorized : kV3SubFail;
    CHECK(c->subscribe({"amo/acme/user/bob/#", "amo/acme/user/alice/#"}, 1) == std::vector<int>{fail, 1});
  }
}

TEST_CASE("the stats document has the DESIGN §3 keys and moving counters") {
  auto stats = connect_service(broker().port(), key(), "stats2");
  REQUIRE(stats->subscribe({kStatsTopic}, 0) == std::vector<int>{0});
  const json first = wait_stats(*stats, [](const json& d) { return d.is_object(); });
  REQUIRE(first.is_object());
  for (const char* k : {"connections", "auth_ok", "schema_rejected", "rate_dropped"}) {
    CAPTURE(k);
    REQUIRE(first.contains(k));
    CHECK(first[k].is_number_integer());
  }
  for (const char* k : {"auth_denied", "acl_denied", "kicked"}) {
    CAPTURE(k);
    REQUIRE(first.contains(k));
    CHECK(first[k].is_object());
  }
  for (const char* k : {"expired", "revoked", "abuse"}) {
    CAPTURE(k);
    CHECK(first["kicked"].contains(k));
  }
  CHECK(first["connections"].get<std::int64_t>() >= 1);  // this service client at least

  // An expired token and a successful connect move their counters; a new live session counts.
  const auto ok_before = first["auth_ok"].get<std::int64_t>();
  const auto expired_before = count_at(first, "auth_denied", "expired");
  auto c = user_claims("carol", "acme", "carol-expired", {});
  c.iat = now_s() - 250;
  c.exp = now_s() - 60;
  auto expired = make_client(broker().port(), c.cid, mint(c, key()), 5);
  CHECK(expired->connect() == kNotAuthorized);
  auto live = connect_user(broker().port(), key(), "carol", "acme", {}, 5);
  const json after = wait_stats(*stats, [&](const json& d) {
    return count_at(d, "auth_denied", "expired") > expired_before && d["auth_ok"].get<std::int64_t>() > ok_before;
  });
  CHECK(count_at(after, "auth_denied", "expired") >= expired_before + 1);
  CHECK(after["auth_ok"].get<std::int64_t>() >= ok_before + 1);
  CHECK(after["connections"].get<std::int64_t>() >= 2);
}

TEST_CASE("the broker log never contains a token") {
  CHECK(broker().running());
  check_log_has_no_token(broker());
}
