#pragma once
// POST /api/realtime/token (DESIGN §7): portal session → user checks in realtime_users →
// threads from realtime_thread_members, narrowed by the body → a connect token with exactly
// the §2 claims, signed with the newest key of signing_key_file, and the topics the plugin
// will allow for it.
#include "daemon/http/message.h"
#include "token-service/handler_context.h"

namespace amo::token_service {

http::Response issue_token(const http::Request& request, HandlerContext& c);

// A fresh client id for one issue: "<amo>:<sub>:<11 random base64url chars>", or 22 random
// characters when that would pass the 128 characters of the §2 `cid` grammar.
std::string new_client_id(std::string_view amo, std::string_view sub);

}  // namespace amo::token_service
