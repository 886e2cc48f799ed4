#include "daemon/config/production.h"

#include <string>

#include "core/token/jwks.h"
#include "daemon/config/conninfo.h"
#include "daemon/config/demo_keys.h"
#include "daemon/config/key_table.h"
#include "io/files.h"

namespace amo::config {

namespace {

constexpr std::string_view kRefused = "refused under APP_ENV=production: ";
// HS256 keys (DESIGN §2) and the portal secret (DESIGN §7) alike.
constexpr std::size_t kMinSecretBytes = 32;

Error refusal(std::string_view key, const std::string& what) {
  return Error{std::string(key), std::string(kRefused) + what};
}

std::string_view strip_trailing_whitespace(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// What a key file must hold to count as a key.
enum class Holds {
  verifying_jwks,  // public keys (or oct secrets) that verify
  signing_jwks,    // a private JWKS: the last key with a private part signs
  token,           // a service connect token
  secret,          // raw HMAC secret bytes
};

struct KeyFile {
  std::string_view key;
  std::string Config::*path;
  Holds holds;
};

constexpr KeyFile kKeyFiles[] = {
    {"jwks_file", &Config::jwks_file, Holds::verifying_jwks},
    {"signing_key_file", &Config::signing_key_file, Holds::signing_jwks},
    {"service_signing_key_file", &Config::service_signing_key_file, Holds::signing_jwks},
    {"service_token_file", &Config::service_token_file, Holds::token},
    {"portal_jwks_file", &Config::portal_jwks_file, Holds::verifying_jwks},
    {"portal_secret_file", &Config::portal_secret_file, Holds::secret},
};

std::optional<Error> check_jwks(std::string_view key, const std::string& text, bool signs) {
  const token::JwksResult parsed = token::parse_jwks(text);
  if (parsed.status == token::JwksStatus::oct_too_short) {
    return refusal(key, "an HMAC key under 32 bytes (" + parsed.detail + ")");
  }
  if (parsed.status != token::JwksStatus::ok) {
    return refusal(key, "no usable key: " + std::string(token::name(parsed.status)) + " (" + parsed.detail + ")");
  }
  if (signs && !parsed.keys.signing_key()) return refusal(key, "no signing key: no key in it has a private part");
  for (const token::Key& k : parsed.keys.keys()) {
    if (is_demo_key(k)) return refusal(key, "key \"" + k.kid + "\" is a demo key shipped in deploy/demo/");
  }
  return std::nullopt;
}

std::optional<Error> check_secret(std::string_view key, const std::string& text) {
  const std::string_view secret = strip_trailing_whitespace(text);
  if (secret.size() < kMinSecretBytes) {
    return refusal(key, "an HMAC secret under 32 bytes (" + std::to_string(secret.size()) + ")");
  }
  if (is_demo_secret(secret)) return refusal(key, "the demo portal secret shipped in deploy/demo/");
  return std::nullopt;
}

std::optional<Error> check_key_file(const KeyFile& file, const std::string& path) {
  std::string text;
  try {
    text = io::read_file(path);  // also refuses an empty (or all-blank) file
  } catch (const std::exception& e) {
    return refusal(file.key, std::string("missing key: ") + e.what());
  }
  switch (file.holds) {
    case Holds::verifying_jwks:
      return check_jwks(file.key, text, false);
    case Holds::signing_jwks:
      return check_jwks(file.key, text, true);
    case Holds::secret:
      return check_secret(file.key, text);
    case Holds::token:
      return std::nullopt;  // read_file has seen it is not empty; the broker judges the token
  }
  return std::nullopt;
}

// Set or not, what each program needs at least one of (DESIGN §8).
std::optional<Error> missing_pair(const Config& config, Program program) {
  if (program == Program::migrate) return std::nullopt;
  if (config.service_token_file.empty() && config.service_signing_key_file.empty()) {
    return refusal("service_token_file", "missing key: neither service_token_file nor service_signing_key_file is set");
  }
  if (program == Program::token_service && config.portal_secret_file.empty() && config.portal_jwks_file.empty()) {
    return refusal("portal_secret_file", "missing key: neither portal_secret_file nor portal_jwks_file is set");
  }
  return std::nullopt;
}

bool has_star(std::string_view origins) {
  while (true) {
    const std::size_t comma = origins.find(',');
    std::string_view entry = origins.substr(0, comma);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    if (entry == "*") return true;
    if (comma == std::string_view::npos) return false;
    origins.remove_prefix(comma + 1);
  }
}

}  // namespace

std::optional<Error> production_refusal(const Config& config, Program program) {
  auto uses = [&](std::string_view key) { return used_by(*find_key(key), program); };

  if (uses("cors_origins") && has_star(config.cors_origins)) {
    return refusal("cors_origins", "CORS * allows every origin; list the allowed origins");
  }
  // From the environment a password is allowed: it is not written into a file on disk.
  struct Url {
    std::string_view key;
    const std::string& value;
    Source source;
  };
  for (const Url& url :
       {Url{"database_url", config.database_url, config.source.database_url},
        Url{"migration_database_url", config.migration_database_url, config.source.migration_database_url}}) {
    if (uses(url.key) && url.source == Source::file && has_plaintext_password(url.value)) {
      return refusal(url.key, "a plaintext password in the config file; give the URL in " + env_name(url.key) +
                                  " or the password in a PGPASSFILE");
    }
  }
  if (auto e = missing_pair(config, program)) return e;
  for (const KeyFile& file : kKeyFiles) {
    if (!uses(file.key)) continue;
    const std::string& path = config.*file.path;
    if (path.empty()) {
      if (required_by(*find_key(file.key), program)) return refusal(file.key, "missing key: not set");
      continue;
    }
    if (auto e = check_key_file(file, path)) return e;
  }
  return std::nullopt;
}

}  // namespace amo::config
