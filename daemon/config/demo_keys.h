#pragma once
// The keys shipped in deploy/demo/ (public in this repository, so anyone can sign with them),
// compiled in at build time. Compared by key material — the public part of an OKP or EC key,
// the bytes of an oct key — never by kid or file name, so a renamed copy is still caught.
#include <cstddef>
#include <string_view>

#include "core/token/jwks.h"

namespace amo::config {

// How many demo keys the binary knows: every key of the four JWKS files, and the portal
// secret as an oct key (a test pins it, so a demo file that stops parsing cannot go unseen).
std::size_t demo_key_count();

// True if `key` is one of them by material (a private key matches its public half).
bool is_demo_key(const token::Key& key);
// True if `secret` (trailing whitespace already stripped) is a demo oct key's bytes, the demo
// portal secret included.
bool is_demo_secret(std::string_view secret);

}  // namespace amo::config
