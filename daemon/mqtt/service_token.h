#pragma once
// A daemon's MQTT identity (DESIGN §8): the service connect token, re-read from
// `service_token_file` (trailing whitespace stripped) or minted from
// `service_signing_key_file` at every (re)connect, and the client id = its `cid` claim.
#include <string>
#include <string_view>
#include <variant>

#include "daemon/config/config.h"

namespace amo::mqtt_client {

struct ServiceIdentity {
  std::string token;  // the MQTT password; never logged
  std::string cid;    // the MQTT client id
};

// `daemon` is "amo-relay" or "amo-token-service". A string is the error (names the key and
// what is wrong, never the token).
std::variant<ServiceIdentity, std::string> service_identity(const config::Config& config, std::string_view daemon);

// Pure: the `cid` claim of a compact JWS, read without verifying (the broker verifies);
// empty if the token is malformed or its cid breaks the §2 grammar.
std::string unverified_cid(std::string_view token);

}  // namespace amo::mqtt_client
