#pragma once
// The connect-token rules a daemon verifies with (DESIGN §2), from its configuration.
#include "core/token/verify.h"
#include "daemon/config/config.h"

namespace amo::auth {

inline token::VerifyPolicy verify_policy(const config::Config& config) {
  token::VerifyPolicy p;
  p.issuer = config.issuer;
  p.audience = config.audience;
  p.max_token_ttl = config.max_token_ttl;
  p.max_service_token_ttl = config.max_service_token_ttl;
  return p;
}

}  // namespace amo::auth
