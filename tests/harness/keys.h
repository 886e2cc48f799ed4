#pragma once
// Keys and connect tokens for integration tests (DESIGN §2): a private key set with its
// public JWKS file (what brokers and daemons read), claims for user and service tokens, and
// minting. Shared by the plugin's live tests and the daemons' tests.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/token/claims.h"
#include "core/token/jwks.h"
#include "tests/harness/temp_dir.h"

namespace amo::harness {

inline constexpr const char* kIssuer = "https://portal.test";

std::int64_t now_s();

// Signing keys (with private parts) and, beside them in a temp dir, `jwks.json` (public
// halves: what the broker's jwks_file and the relay read) and `private.jwks` (what a daemon's
// service_signing_key_file reads).
class KeyFile {
 public:
  KeyFile();  // one EdDSA key "k1"

  const token::Key& add(const std::string& kid, bool write_files = true);
  void remove(const std::string& kid, bool write_files = true);
  void write() const;
  std::string jwks_text() const;
  const token::Key& key(std::size_t i = 0) const { return keys_.at(i); }
  std::string path() const { return (dir_.path() / "jwks.json").string(); }
  std::string private_path() const { return (dir_.path() / "private.jwks").string(); }

 private:
  TempDir dir_{"amo-jwks"};
  std::deque<token::Key> keys_;
};

// iss kIssuer, aud amo-realtime, iat now, exp now + 120, a fresh jti.
token::Claims user_claims(std::string sub, std::string amo, std::string cid, std::vector<std::string> threads = {});
token::Claims service_claims(std::string sub, std::string cid);
// Throws std::runtime_error if signing fails.
std::string mint(const token::Claims& claims, const token::Key& key);

}  // namespace amo::harness
