#include "plugin/token_digest.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace amo::plugin {

TokenDigest digest_of(std::string_view token) noexcept {
  TokenDigest d{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  return d;
}

bool same_token(const TokenDigest& stored, std::string_view token) noexcept {
  const TokenDigest presented = digest_of(token);
  return CRYPTO_memcmp(stored.data(), presented.data(), stored.size()) == 0;
}

}  // namespace amo::plugin
