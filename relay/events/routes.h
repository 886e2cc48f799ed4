#pragma once
// The relay's HTTP routes for events (DESIGN §6): GET /api/events (SSE) and
// GET /api/events/history.
#include <vector>

#include "daemon/http/server.h"

namespace amo::relay {

class Authenticator;
class ConnectionPool;
class Feed;

std::vector<http::Route> event_routes(Authenticator& auth, Feed& feed, ConnectionPool& pool);

}  // namespace amo::relay
