#pragma once
// Keys, a valid claim set and a payload builder shared by the core/token tests.
#include <string>
#include <utility>
#include <vector>

#include "core/json/write.h"
#include "core/token/claims.h"
#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "core/token/verify.h"

namespace amo::token::test {

inline constexpr std::int64_t kNow = 1'700'000'000;
inline constexpr const char* kIssuer = "https://portal.example";

inline VerifyPolicy policy() {
  VerifyPolicy p;
  p.issuer = kIssuer;
  return p;
}

inline Claims good_claims() {
  Claims c;
  c.iss = kIssuer;
  c.aud = {"amo-realtime"};
  c.sub = "u1";
  c.amo = "AMO1";
  c.jti = new_jti();
  c.cid = "web-u1.tab:1";
  c.threads = {"TH1", "TH2"};
  c.iat = kNow;
  c.exp = kNow + 120;
  return c;
}

// Private keys for signing and the public set a verifier loads, built the way a
// deployment does: public JWKS text for the asymmetric keys, the oct key as its secret.
struct Keys {
  Key ed = generate_key(Alg::EdDSA, "ed1");
  Key ec = generate_key(Alg::ES256, "ec1");
  Key hs = generate_key(Alg::HS256, "hs1");
  KeySet verify_set;

  Keys() {
    const Key* pub[] = {&ed, &ec};
    JwksResult r = parse_jwks(to_jwks(pub, false));
    verify_set = std::move(r.keys);
    verify_set.add(*make_oct_key("hs1", hs.secret));
  }
};

// Payload members as raw JSON values, in order, so a test can drop or bend any one.
struct Payload {
  std::vector<std::pair<std::string, std::string>> members;

  static std::string str(std::string_view s) {
    std::string out;
    amo::json::append_string(out, s);
    return out;
  }

  explicit Payload(const Claims& c = good_claims()) {
    members = {{"iss", str(c.iss)},   {"aud", str(c.aud.at(0))},   {"sub", str(c.sub)},
               {"amo", str(c.amo)},   {"iat", std::to_string(c.iat)}, {"exp", std::to_string(c.exp)},
               {"jti", str(c.jti)},   {"cid", str(c.cid)},         {"threads", "[\"TH1\"]"},
               {"role", str("user")}};
  }
  Payload& set(const std::string& key, std::string raw) {
    for (auto& m : members)
      if (m.first == key) {
        m.second = std::move(raw);
        return *this;
      }
    members.emplace_back(key, std::move(raw));
    return *this;
  }
  Payload& erase(const std::string& key) {
    std::erase_if(members, [&](const auto& m) { return m.first == key; });
    return *this;
  }
  std::string json() const {
    std::string out = "{";
    for (const auto& [k, v] : members) {
      if (out.size() > 1) out += ',';
      out += str(k) + ":" + v;
    }
    return out + "}";
  }
};

inline std::string header_for(const Key& k) {
  return "{\"alg\":\"" + std::string(name(k.alg)) + "\",\"typ\":\"amo-connect+jwt\",\"kid\":\"" + k.kid + "\"}";
}

}  // namespace amo::token::test
