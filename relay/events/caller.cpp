#include "relay/events/caller.h"

#include <chrono>
#include <stdexcept>

#include "core/token/claims.h"
#include "core/token/jwks.h"
#include "core/token/verify.h"
#include "daemon/auth/portal_session.h"
#include "daemon/auth/verify_policy.h"
#include "daemon/log/log.h"
#include "relay/events/connection_pool.h"
#include "relay/events/events_sql.h"

namespace amo::relay {
namespace {

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

token::KeySet load_keys(const std::string& path) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("jwks_file: ") + e.what());
  }
  auto parsed = token::parse_jwks(text);
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

Authenticator::Authenticator(const config::Config& config, ConnectionPool& pool) : config_(config), pool_(pool) {
  portal_ = std::make_unique<auth::PortalSessionVerifier>(auth::PortalSessionVerifier::files_of(config));
  if (portal_->enabled()) {
    if (auto error = portal_->load(); !error.empty()) throw std::runtime_error(error);
  }
  keys_ = std::make_unique<token::KeySet>(load_keys(config.jwks_file));
  stamp_ = io::stamp_of(config.jwks_file);
  verifier_ = std::make_unique<token::Verifier>(auth::verify_policy(config));
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
  if (!text && portal_->enabled() && request.cookie(config_.portal_session_cookie)) return from_cookie(request);
  if (!text) return {std::nullopt, 401, "credentials required: Authorization: Bearer, ?token= or the session cookie"};
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

AuthResult Authenticator::from_cookie(const http::Request& request) {
  if (auto error = portal_->reload_if_changed(); !error.empty())
    log::warning("portal keys not reloaded, keeping the previous ones: " + error);
  auth::PortalSession session;
  const auto status = portal_->authenticate(request, config_.portal_session_cookie, now_s(), session);
  if (status != auth::SessionStatus::ok)
    return {std::nullopt, 401, "invalid session: " + std::string(auth::name(status))};
  std::optional<UserRow> user;
  std::vector<std::string> threads;
  try {
    auto c = pool_.borrow();
    c->with_retry([&](pqxx::connection& conn) {
      user = user_row(conn, session.amo, session.sub);
      if (user) threads = user_threads(conn, session.amo, session.sub);
      return 0;
    });
  } catch (const std::exception& e) {
    log::warning(std::string("session check: database unavailable: ") + e.what());
    return {std::nullopt, 503, "database unavailable"};
  }
  // DESIGN §7's rule: unknown, inactive, or revoked at or after the session's iat.
  if (!user || !user->active || user->revoked_before >= session.iat) {
    log::audit("events refused: tenant=" + session.amo + " user=" + session.sub + " reason=" +
               (!user           ? "unknown user"
                : !user->active ? "inactive user"
                                : "session revoked"));
    return {std::nullopt, 403, "user unknown, inactive or revoked"};
  }
  Caller caller;
  caller.scope = make_scope(session.amo, session.sub, threads);
  caller.iat = session.iat;
  caller.exp = session.exp;
  return {std::move(caller), 200, {}};
}

}  // namespace amo::relay
