#pragma once
// CORS from `cors_origins` (DESIGN §8): credentials allowed, so an allowed origin is echoed
// exactly, with Access-Control-Allow-Credentials; `*` (refused in production) allows any
// origin but is answered as a bare `*` without credentials, never an echo with them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/message.h"

namespace amo::http {

struct CorsPolicy {
  std::vector<std::string> origins;  // exact "scheme://host[:port]"; empty = CORS off
  bool any = false;                  // the list was "*"
};

// Parses the `cors_origins` value; nullopt + `error` (naming the bad entry) on a malformed one.
std::optional<CorsPolicy> parse_cors_origins(std::string_view value, std::string& error);

// The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method):
// 204 with the CORS headers for an allowed origin, 403 otherwise.
Response preflight(const CorsPolicy& policy, const Request& request);
bool is_preflight(const Request& request) noexcept;
// Adds the CORS headers (and Vary: Origin) to an actual response when its Origin is allowed.
void apply(const CorsPolicy& policy, const Request& request, Response& response);

}  // namespace amo::http
