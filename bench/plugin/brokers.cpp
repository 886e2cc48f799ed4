#include "bench/plugin/brokers.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <stdexcept>

#include "core/token/claims.h"
#include "core/token/sign.h"

namespace amo::bench {
namespace {

constexpr const char* kIssuer = "https://portal.bench";
constexpr const char* kDynsecPlugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
constexpr const char* kDynsecPassword = "bench-password";
constexpr int kDynsecIterations = 101;  // what mosquitto_ctrl dynsec writes

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::string acl(std::string_view type, const std::string& topic, bool allow = true, int priority = 0) {
  return R"({"acltype":")" + std::string(type) + R"(","topic":")" + topic + R"(","priority":)" +
         std::to_string(priority) + R"(,"allow":)" + (allow ? "true" : "false") + "}";
}

// Receive and subscribe under `filter`.
std::string read_acls(const std::string& filter) {
  return acl("subscribePattern", filter) + "," + acl("publishClientReceive", filter);
}

std::string role(const std::string& name, const std::string& acls) {
  return R"({"rolename":")" + name + R"(","acls":[)" + acls + "]}";
}

// DESIGN §3 as dynsec roles: tenant broadcast, one role per user namespace (2.0.11's dynsec
// has no %u substitution), one per thread (read, but chat/read are inbound only; post chat,
// typing, read), and a service role over amo/#. Nothing is allowed by default, receiving
// included, so every delivery is checked as ours checks it.
std::string dynsec_json(int users) {
  unsigned char salt[12];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("RAND_bytes failed");
  unsigned char hash[64];
  if (PKCS5_PBKDF2_HMAC(kDynsecPassword, static_cast<int>(std::string_view(kDynsecPassword).size()), salt,
                        sizeof salt, kDynsecIterations, EVP_sha512(), sizeof hash, hash) != 1)
    throw std::runtime_error("PBKDF2 failed");
  const std::string pw = R"("password":")" + base64(hash, sizeof hash) + R"(","salt":")" +
                         base64(salt, sizeof salt) + R"(","iterations":)" + std::to_string(kDynsecIterations);
  const std::string amo = "amo/" + std::string(kAmo);

  std::string clients, roles;
  clients.reserve(static_cast<std::size_t>(users) * 260);
  roles.reserve(static_cast<std::size_t>(users) * 260);
  roles += role("tenant", read_acls(amo + "/broadcast/#"));
  roles += "," + role("service", acl("publishClientSend", "amo/#") + "," + read_acls("amo/#"));
  for (int t = 0; t < kThreads; ++t) {
    const std::string base = amo + "/thread/T" + std::to_string(t);
    roles += "," + role("thread-T" + std::to_string(t),
                        acl("publishClientReceive", base + "/chat", false, 1) + "," +
                            acl("publishClientReceive", base + "/read", false, 1) + "," + read_acls(base + "/#") +
                            "," + acl("publishClientSend", base + "/chat") + "," +
                            acl("publishClientSend", base + "/typing") + "," + acl("publishClientSend", base + "/read"));
  }
  clients += R"({"username":"svc",)" + pw + R"(,"roles":[{"rolename":"service"}]})";
  for (int i = 0; i < users; ++i) {
    const std::string u = user_name(i);
    roles += "," + role("user-" + u, read_acls(amo + "/user/" + u + "/#") + "," +
                                        acl("publishClientSend", amo + "/user/" + u + "/cmd/replay"));
    clients += R"(,{"username":")" + u + R"(",)" + pw + R"(,"roles":[{"rolename":"tenant"},{"rolename":"user-)" +
               u + R"("},{"rolename":"thread-)" + thread_of(i) + R"("}]})";
  }
  return R"({"defaultACLAccess":{"publishClientSend":false,"publishClientReceive":false,"subscribe":false,)"
         R"("unsubscribe":true},"clients":[)" +
         clients + R"(],"groups":[],"roles":[)" + roles + "]}";
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view name(Kind k) {
  switch (k) {
    case Kind::bare: return "bare";
    case Kind::dynsec: return "dynsec";
    case Kind::ours: return "ours";
    case Kind::verify: return "bare+verify";
    case Kind::verify_cached: return "bare+verify+cache";
  }
  return "?";
}

std::string user_name(int user) { return "u" + std::to_string(user); }
std::string thread_of(int user) { return "T" + std::to_string(user % kThreads); }

Fixture::Fixture(int users) : users_(users) {
  for (std::size_t i = 0; i < count(token::Alg{}); ++i) {
    const auto alg = static_cast<token::Alg>(i);
    Signer s{token::generate_key(alg, "bench-" + std::string(token::name(alg))), {}};
    const token::Key* keys[] = {&s.key};
    // An oct key has no public half: its JWKS carries the secret (to_jwks leaves it out otherwise).
    s.jwks_path = dir_.write("jwks-" + std::string(token::name(alg)) + ".json",
                             token::to_jwks(keys, alg == token::Alg::HS256))
                      .string();
    signers_.push_back(std::move(s));
  }
  dynsec_path_ = dir_.write("dynsec.json", dynsec_json(users)).string();
}

std::string Fixture::notes() {
  return "All three: `per_listener_settings false`, `persistence false`, `log_type error`+`warning`, "
         "`connection_messages false`, `max_connections -1`, `max_inflight_messages 0` (2.0.11 strands QoS 1 "
         "messages queued behind a full inflight window: 384 of 4,400 chat messages never reached the "
         "subscriber with the default 20; the generator bounds what is in flight instead), MQTT 3.1.1 "
         "clients on 127.0.0.1. "
         "Ours: `plugin_opt_publish_rate 1000000`, `plugin_opt_publish_burst 1000000`, "
         "`plugin_opt_max_conn_per_tenant 1000000` (raised so limits do not distort throughput), other "
         "options default (`max_conn_per_user 10`). Dynsec: one client per user (PBKDF2-SHA512, 101 "
         "iterations, as mosquitto_ctrl writes), roles tenant (broadcast), user-u<i> (own namespace: "
         "2.0.11 dynsec has no %u), thread-T<k> (read the thread except chat/read; send chat/typing/read), "
         "service (amo/#); default ACL access all false, so every delivery is checked as ours does.";
}

std::unique_ptr<harness::Mosquitto> Fixture::start(Kind k, token::Alg alg) const {
  harness::Mosquitto::Options o;
  o.websockets = false;
  std::string c =
      "per_listener_settings false\n"
      "persistence false\n"
      "log_dest file {LOG_FILE}\n"
      "log_type error\n"
      "log_type warning\n"
      "connection_messages false\n"
      "listener {TCP_PORT} 127.0.0.1\n"
      "max_connections -1\n"
      "max_inflight_messages 0\n";
  switch (k) {
    case Kind::bare:
      c += "allow_anonymous true\n";
      break;
    case Kind::dynsec:
      o.plugin_path = kDynsecPlugin;
      c += "allow_anonymous false\nplugin {PLUGIN}\nplugin_opt_config_file " + dynsec_path_ + "\n";
      break;
    case Kind::ours:
      o.plugin_path = AMO_PLUGIN_PATH;
      c += "allow_anonymous false\nplugin {PLUGIN}\n"
           "plugin_opt_jwks_file " + signer(alg).jwks_path + "\n"
           "plugin_opt_issuer " + kIssuer + "\n"
           "plugin_opt_publish_rate 1000000\n"
           "plugin_opt_publish_burst 1000000\n"
           "plugin_opt_max_conn_per_tenant 1000000\n";
      break;
    case Kind::verify:
    case Kind::verify_cached:
      o.plugin_path = AMO_VERIFY_PLUGIN_PATH;
      c += "allow_anonymous false\nplugin {PLUGIN}\nplugin_opt_jwks_file " + signer(alg).jwks_path + "\n";
      if (k == Kind::verify_cached) c += "plugin_opt_cache true\n";
      break;
  }
  o.full_config = c;
  return std::make_unique<harness::Mosquitto>(o);
}

Creds Fixture::user(Kind k, int user, const std::string& client_id, token::Alg alg) const {
  if (user >= users_) throw std::logic_error("user outside the dynsec population");
  switch (k) {
    case Kind::dynsec: return {client_id, user_name(user), kDynsecPassword};
    // Bare gets the very CONNECT ours gets (username + token as password) and ignores it:
    // the broker stores it either way, so the only difference measured is the plugin.
    case Kind::bare:
    case Kind::ours:
    case Kind::verify:
    case Kind::verify_cached: break;
  }
  return with_token(client_id, "u", user_name(user), std::string(kAmo), {thread_of(user)}, Role::user, 300, alg);
}

Creds Fixture::service(Kind k, const std::string& client_id) const {
  switch (k) {
    case Kind::dynsec: return {client_id, "svc", kDynsecPassword};
    case Kind::bare:  // the same CONNECT bytes as ours, see user()
    case Kind::ours:
    case Kind::verify:
    case Kind::verify_cached: break;
  }
  return with_token(client_id, "svc", "bench-svc", std::string(token::kSystemAmo), {}, Role::service, 3600);
}

Creds Fixture::with_token(const std::string& client_id, const std::string& username, std::string sub, std::string amo,
                          std::vector<std::string> threads, Role role, std::int64_t ttl, token::Alg alg) const {
  token::Claims c;
  c.iss = kIssuer;
  c.aud = {"amo-realtime"};
  c.sub = std::move(sub);
  c.amo = std::move(amo);
  c.cid = client_id;
  c.threads = std::move(threads);
  c.role = role;
  c.iat = now_s();
  c.exp = c.iat + ttl;
  c.jti = token::new_jti();
  std::string t = token::sign(c, signer(alg).key);
  if (t.empty()) throw std::runtime_error("token signing failed");
  return {client_id, username, std::move(t)};
}

}  // namespace amo::bench
