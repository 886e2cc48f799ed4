#pragma once
// The claims of a connect token (DESIGN §2), as verified or as to be signed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/identity.h"

namespace amo::token {

struct Claims {
  std::string iss, sub, amo, jti, cid;
  std::vector<std::string> aud;      // one or more; signed as a string when there is one
  std::vector<std::string> threads;  // absent = none
  amo::Role role = amo::Role::user;
  std::int64_t iat = 0, exp = 0;
  std::optional<std::int64_t> nbf, sess_exp;
};

// Service tokens carry this tenant; a user token may not.
inline constexpr std::string_view kSystemAmo = "system";
inline constexpr std::size_t kMaxThreads = 128;
// DESIGN §2 clock leeway, in seconds: the verifier's default, and the plugin's revocation
// pruning waits it out too.
inline constexpr std::int64_t kLeewaySeconds = 30;

}  // namespace amo::token
