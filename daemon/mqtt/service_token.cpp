#include "daemon/mqtt/service_token.h"

#include <chrono>

#include "core/ids.h"
#include "core/json/strict_parse.h"
#include "core/token/base64url.h"
#include "core/token/claims.h"
#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "io/files.h"

namespace amo::mqtt_client {

namespace {

// A minted service token lives an hour (or less if max_service_token_ttl says so); it is only
// checked at connect, and a new one is minted at every reconnect.
constexpr std::int64_t kMintedTtl = 3600;

std::string strip_trailing_space(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

std::variant<ServiceIdentity, std::string> from_file(const std::string& path) {
  std::string token;
  try {
    token = strip_trailing_space(io::read_file(path));
  } catch (const std::exception& e) {
    return std::string("service_token_file: ") + e.what();
  }
  std::string cid = unverified_cid(token);
  if (cid.empty()) return std::string("service_token_file: not a connect token with a valid cid claim");
  return ServiceIdentity{std::move(token), std::move(cid)};
}

std::variant<ServiceIdentity, std::string> minted(const config::Config& c, std::string_view daemon) {
  token::JwksResult keys;
  try {
    keys = token::parse_jwks(io::read_file(c.service_signing_key_file));
  } catch (const std::exception& e) {
    return std::string("service_signing_key_file: ") + e.what();
  }
  if (keys.status != token::JwksStatus::ok)
    return std::string("service_signing_key_file: ") + std::string(token::name(keys.status)) + " " + keys.detail;
  const token::Key* key = keys.keys.signing_key();
  if (!key) return std::string("service_signing_key_file: no key with a private part");

  token::Claims claims;
  claims.iss = c.issuer;
  claims.aud = {c.audience};
  claims.sub = std::string(daemon);
  claims.amo = std::string(token::kSystemAmo);
  claims.role = Role::service;
  claims.cid = "system:" + std::string(daemon) + ":" + c.instance_id;
  if (!is_valid_cid(claims.cid)) return std::string("instance_id: makes an invalid client id (allowed: A-Z a-z 0-9 _ . : -)");
  claims.iat = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  claims.exp = claims.iat + std::min<std::int64_t>(kMintedTtl, c.max_service_token_ttl);
  claims.jti = token::new_jti();
  std::string t = token::sign(claims, *key);
  if (t.empty()) return std::string("service_signing_key_file: signing failed");
  return ServiceIdentity{std::move(t), std::move(claims.cid)};
}

}  // namespace

std::string unverified_cid(std::string_view token) {
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return {};
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return {};
  std::string payload;
  if (!token::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload)) return {};
  json::StrictParser parser(16384, 16);
  simdjson::dom::element root;
  if (parser.parse(payload, root) != json::Status::ok) return {};
  std::string_view cid;
  if (root["cid"].get(cid) != simdjson::SUCCESS || !is_valid_cid(cid)) return {};
  return std::string(cid);
}

std::variant<ServiceIdentity, std::string> service_identity(const config::Config& config, std::string_view daemon) {
  if (!config.service_token_file.empty()) return from_file(config.service_token_file);
  return minted(config, daemon);
}

}  // namespace amo::mqtt_client
