#pragma once
// POST /api/realtime/messages (DESIGN §7): the chat ingest over HTTP. Authenticated like
// /api/realtime/token; the body is a client envelope naming its `thread`; the sender must be
// an active member of it. 201 {"id","duplicate":false} after the commit, 200 with the first
// envelope id and "duplicate":true for a repeat, 400 for an invalid envelope, 403 outside the
// thread.
#include "daemon/http/message.h"
#include "token-service/handler_context.h"

namespace amo::token_service {

http::Response post_message(const http::Request& request, HandlerContext& c);

}  // namespace amo::token_service
