#include "daemon/config/demo_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

#include "demo_key_material.h"

namespace amo::config {

namespace {

std::string_view strip_trailing_whitespace(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::vector<token::KeySet> load_demo_keys() {
  std::vector<token::KeySet> sets;
  for (std::string_view text : demo_material::kJwks) sets.push_back(token::parse_jwks(text).keys);
  token::KeySet portal;
  if (auto key = token::make_oct_key("demo-portal", strip_trailing_whitespace(demo_material::kPortalSecret))) {
    portal.add(std::move(*key));
  }
  sets.push_back(std::move(portal));
  return sets;
}

const std::vector<token::KeySet>& demo_sets() {
  static const std::vector<token::KeySet> sets = load_demo_keys();
  return sets;
}

bool same_secret(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::size_t demo_key_count() {
  std::size_t n = 0;
  for (const token::KeySet& set : demo_sets()) n += set.size();
  return n;
}

bool is_demo_key(const token::Key& key) {
  for (const token::KeySet& set : demo_sets()) {
    for (const token::Key& demo : set.keys()) {
      if (key.pkey && demo.pkey && EVP_PKEY_eq(key.pkey.get(), demo.pkey.get()) == 1) return true;
      if (!key.pkey && !demo.pkey && !key.secret.empty() && same_secret(key.secret, demo.secret)) return true;
    }
  }
  return false;
}

bool is_demo_secret(std::string_view secret) {
  for (const token::KeySet& set : demo_sets()) {
    for (const token::Key& demo : set.keys()) {
      if (!demo.pkey && same_secret(secret, demo.secret)) return true;
    }
  }
  return false;
}

}  // namespace amo::config
