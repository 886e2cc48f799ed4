#pragma once
// POST /api/realtime/revoke (DESIGN §7): a `service` connect token as Bearer (verified against
// jwks_file and the public halves of signing_key_file), body {"amo":…,"user":…}. Sets
// token_revoked_at = now(), publishes the revocation at once, answers 204. A user with no row
// is revoked on the broker all the same (its live sessions close) and still answers 204.
#include "daemon/http/message.h"
#include "token-service/handler_context.h"

namespace amo::token_service {

http::Response revoke_endpoint(const http::Request& request, HandlerContext& c);

}  // namespace amo::token_service
