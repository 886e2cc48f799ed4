#include "relay/events/caller.h"

#include <chrono>
#include <stdexcept>

#include "core/token/claims.h"
#include "core/token/jwks.h"
#include "core/token/verify.h"
#include "daemon/log/log.h"

namespace amo::relay {
namespace {

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

token::KeySet load_keys(const std::string& path) {
  auto parsed = token::parse_jwks(io::read_file(path));
  if (parsed.status != token::JwksStatus::ok)
    throw std::runtime_error("jwks_file: " + std::string(token::name(parsed.status)) + " " + parsed.detail);
  return std::move(parsed.keys);
}

std::optional<std::string> bearer(const http::Request& r) {
  const std::string_view h = r.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() > kBearer.size() && h.substr(0, kBearer.size()) == kBearer) return std::string(h.substr(kBearer.size()));
  return std::nullopt;
}

}  // namespace

Authenticator::Authenticator(const config::Config& config) : config_(config) {
  keys_ = std::make_unique<token::KeySet>(load_keys(config.jwks_file));
  stamp_ = io::stamp_of(config.jwks_file);
  token::VerifyPolicy policy;
  policy.issuer = config.issuer;
  policy.audience = config.audience;
  policy.max_token_ttl = config.max_token_ttl;
  policy.max_service_token_ttl = config.max_service_token_ttl;
  verifier_ = std::make_unique<token::Verifier>(policy);
}

Authenticator::~Authenticator() = default;

void Authenticator::reload_if_changed() {
  const std::int64_t now = now_s();
  if (now == checked_at_) return;  // at most once a second
  checked_at_ = now;
  const auto stamp = io::stamp_of(config_.jwks_file);
  if (stamp == stamp_) return;
  try {
    auto keys = load_keys(config_.jwks_file);
    *keys_ = std::move(keys);
    stamp_ = stamp;
    log::info("jwks_file reloaded: " + std::to_string(keys_->size()) + " keys");
  } catch (const std::exception& e) {
    // Keep the keys that worked; say why the new file was not taken.
    stamp_ = stamp;
    log::warning(std::string("jwks_file not reloaded, keeping the previous keys: ") + e.what());
  }
}

AuthResult Authenticator::authenticate(const http::Request& request) {
  auto text = bearer(request);
  if (!text) text = request.query_param("token");
  if (!text) return {std::nullopt, 401, "credentials required: Authorization: Bearer or ?token="};
  token::Claims claims;
  token::Status status;
  {
    std::lock_guard lock(mutex_);
    reload_if_changed();
    status = verifier_->verify(*text, *keys_, now_s(), claims);
  }
  if (status != token::Status::ok) return {std::nullopt, 401, "invalid token: " + std::string(token::name(status))};
  if (claims.role != Role::user) return {std::nullopt, 403, "events are read with a user token"};
  Caller caller;
  caller.scope = make_scope(claims.amo, claims.sub, claims.threads);
  caller.iat = claims.iat;
  caller.exp = claims.exp;
  return {std::move(caller), 200, {}};
}

}  // namespace amo::relay
