#pragma once
// The client address the per-IP rate limit counts (DESIGN §7). The daemons listen behind the
// edge (deploy/nginx, on the same host): when the peer is a loopback address, the last
// `X-Forwarded-For` entry — the one the edge appended — is the client; from any other peer
// the header is the client's own word and is ignored, as is an entry that is not an address.
#include <string>

#include "daemon/http/message.h"

namespace amo::token_service {

std::string client_ip(const http::Request& request);

}  // namespace amo::token_service
