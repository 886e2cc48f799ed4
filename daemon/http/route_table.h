#pragma once
// Exact method + path routing, and what 405 answers and preflights announce for a path.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/http/server.h"

namespace amo::http {

class RouteTable {
 public:
  // Keeps pointers into `routes`, which must outlive the table.
  explicit RouteTable(const std::vector<Route>& routes);

  struct Match {
    const Route* route = nullptr;     // null: 404 (path unknown) or 405 (method not routed)
    const std::string* allow = nullptr;  // the path's methods, "GET, POST, OPTIONS"; null if unknown
  };
  // HEAD falls back to the GET route (the server then sends no body).
  Match find(std::string_view method, const std::string& path) const;

 private:
  struct PathRoutes {
    std::vector<const Route*> routes;
    std::string allow;
  };
  std::unordered_map<std::string, PathRoutes> by_path_;
};

}  // namespace amo::http
