#include "daemon/http/route_table.h"

namespace amo::http {

RouteTable::RouteTable(const std::vector<Route>& routes) {
  for (const Route& route : routes) by_path_[route.path].routes.push_back(&route);
  for (auto& [path, entry] : by_path_) {
    bool options_routed = false;
    for (const Route* route : entry.routes) {
      if (!entry.allow.empty()) entry.allow += ", ";
      entry.allow += route->method;
      options_routed = options_routed || route->method == "OPTIONS";
    }
    // The server answers OPTIONS on every known path (preflight, or a plain Allow list).
    if (!options_routed) entry.allow += ", OPTIONS";
  }
}

RouteTable::Match RouteTable::find(std::string_view method, const std::string& path) const {
  const auto found = by_path_.find(path);
  if (found == by_path_.end()) return {};
  Match match{nullptr, &found->second.allow};
  for (const Route* r : found->second.routes) {
    if (r->method == method) {
      match.route = r;
      return match;
    }
  }
  if (method == "HEAD") {
    for (const Route* r : found->second.routes) {
      if (r->method == "GET") match.route = r;
    }
  }
  return match;
}

}  // namespace amo::http
