#include "tests/harness/keys.h"

#include <chrono>
#include <stdexcept>

#include "core/token/sign.h"

namespace amo::harness {

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

KeyFile::KeyFile() { add("k1"); }

const token::Key& KeyFile::add(const std::string& kid, bool write_files) {
  keys_.push_back(token::generate_key(token::Alg::EdDSA, kid));
  if (write_files) write();
  return keys_.back();
}

void KeyFile::remove(const std::string& kid, bool write_files) {
  std::erase_if(keys_, [&](const token::Key& k) { return k.kid == kid; });
  if (write_files) write();
}

namespace {
std::string jwks_of(const std::deque<token::Key>& keys, bool include_private) {
  std::vector<const token::Key*> ptrs;
  for (const auto& k : keys) ptrs.push_back(&k);
  return token::to_jwks(ptrs, include_private);
}
}  // namespace

void KeyFile::write() const {
  dir_.write("jwks.json", jwks_of(keys_, false));
  dir_.write("private.jwks", jwks_of(keys_, true));
}

std::string KeyFile::jwks_text() const { return jwks_of(keys_, false); }

token::Claims user_claims(std::string sub, std::string amo, std::string cid, std::vector<std::string> threads) {
  token::Claims c;
  c.iss = kIssuer;
  c.aud = {"amo-realtime"};
  c.sub = std::move(sub);
  c.amo = std::move(amo);
  c.cid = std::move(cid);
  c.threads = std::move(threads);
  c.role = Role::user;
  c.iat = now_s();
  c.exp = c.iat + 120;
  c.jti = token::new_jti();
  return c;
}

token::Claims service_claims(std::string sub, std::string cid) {
  token::Claims c = user_claims(std::move(sub), std::string(token::kSystemAmo), std::move(cid));
  c.role = Role::service;
  return c;
}

std::string mint(const token::Claims& claims, const token::Key& key) {
  std::string t = token::sign(claims, key);
  if (t.empty()) throw std::runtime_error("mint: signing failed for kid " + key.kid);
  return t;
}

}  // namespace amo::harness
