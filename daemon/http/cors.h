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

  bool enabled() const noexcept { return any || !origins.empty(); }
  // True for an origin of the list (compared case-insensitively), or any origin under `*`.
  bool allows(std::string_view origin) const noexcept;
};

// Parses the `cors_origins` value; nullopt + `error` (naming the bad entry) on a malformed one.
std::optional<CorsPolicy> parse_cors_origins(std::string_view value, std::string& error);

// What a preflight gets in Access-Control-Allow-Methods when the server knows no better.
inline constexpr std::string_view kDefaultAllowMethods = "GET, POST, OPTIONS";
// The request headers a preflight may ask for (Access-Control-Allow-Headers).
inline constexpr std::string_view kAllowHeaders = "Authorization, Content-Type, Last-Event-ID, X-Request-Id";
inline constexpr std::string_view kMaxAgeSeconds = "600";

// The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method):
// 204 with the CORS headers for an allowed origin, 403 otherwise. `allow_methods` lists the
// methods routed for the path (the server passes them).
Response preflight(const CorsPolicy& policy, const Request& request,
                   std::string_view allow_methods = kDefaultAllowMethods);
bool is_preflight(const Request& request) noexcept;
// Adds the CORS headers (and Vary: Origin) to an actual response when its Origin is allowed.
// With an explicit list, Vary: Origin goes on every response: the answer depends on Origin.
void apply(const CorsPolicy& policy, const Request& request, Response& response);

}  // namespace amo::http
