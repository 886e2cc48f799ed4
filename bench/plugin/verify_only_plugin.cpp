// bench_verify_only.so: the limit a Mosquitto 2.0.11 auth plugin can reach on connects
// (DESIGN §3). Its BASIC_AUTH does exactly one signature check of the password token with the
// one key of `plugin_opt_jwks_file` (core's verify_signature, as ours calls it) and allows:
// no header, claims, ACL or session work. `plugin_opt_cache true` first looks the token's
// SHA-256 up among those already verified (VerifiedCache): what a cache of verified tokens
// could at most give reconnects. Benchmark only; never installed.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <openssl/evp.h>

#include <cstring>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "bench/plugin/verified_cache.h"
#include "core/token/base64url.h"
#include "core/token/jwks.h"
#include "core/token/jws.h"
#include "io/files.h"

namespace {

// A real cache would take exp from the claims it checks anyway; this plugin reads no claims,
// so it keeps an entry for the longest user token lifetime (max_token_ttl default).
constexpr std::int64_t kCacheSeconds = 300;

struct State {
  mosquitto_plugin_id_t* id = nullptr;
  amo::token::KeySet keys;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string signature;
  bool use_cache = false;
  amo::bench::VerifiedCache cache;
  ~State() { EVP_MD_CTX_free(ctx); }
};

bool signature_ok(State& s, std::string_view token) {
  amo::token::CompactParts parts;
  if (amo::token::split_compact(token, parts) != amo::token::Status::ok) return false;
  if (!amo::token::base64url_decode(parts.signature, s.signature)) return false;
  return amo::token::verify_signature(s.keys.keys().front(), parts.signing_input, s.signature, s.ctx) ==
         amo::token::Status::ok;
}

int on_basic_auth(int, void* event_data, void* userdata) {
  auto* ev = static_cast<mosquitto_evt_basic_auth*>(event_data);
  auto& s = *static_cast<State*>(userdata);
  const std::string_view token = ev->password ? ev->password : "";
  if (!s.use_cache) return signature_ok(s, token) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_AUTH;

  const std::int64_t now = std::time(nullptr);
  const amo::plugin::TokenDigest d = amo::plugin::digest_of(token);
  if (auto it = s.cache.find(d); it != s.cache.end()) {
    if (it->second > now) return MOSQ_ERR_SUCCESS;
    s.cache.erase(it);
  }
  if (!signature_ok(s, token)) return MOSQ_ERR_AUTH;
  s.cache.emplace(d, now + kCacheSeconds);
  return MOSQ_ERR_SUCCESS;
}

}  // namespace

extern "C" {

#define AMO_EXPORT __attribute__((visibility("default")))

AMO_EXPORT int mosquitto_plugin_version(int count, const int* versions) {
  for (int i = 0; i < count; ++i)
    if (versions[i] == 5) return 5;
  return -1;
}

AMO_EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata, struct mosquitto_opt* options,
                                     int option_count) {
  auto s = std::make_unique<State>();
  s->id = identifier;
  std::string jwks_file;
  for (int i = 0; i < option_count; ++i) {
    const std::string_view k = options[i].key ? options[i].key : "";
    const std::string_view v = options[i].value ? options[i].value : "";
    if (k == "jwks_file") jwks_file = v;
    if (k == "cache") s->use_cache = v == "true";
  }
  try {
    auto r = amo::token::parse_jwks(amo::io::read_file(jwks_file));
    if (r.status != amo::token::JwksStatus::ok || r.keys.size() != 1) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "bench_verify_only: need a JWKS of exactly one key in %s", jwks_file.c_str());
      return MOSQ_ERR_INVAL;
    }
    s->keys = std::move(r.keys);
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "bench_verify_only: %s", e.what());
    return MOSQ_ERR_INVAL;
  }
  if (!s->ctx || mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr, s.get()) !=
                     MOSQ_ERR_SUCCESS)
    return MOSQ_ERR_INVAL;
  *userdata = s.release();
  return MOSQ_ERR_SUCCESS;
}

AMO_EXPORT int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt*, int) {
  std::unique_ptr<State> s(static_cast<State*>(userdata));
  if (s) mosquitto_callback_unregister(s->id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr);
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
