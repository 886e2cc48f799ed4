#pragma once
// The token service's keys (DESIGN §2, §7): `signing_key_file`, a private JWKS whose last key
// with a private part signs user tokens and whose public halves are served at
// /.well-known/jwks.json; and what verifies a `service` caller of /api/realtime/revoke —
// `jwks_file` plus those public halves. Re-read when a file changes or on SIGHUP; a file that
// fails to load keeps the keys before it (and says so), so a rotation mistake never stops
// issuance.
#include <memory>
#include <mutex>
#include <string>

#include "core/token/jwks.h"
#include "io/files.h"

namespace amo::token_service {

struct KeySnapshot {
  token::KeySet signing;               // signing_key_file, private parts included
  token::KeySet verifying;             // jwks_file, then the public halves of `signing`
  const token::Key* signer = nullptr;  // signing.signing_key()
  std::string public_jwks;             // the /.well-known/jwks.json body
};

class SigningKeys {
 public:
  SigningKeys(std::string signing_key_file, std::string jwks_file);

  // "" on success; otherwise one line naming the config key (never key material).
  std::string load();
  // load() when a file's stamp changed since the last load; "" when nothing changed.
  std::string reload_if_changed();
  std::shared_ptr<const KeySnapshot> current() const;

 private:
  std::string signing_file_, jwks_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<const KeySnapshot> current_;
  io::FileStamp signing_stamp_, jwks_stamp_;
};

}  // namespace amo::token_service
