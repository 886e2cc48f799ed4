#pragma once
// Who is asking for events (DESIGN §6): a user connect token from `Authorization: Bearer` or
// `?token=` (verified with jwks_file, which is read again when it changes), giving the scope
// of the token's amo, sub and threads; or, without either, the portal session cookie
// (portal_secret_file / portal_jwks_file; off when neither is set) of a known, active,
// unrevoked user of realtime_users, with its threads from realtime_thread_members. The stream
// ends at the credential's exp. Thread-safe.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/config/config.h"
#include "daemon/http/message.h"
#include "io/files.h"
#include "relay/events/scope.h"

namespace amo::auth {
class PortalSessionVerifier;
}
namespace amo::token {
class KeySet;
class Verifier;
}  // namespace amo::token

namespace amo::relay {

class ConnectionPool;

struct Caller {
  Scope scope;
  std::int64_t iat = 0;  // of the credential: revocations with before ≥ iat end the stream
  std::int64_t exp = 0;  // unix seconds; the stream ends here
};

struct AuthResult {
  std::optional<Caller> caller;
  int status = 401;   // when no caller: 401 or 403
  std::string error;  // the JSON error's message (never the credential)
};

class Authenticator {
 public:
  // Throws std::runtime_error naming the file if jwks_file or a portal key file does not load.
  Authenticator(const config::Config& config, ConnectionPool& pool);
  ~Authenticator();
  AuthResult authenticate(const http::Request& request);

 private:
  void reload_if_changed();
  AuthResult from_cookie(const http::Request& request);

  const config::Config& config_;
  ConnectionPool& pool_;
  std::unique_ptr<auth::PortalSessionVerifier> portal_;
  std::mutex mutex_;
  std::unique_ptr<token::KeySet> keys_;
  std::unique_ptr<token::Verifier> verifier_;
  io::FileStamp stamp_;
  std::int64_t checked_at_ = 0;
};

}  // namespace amo::relay
