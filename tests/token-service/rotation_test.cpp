// Signing key rotation (DESIGN §2, docs/signing-key-rotation.md) against a live broker and
// token service while clients keep fetching tokens and connecting: the verifier learns the new
// key, the token service appends it and signs with it, the old key's longest token lifetime is
// waited out, the old key goes — and no connect fails. token_ttl is 5 s here to keep the wait
// short (token_ttl + the 30 s leeway).
#include <doctest/doctest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "core/token/base64url.h"
#include "core/token/jwks.h"
#include "tests/token-service/ts_fixture.h"

using namespace amo::ts_test;
using Clock = std::chrono::steady_clock;

namespace {

std::string jwks(std::vector<const amo::token::Key*> keys, bool with_private) {
  return amo::token::to_jwks(keys, with_private);
}

std::string kid_of(const std::string& token) {
  std::string header;
  REQUIRE(amo::token::base64url_decode(token.substr(0, token.find('.')), header));
  return json::parse(header)["kid"];
}

}  // namespace

TEST_CASE("append, wait, remove: no connect fails while the signing key rotates") {
  Stack s;
  s.add_user("A1", "rot", {"T1"});
  amo::harness::TempDir dir("amo-rotation");
  const auto svc = amo::token::generate_key(amo::token::Alg::EdDSA, "svc");
  const auto k1 = amo::token::generate_key(amo::token::Alg::EdDSA, "k1");
  const auto k2 = amo::token::generate_key(amo::token::Alg::EdDSA, "k2");
  const std::string broker_jwks = dir.write("broker.jwks.json", jwks({&svc, &k1}, false)).string();
  const std::string signing = dir.write("signing.jwks", jwks({&k1}, true)).string();
  const std::string service_signing = dir.write("service.jwks", jwks({&svc}, true)).string();

  amo::harness::Mosquitto::Options o;
  o.websockets = false;
  const char* override_path = std::getenv("AMO_TEST_PLUGIN");
  o.plugin_path = override_path && *override_path ? override_path : AMO_PLUGIN_PATH;
  o.plugin_opts = {{"jwks_file", broker_jwks}, {"issuer", amo::harness::kIssuer}};
  amo::harness::Mosquitto broker(o);
  auto service = s.start_service(std::string(kGenerousRates) + "token_ttl = 5\n",
                                 {{"broker_port", std::to_string(broker.port())},
                                  {"signing_key_file", "\"" + signing + "\""},
                                  {"service_signing_key_file", "\"" + service_signing + "\""},
                                  {"jwks_file", "\"" + broker_jwks + "\""}});

  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, int> connects_by_kid;
  std::vector<std::string> failures;
  std::atomic<bool> k2_seen{false};
  auto loop = [&] {
    const std::string session = s.session("A1", "rot");
    while (!stop) {
      amo::harness::HttpClient http(service->http_port());
      const auto r = http.request("POST", "/api/realtime/token",
                                  {{"Authorization", "Bearer " + session}, {"Connection", "close"}});
      if (r.status != 200) {
        std::lock_guard lock(mutex);
        failures.push_back("token endpoint " + std::to_string(r.status));
        continue;
      }
      const json a = json::parse(r.body);
      amo::harness::ClientOptions co;
      co.port = broker.port();
      co.client_id = a["client_id"];
      co.password = a["token"];
      amo::harness::TestClient c(co);
      const int code = c.connect();
      const std::string kid = kid_of(a["token"]);
      std::lock_guard lock(mutex);
      if (code != 0) failures.push_back("connect " + std::to_string(code) + " with kid " + kid);
      ++connects_by_kid[kid];
      if (kid == "k2") k2_seen = true;
      c.disconnect();
      std::this_thread::sleep_for(10ms);  // a steady stream, not a load test
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < 2; ++i) clients.emplace_back(loop);

  std::this_thread::sleep_for(1500ms);
  // 1. The verifier learns k2 (it reloads the file within a second).
  dir.write("broker.jwks.json", jwks({&svc, &k1, &k2}, false));
  REQUIRE(broker.wait_log("JWKS reloaded, 3 keys", 10s));
  std::this_thread::sleep_for(500ms);
  // 2. The token service appends k2 and signs with it.
  dir.write("signing.jwks", jwks({&k1, &k2}, true));
  REQUIRE(wait_until([&] { return k2_seen.load(); }, 10s));
  REQUIRE(service->wait_log("signing with kid k2", 5s));
  // 3. The longest a k1 token may still be used: token_ttl + 30 s of leeway.
  std::this_thread::sleep_for(36s);
  // 4. k1 goes: from the token service first, then from the verifier.
  dir.write("signing.jwks", jwks({&k2}, true));
  REQUIRE(wait_until(
      [&] {
        return amo::harness::http_get(service->http_port(), "/.well-known/jwks.json").body.find("\"k1\"") ==
               std::string::npos;
      },
      10s));
  dir.write("broker.jwks.json", jwks({&svc, &k2}, false));
  REQUIRE(broker.wait_log("JWKS reloaded, 2 keys", 10s));
  std::this_thread::sleep_for(2s);
  stop = true;
  for (auto& t : clients) t.join();

  std::lock_guard lock(mutex);
  std::cerr << "rotation: " << connects_by_kid["k1"] << " connects with k1, " << connects_by_kid["k2"] << " with k2, "
            << failures.size() << " failed\n";
  for (const auto& f : failures) MESSAGE(f);
  CHECK(failures.empty());
  CHECK(connects_by_kid["k1"] > 0);
  CHECK(connects_by_kid["k2"] > 0);
  // And a token signed with the removed key no longer connects.
  amo::token::Claims c = amo::harness::user_claims("rot", "A1", "A1:rot:late");
  amo::harness::ClientOptions co;
  co.port = broker.port();
  co.client_id = c.cid;
  co.password = amo::harness::mint(c, k1);
  amo::harness::TestClient late(co);
  CHECK(late.connect() == kNotAuthorized);
}
