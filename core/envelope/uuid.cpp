#include "core/envelope/uuid.h"

#include <array>
#include <cstdint>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace amo::envelope {

namespace {

constexpr std::array<std::uint8_t, 16> kUrlNamespace = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                                        0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

void append_formatted(std::string& out, const unsigned char* b16, unsigned version) {
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 0; i < 16; ++i) b[i] = b16[i];
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | (version << 4));
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  char text[36];
  std::size_t n = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text[n++] = '-';
    text[n++] = kHex[b[i] >> 4];
    text[n++] = kHex[b[i] & 15];
  }
  out.append(text, n);
}

// OpenSSL 3 looks an algorithm up (under a lock) on every EVP_sha1() init; fetch it once.
// An immutable handle, never freed: the same for every caller and thread.
const EVP_MD* sha1() noexcept {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return md;
}

// One digest context per thread, reused: a new context per id cost two allocations per
// stamped message (counted with a malloc counter around the plugin's inbound path); one is
// left, the SHA-1 state OpenSSL 3 allocates in EVP_DigestInit_ex.
EVP_MD_CTX* sha1_context() noexcept {
  struct Owned {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Owned() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Owned owned;
  return owned.ctx;
}

}  // namespace

bool append_uuid_v5_url(std::string& out, std::span<const std::string_view> name_parts) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = sha1_context();
  bool ok = ctx != nullptr && sha1() != nullptr && EVP_DigestInit_ex(ctx, sha1(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, kUrlNamespace.data(), kUrlNamespace.size()) == 1;
  for (std::string_view part : name_parts) ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, digest, &len) == 1 && len >= 16;
  if (ok) append_formatted(out, digest, 5);
  return ok;
}

bool append_uuid_v4(std::string& out) {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return false;
  append_formatted(out, b, 4);
  return true;
}

std::string uuid_v5_url(std::string_view name) {
  std::string out;
  const std::string_view parts[] = {name};
  return append_uuid_v5_url(out, parts) ? out : std::string{};
}

std::string uuid_v4() {
  std::string out;
  return append_uuid_v4(out) ? out : std::string{};
}

}  // namespace amo::envelope
