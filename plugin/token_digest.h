#pragma once
// A session remembers the token it was admitted with only as a SHA-256 digest: enough to tell,
// when 2.0.11 re-runs BASIC_AUTH at SIGHUP with the password it stored, that the client behind
// this pointer is still the one admitted, without keeping the token.
#include <array>
#include <cstdint>
#include <string_view>

namespace amo::plugin {

using TokenDigest = std::array<std::uint8_t, 32>;

TokenDigest digest_of(std::string_view token) noexcept;
// Constant time: how much of a digest matched says nothing about the token.
bool same_token(const TokenDigest& stored, std::string_view token) noexcept;

}  // namespace amo::plugin
