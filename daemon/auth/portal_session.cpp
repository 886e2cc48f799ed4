#include "daemon/auth/portal_session.h"

#include <openssl/evp.h>

#include <cmath>
#include <optional>

#include "core/ids.h"
#include "core/json/strict_parse.h"
#include "core/token/base64url.h"
#include "core/token/claims.h"
#include "core/token/jws.h"
#include "daemon/http/text.h"

namespace amo::auth {

AMO_ENUM_NAME(SessionStatus, AMO_SESSION_STATUS)

namespace {

constexpr std::string_view kSecretKid = "portal_secret_file";

SessionStatus from_token(token::Status s) noexcept {
  switch (s) {
    case token::Status::ok:
      return SessionStatus::ok;
    case token::Status::too_large:
      return SessionStatus::too_large;
    case token::Status::malformed:
      return SessionStatus::malformed;
    case token::Status::bad_base64:
      return SessionStatus::bad_base64;
    case token::Status::forbidden_header:
      return SessionStatus::forbidden_header;
    case token::Status::alg_none:
      return SessionStatus::alg_none;
    case token::Status::alg_mismatch:
      return SessionStatus::alg_mismatch;
    case token::Status::bad_signature:
      return SessionStatus::bad_signature;
    default:
      return SessionStatus::bad_header_json;
  }
}

std::string_view strip_trailing_whitespace(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Per-thread scratch: verify() runs on every HTTP worker at once.
struct Scratch {
  json::StrictParser parser{token::kMaxTokenBytes, 16};
  std::string header, payload, signature;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// A NumericDate: an integer, or a number with a fraction (RFC 7519 allows one; the fraction
// is dropped). Anything else is bad_claim_type.
SessionStatus read_time(simdjson::dom::object obj, std::string_view key, std::optional<std::int64_t>& out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return SessionStatus::ok;  // absent: out stays empty
  std::int64_t i = 0;
  if (e.get(i) == simdjson::SUCCESS) {
    out = i;
    return SessionStatus::ok;
  }
  double d = 0;
  if (e.get(d) == simdjson::SUCCESS && std::isfinite(d) && d > -9.2e18 && d < 9.2e18) {
    out = static_cast<std::int64_t>(std::floor(d));
    return SessionStatus::ok;
  }
  return SessionStatus::bad_claim_type;
}

SessionStatus read_id(simdjson::dom::object obj, std::string_view key, std::string& out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return SessionStatus::missing_claim;
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return SessionStatus::bad_claim_type;
  if (!is_valid_id(s)) return SessionStatus::bad_id;
  out.assign(s);
  return SessionStatus::ok;
}

SessionStatus check_claims(simdjson::dom::element payload, std::int64_t now, PortalSession& out) {
  simdjson::dom::object obj;
  if (payload.get(obj) != simdjson::SUCCESS) return SessionStatus::bad_payload_json;
  if (auto s = read_id(obj, "sub", out.sub); s != SessionStatus::ok) return s;
  if (auto s = read_id(obj, "amo_id", out.amo); s != SessionStatus::ok) return s;
  std::optional<std::int64_t> iat, exp, nbf;
  for (auto [key, slot] :
       {std::pair<std::string_view, std::optional<std::int64_t>*>{"iat", &iat}, {"exp", &exp}, {"nbf", &nbf}}) {
    if (auto s = read_time(obj, key, *slot); s != SessionStatus::ok) return s;
  }
  if (!iat || !exp) return SessionStatus::missing_claim;
  if (*exp <= now) return SessionStatus::expired;
  if (*iat > now + token::kLeewaySeconds) return SessionStatus::issued_in_future;
  if (nbf && *nbf > now + token::kLeewaySeconds) return SessionStatus::not_yet_valid;
  out.iat = *iat;
  out.exp = *exp;
  return SessionStatus::ok;
}

}  // namespace

struct PortalSessionVerifier::Keys {
  token::KeySet jwks;
  std::optional<token::Key> secret;
};

SessionStatus extract_session_token(const http::Request& request, std::string_view cookie_name, std::string& token,
                                    CredentialSource& source) {
  source = CredentialSource::none;
  if (request.has_header("authorization")) {
    const std::string_view value = http::trim(request.header("authorization"));
    constexpr std::string_view kScheme = "bearer ";
    if (value.size() <= kScheme.size() || !http::iequals(value.substr(0, kScheme.size()), kScheme))
      return SessionStatus::not_bearer;
    token.assign(http::trim(value.substr(kScheme.size())));
    if (token.empty()) return SessionStatus::not_bearer;
    source = CredentialSource::bearer;
    return SessionStatus::ok;
  }
  auto cookie = request.cookie(cookie_name);
  if (!cookie || cookie->empty()) return SessionStatus::no_credential;
  token = std::move(*cookie);
  source = CredentialSource::cookie;
  return SessionStatus::ok;
}

PortalSessionVerifier::PortalSessionVerifier(Files files) : files_(std::move(files)) {}
PortalSessionVerifier::~PortalSessionVerifier() = default;

std::shared_ptr<const PortalSessionVerifier::Keys> PortalSessionVerifier::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

std::string PortalSessionVerifier::load() {
  auto keys = std::make_shared<Keys>();
  {
    // Taken before reading, even if the read fails: a broken file is tried again when it
    // changes, not at every check.
    std::lock_guard lock(mutex_);
    secret_stamp_ = files_.secret_file.empty() ? io::FileStamp{} : io::stamp_of(files_.secret_file);
    jwks_stamp_ = files_.jwks_file.empty() ? io::FileStamp{} : io::stamp_of(files_.jwks_file);
  }
  if (!files_.secret_file.empty()) {
    std::string text;
    try {
      text = io::read_file(files_.secret_file);
    } catch (const std::exception& e) {
      return std::string("portal_secret_file: ") + e.what();
    }
    const std::string_view secret = strip_trailing_whitespace(text);
    keys->secret = token::make_oct_key(std::string(kSecretKid), secret);
    if (!keys->secret) {
      return "portal_secret_file: an HMAC secret under 32 bytes (" + std::to_string(secret.size()) + ")";
    }
  }
  if (!files_.jwks_file.empty()) {
    try {
      token::JwksResult parsed = token::parse_jwks(io::read_file(files_.jwks_file));
      if (parsed.status != token::JwksStatus::ok) {
        return "portal_jwks_file: " + std::string(token::name(parsed.status)) + " " + parsed.detail;
      }
      keys->jwks = std::move(parsed.keys);
    } catch (const std::exception& e) {
      return std::string("portal_jwks_file: ") + e.what();
    }
  }
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
  return {};
}

std::string PortalSessionVerifier::reload_if_changed() {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = (!files_.secret_file.empty() && !(io::stamp_of(files_.secret_file) == secret_stamp_)) ||
              (!files_.jwks_file.empty() && !(io::stamp_of(files_.jwks_file) == jwks_stamp_));
  }
  return changed ? load() : std::string();
}

SessionStatus PortalSessionVerifier::verify(std::string_view compact, std::int64_t now, PortalSession& out) const {
  const auto k = keys();
  if (!k || (!k->secret && k->jwks.size() == 0)) return SessionStatus::no_keys;
  token::CompactParts parts;
  if (auto s = token::split_compact(compact, parts); s != token::Status::ok) return from_token(s);
  Scratch& sc = scratch();
  if (!token::base64url_decode(parts.header, sc.header) || !token::base64url_decode(parts.payload, sc.payload) ||
      !token::base64url_decode(parts.signature, sc.signature))
    return SessionStatus::bad_base64;
  simdjson::dom::element header;
  if (sc.parser.parse(sc.header, header) != json::Status::ok) return SessionStatus::bad_header_json;
  token::HeaderFields fields;
  if (auto s = token::read_header(header, fields); s != token::Status::ok) return from_token(s);
  if (token::is_alg_none(fields.alg)) return SessionStatus::alg_none;

  auto try_key = [&](const token::Key& key) -> SessionStatus {
    if (auto s = token::check_alg(fields.alg, key); s != token::Status::ok) return from_token(s);
    return from_token(token::verify_signature(key, parts.signing_input, sc.signature, sc.ctx.get()));
  };
  SessionStatus signature = SessionStatus::unknown_kid;
  if (const token::Key* named = fields.has_kid ? k->jwks.find(fields.kid) : nullptr) {
    signature = try_key(*named);
  } else if (k->secret && fields.alg == token::name(token::Alg::HS256)) {
    signature = try_key(*k->secret);
  } else if (!fields.has_kid) {
    // No kid: any key of the header's algorithm may have signed it.
    for (const token::Key& key : k->jwks.keys()) {
      if (fields.alg != token::name(key.alg)) continue;
      signature = try_key(key);
      if (signature == SessionStatus::ok) break;
    }
    if (signature == SessionStatus::unknown_kid) signature = SessionStatus::alg_mismatch;
  }
  if (signature != SessionStatus::ok) return signature;

  simdjson::dom::element payload;
  if (sc.parser.parse(sc.payload, payload) != json::Status::ok) return SessionStatus::bad_payload_json;
  return check_claims(payload, now, out);
}

SessionStatus PortalSessionVerifier::authenticate(const http::Request& request, std::string_view cookie_name,
                                                  std::int64_t now, PortalSession& out,
                                                  CredentialSource* source) const {
  std::string token;
  CredentialSource from = CredentialSource::none;
  const SessionStatus s = extract_session_token(request, cookie_name, token, from);
  if (source) *source = from;
  if (s != SessionStatus::ok) return s;
  return verify(token, now, out);
}

}  // namespace amo::auth
