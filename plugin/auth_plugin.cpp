#include "plugin/auth_plugin.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/ids.h"
#include "plugin/token_digest.h"

namespace amo::plugin {

Clock Clock::read() noexcept {
  using namespace std::chrono;
  const auto wall = system_clock::now().time_since_epoch();
  return Clock{duration_cast<seconds>(wall).count(), duration_cast<milliseconds>(wall).count(),
               duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count()};
}

namespace {
token::KeySet parse_keys_or_throw(std::string_view text) {
  auto r = token::parse_jwks(text);
  if (r.status != token::JwksStatus::ok)
    throw std::runtime_error("jwks_file: " + std::string(token::name(r.status)) + ": " + r.detail);
  return std::move(r.keys);
}

std::unique_ptr<envelope::SchemaSet> load_schemas_or_throw(const std::vector<envelope::SchemaFile>& files) {
  auto r = envelope::load_schemas(files);
  if (!r.set) throw std::runtime_error("schema_dir: " + r.error);
  return std::move(r.set);
}
}  // namespace

AuthPlugin::AuthPlugin(Options options, std::string jwks_text, std::vector<envelope::SchemaFile> schema_files,
                       LogFn log, std::int64_t start_mono_ns)
    : options_(std::move(options)),
      log_(std::move(log)),
      keys_(parse_keys_or_throw(jwks_text)),
      verifier_(token::VerifyPolicy{options_.issuer, options_.audience, options_.max_token_ttl,
                                    options_.max_service_token_ttl, token::kLeewaySeconds}),
      schemas_(load_schemas_or_throw(schema_files)),
      validator_(*schemas_, static_cast<std::size_t>(options_.max_payload)),
      rate_limits_{static_cast<double>(options_.publish_rate), static_cast<double>(options_.publish_burst)},
      start_mono_ns_(start_mono_ns) {}

void AuthPlugin::audit(LogLevel level, std::string_view event, const Session* s, std::string_view reason,
                       std::string_view extra) {
  if (level < options_.log_level) return;
  std::string line = "amo-realtime audit event=";
  line += event;
  if (s) {
    line += " amo=";
    line += s->amo();
    line += " user=";
    line += s->sub();
    line += " cid=" + s->cid + " jti=";
    line += s->jti();
  }
  if (!reason.empty()) {
    line += " reason=";
    line += reason;
  }
  if (!extra.empty()) {
    line += ' ';
    line += extra;
  }
  log_(level, line);
}

template <typename Reason>
AuthResult AuthPlugin::refuse(Reason reason, std::string_view cid, const token::Claims* c) {
  stats_.denied(reason);
  // Ids in the log come from a verified token or were checked against the cid grammar.
  std::string who = "cid=" + std::string(amo::is_valid_cid(cid) ? cid : "<invalid>");
  if (c) who += " amo=" + c->amo + " user=" + c->sub + " jti=" + c->jti;
  audit(LogLevel::warning, "connect_refused", nullptr, name(reason), who);
  return {};
}

AuthResult AuthPlugin::on_basic_auth(const void* client, std::string_view client_id, std::string_view password,
                                     const Clock& now) {
  if (reauth_pass_) return reauth(client, client_id, password);
  if (Session* tracked = sessions_.find(client)) {
    // Only SIGHUP re-authenticates a live client (above), and a live client is never freed
    // without DISCONNECT; so this one was offline: Mosquitto expired that durable session
    // (no DISCONNECT) and reused its memory for this new connection.
    if (tracked->online) return recheck(*tracked, client_id, password);
    sessions_.remove(client);
  }

  if (!tick_seen_ && now.mono_ns - start_mono_ns_ > 2'000'000'000) {
    if (!no_tick_logged_) {
      log_(LogLevel::error,
           "amo-realtime: no TICK event 2 s after start: expiry and revocation cannot work, refusing every "
           "connection. Set per_listener_settings false in mosquitto.conf.");
      no_tick_logged_ = true;
    }
    return refuse(stats::ConnectStatus::no_tick, client_id, nullptr);
  }
  if (password.empty()) return refuse(stats::ConnectStatus::no_token, client_id, nullptr);
  if (auto st = verifier_.verify(password, keys_, now.now_s, claims_); st != token::Status::ok)
    return refuse(st, client_id, nullptr);
  const token::Claims& c = claims_;
  if (client_id != c.cid) {
    return refuse(stats::ConnectStatus::client_id_mismatch, client_id, &c);
  }
  std::string user_key = c.amo + ":" + c.sub;
  if (revocations_.is_revoked(user_key, c.jti, c.iat)) {
    return refuse(stats::ConnectStatus::revoked, client_id, &c);
  }
  if (c.role == Role::user) {
    if (auto st = sessions_.admit(c.cid, user_key, options_.max_conn_per_user, options_.max_conn_per_tenant);
        st != stats::ConnectStatus::ok) {
      return refuse(st, client_id, &c);
    }
  } else if (Session* other = sessions_.find_cid(c.cid); other && other->user_key() != user_key) {
    return refuse(stats::ConnectStatus::client_id_in_use, client_id, &c);
  }

  Session s{client, c.cid, Session::identity(c.amo, c.sub, c.jti), c.threads, c.iat, c.exp, 0,
            rate_for(c.cid, user_key, now.mono_ns), c.role};
  s.keys_epoch = keys_epoch_;
  s.token = digest_of(password);
  if (c.role == Role::user) {
    // sess_exp absent or beyond max_session is capped at connect time + max_session.
    const std::int64_t cap = now.now_s + options_.max_session;
    s.sess_exp = c.sess_exp ? std::min(*c.sess_exp, cap) : cap;
  }
  Session& added = sessions_.add(std::move(s));
  ++stats_.auth_ok;
  audit(LogLevel::info, "connect", &added, {},
        added.role == Role::service ? "role=service" : "sess_exp=" + std::to_string(added.sess_exp));
  return AuthResult{true, user_key};
}

// A reconnect does not refill the bucket, and after an abuse kick the user waits out the cooldown.
RateLimit AuthPlugin::rate_for(std::string_view cid, std::string_view user_key, std::int64_t now_ns) {
  RateLimit r = sessions_.rate_for(cid, user_key).value_or(RateLimit(rate_limits_, now_ns));
  if (const std::int64_t until = sessions_.cooldown_until(user_key); until > now_ns)
    r.cool_down(rate_limits_, now_ns, until - now_ns);
  return r;
}

// BASIC_AUTH during the SIGHUP pass (on_reload): a client the broker keeps, live or offline.
AuthResult AuthPlugin::reauth(const void* client, std::string_view client_id, std::string_view password) {
  if (Session* s = sessions_.find(client)) return recheck(*s, client_id, password);
  // Offline and not (or no longer) ours: ended at sess_exp, revoked, or a clean start with a
  // session expiry. Refused, 2.0.11 would disconnect it a second time (see close()). Accepted,
  // it stays unknown: every ACL check, MESSAGE and CONTROL of an unknown client is denied.
  return AuthResult{true, {}};
}

// Re-checks a tracked session in place, counting nothing again: the broker's stored client id
// and token must still be the ones it was admitted with, then its signature (with the reloaded
// keys) and revocation, not expiry. Verifying "as of" the token's own iat checks every rule
// except the clock. While every key that verified it is still loaded unchanged (keys_epoch),
// the earlier signature check still holds.
AuthResult AuthPlugin::recheck(Session& s, std::string_view client_id, std::string_view password) {
  if (client_id != s.cid) return refuse_reauth(s, stats::ConnectStatus::client_id_mismatch);
  if (!same_token(s.token, password)) return refuse_reauth(s, token::Status::bad_signature);
  token::Status st = token::Status::ok;
  if (s.keys_epoch != keys_epoch_) {
    st = verifier_.verify(password, keys_, s.iat, claims_);
    if (st == token::Status::ok && claims_.jti != s.jti()) st = token::Status::bad_signature;
    if (st == token::Status::ok) s.keys_epoch = keys_epoch_;
  }
  if (st != token::Status::ok) return refuse_reauth(s, st);
  if (revocations_.is_revoked(s.user_key(), s.jti(), s.iat)) return refuse_reauth(s, stats::ConnectStatus::revoked);
  return AuthResult{true, s.online ? std::string(s.user_key()) : std::string{}};
}

// 2.0.11 disconnects a live client whose re-auth fails; until then its ACL checks deny. An
// offline one is never refused (see close()): it is forgotten, so every check denies.
template <typename Reason>
AuthResult AuthPlugin::refuse_reauth(Session& s, Reason reason) {
  stats_.denied(reason);
  audit(LogLevel::warning, "reauth_refused", &s, name(reason), s.online ? std::string_view{} : "offline=forgotten");
  if (!s.online) {
    sessions_.remove(s.client);
    return AuthResult{true, {}};
  }
  s.closing = true;
  return {};
}

void AuthPlugin::on_disconnect(const void* client, bool durable) {
  const Session* s = sessions_.find(client);
  if (durable && s && !s->closing)
    sessions_.set_offline(client);
  else
    sessions_.remove(client);
}

bool AuthPlugin::reload_keys(std::string_view jwks_text) {
  auto r = token::parse_jwks(jwks_text);
  if (r.status != token::JwksStatus::ok) {
    log_(LogLevel::error, "amo-realtime: JWKS reload refused, keeping the previous keys: " +
                              std::string(token::name(r.status)) + ": " + r.detail);
    return false;
  }
  const bool kept_all = r.keys.contains_all(keys_);
  if (!kept_all) ++keys_epoch_;
  keys_ = std::move(r.keys);
  log_(LogLevel::info, "amo-realtime: JWKS reloaded, " + std::to_string(keys_.size()) + " keys" +
                           (kept_all ? "" : "; a key was removed or changed: live sessions are re-verified on SIGHUP"));
  return true;
}

}  // namespace amo::plugin
