#pragma once
// The portal's session token (DESIGN §7, §6): a JWT with `sub` (user id), `amo_id` (tenant),
// `iat` and `exp`, signed HS256 with the secret of `portal_secret_file` (its content, trailing
// whitespace stripped) or by a key of `portal_jwks_file`; sent as `Authorization: Bearer` or
// in the `portal_session_cookie` cookie. Shared by the token service and the relay's cookie
// path. No `typ`, `kid` or `cid` rules; the JWS rules of §2 (no `none`, no jku/x5u/jwk/x5c/
// crit, strict JSON, the key fixes the algorithm) apply all the same.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/enum_list.h"
#include "core/token/jwks.h"
#include "daemon/config/config.h"
#include "daemon/http/message.h"
#include "io/files.h"

namespace amo::auth {

// Why a request has no valid portal session: one list for the log line, the metric label and
// the test assertion. The JWS ones carry the names core/token gives them.
#define AMO_SESSION_STATUS(X) \
  X(ok)                       \
  X(no_credential)            \
  X(not_bearer)               \
  X(too_large)                \
  X(malformed)                \
  X(bad_base64)               \
  X(bad_header_json)          \
  X(forbidden_header)         \
  X(alg_none)                 \
  X(alg_mismatch)             \
  X(unknown_kid)              \
  X(bad_signature)            \
  X(bad_payload_json)         \
  X(missing_claim)            \
  X(bad_claim_type)           \
  X(bad_id)                   \
  X(expired)                  \
  X(issued_in_future)         \
  X(not_yet_valid)            \
  X(no_keys)

AMO_ENUM(SessionStatus, AMO_SESSION_STATUS)

struct PortalSession {
  std::string sub;  // user id
  std::string amo;  // the session's `amo_id`
  std::int64_t iat = 0, exp = 0;
};

// Where the session token came from (the audit line says which, never the token).
enum class CredentialSource : unsigned char { none, bearer, cookie };

// `Authorization: Bearer <t>` first; without an Authorization header, the cookie named
// `cookie_name`. An Authorization header of another scheme is not_bearer (a caller that sent
// one meant it; the cookie is not tried behind its back).
SessionStatus extract_session_token(const http::Request& request, std::string_view cookie_name, std::string& token,
                                    CredentialSource& source);

// Holds the portal keys and checks sessions; verify() is thread-safe (keys are swapped whole
// on reload, each thread has its own parser and digest context).
class PortalSessionVerifier {
 public:
  struct Files {
    std::string secret_file;  // portal_secret_file ("" = unset)
    std::string jwks_file;    // portal_jwks_file ("" = unset)
  };
  static Files files_of(const config::Config& config) { return {config.portal_secret_file, config.portal_jwks_file}; }

  explicit PortalSessionVerifier(Files files);
  ~PortalSessionVerifier();
  PortalSessionVerifier(const PortalSessionVerifier&) = delete;
  PortalSessionVerifier& operator=(const PortalSessionVerifier&) = delete;

  // Neither file configured: every verify() is no_keys (the relay's cookie auth is off).
  bool enabled() const noexcept { return !files_.secret_file.empty() || !files_.jwks_file.empty(); }
  // (Re)reads the files. "" on success; otherwise one line naming the config key and what is
  // wrong (never key material), and the keys loaded before stay in use.
  std::string load();
  // load() if either file's stamp changed since the last load; "" when nothing changed.
  std::string reload_if_changed();

  // Signature by the key the header's `kid` names in portal_jwks_file; otherwise, for HS256,
  // the secret; otherwise (no `kid`) any key of the header's algorithm. Then the claims:
  // `sub`, `amo_id` (§2 id grammar), integer `iat` and `exp`; exp > now (no leeway: the
  // connect token's sess_exp is this exp), iat ≤ now + 30 s, an `nbf` if present ≤ now + 30 s.
  SessionStatus verify(std::string_view token, std::int64_t now, PortalSession& out) const;
  // extract_session_token, then verify.
  SessionStatus authenticate(const http::Request& request, std::string_view cookie_name, std::int64_t now,
                             PortalSession& out, CredentialSource* source = nullptr) const;

 private:
  struct Keys;
  std::shared_ptr<const Keys> keys() const;

  Files files_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Keys> keys_;
  io::FileStamp secret_stamp_, jwks_stamp_;
};

}  // namespace amo::auth
