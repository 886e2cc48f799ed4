#include "token-service/signing_keys.h"

#include <openssl/evp.h>

namespace amo::token_service {

namespace {

// Moves every key of `from` into `into` whose kid is not there yet.
void merge(token::KeySet& into, token::KeySet from) {
  for (const token::Key& k : from.keys()) {
    if (into.find(k.kid)) continue;
    token::Key copy;
    copy.kid = k.kid;
    copy.alg = k.alg;
    if (k.pkey) {
      EVP_PKEY_up_ref(k.pkey.get());
      copy.pkey.reset(k.pkey.get());
    }
    copy.secret = k.secret;
    copy.has_private = k.has_private;
    into.add(std::move(copy));
  }
}

}  // namespace

SigningKeys::SigningKeys(std::string signing_key_file, std::string jwks_file)
    : signing_file_(std::move(signing_key_file)), jwks_file_(std::move(jwks_file)) {}

std::string SigningKeys::load() {
  auto snap = std::make_shared<KeySnapshot>();
  {
    // Taken before reading, even if the read fails: a broken file is tried again when it
    // changes, not at every check.
    std::lock_guard lock(mutex_);
    signing_stamp_ = io::stamp_of(signing_file_);
    jwks_stamp_ = jwks_file_.empty() ? io::FileStamp{} : io::stamp_of(jwks_file_);
  }
  try {
    token::JwksResult parsed = token::parse_jwks(io::read_file(signing_file_));
    if (parsed.status != token::JwksStatus::ok)
      return "signing_key_file: " + std::string(token::name(parsed.status)) + " " + parsed.detail;
    snap->signing = std::move(parsed.keys);
  } catch (const std::exception& e) {
    return std::string("signing_key_file: ") + e.what();
  }
  snap->signer = snap->signing.signing_key();
  if (!snap->signer) return "signing_key_file: no key in it has a private part";
  snap->public_jwks = token::to_jwks(snap->signing, false);
  if (!jwks_file_.empty()) {
    try {
      token::JwksResult parsed = token::parse_jwks(io::read_file(jwks_file_));
      if (parsed.status != token::JwksStatus::ok)
        return "jwks_file: " + std::string(token::name(parsed.status)) + " " + parsed.detail;
      snap->verifying = std::move(parsed.keys);
    } catch (const std::exception& e) {
      return std::string("jwks_file: ") + e.what();
    }
  }
  // The public halves as a verifier would read them from the JWKS endpoint (oct keys have
  // none: to_jwks leaves them out).
  token::JwksResult halves = token::parse_jwks(snap->public_jwks);
  if (halves.status == token::JwksStatus::ok) merge(snap->verifying, std::move(halves.keys));
  std::lock_guard lock(mutex_);
  current_ = std::move(snap);
  return {};
}

std::string SigningKeys::reload_if_changed() {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = !(io::stamp_of(signing_file_) == signing_stamp_) ||
              (!jwks_file_.empty() && !(io::stamp_of(jwks_file_) == jwks_stamp_));
  }
  return changed ? load() : std::string();
}

std::shared_ptr<const KeySnapshot> SigningKeys::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace amo::token_service
