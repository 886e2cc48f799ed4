#pragma once
// The candidate cache of verified tokens (issue 13), as the connect benchmark measures it: the
// SHA-256 digest of a token whose signature verified, and until when that counts. A hit skips
// the signature only; a plugin would still decode the token and check exp, revocation and cid.
// Header-only so the benchmark plugin and bench_broker's memory count use the very same type.
#include <cstdint>
#include <cstring>
#include <unordered_map>

#include "plugin/token_digest.h"

namespace amo::bench {

struct DigestHash {
  std::size_t operator()(const plugin::TokenDigest& d) const noexcept {
    std::size_t h;
    std::memcpy(&h, d.data(), sizeof h);  // already uniform: it is a SHA-256
    return h;
  }
};

// Value: the token's exp (unix seconds); an entry is dropped when found past it.
using VerifiedCache = std::unordered_map<plugin::TokenDigest, std::int64_t, DigestHash>;

}  // namespace amo::bench
