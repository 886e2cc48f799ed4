#pragma once
// The body of POST /api/realtime/token (DESIGN §7): empty, or {"threads":[…]} naming the
// threads the page needs. Pure: no database, no keys.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/strict_parse.h"
#include "token-service/refusal.h"

namespace amo::token_service {

struct TokenRequest {
  bool names_threads = false;        // false: all of the user's threads
  std::vector<std::string> threads;  // as named, each once, in the order given
};

struct BodyError {
  Refusal refusal = Refusal::bad_body;  // bad_body (400) or too_many_threads (422)
  std::string message;
};

// An empty (or all-whitespace) body or {} asks for all threads. Anything but an object whose
// only member is `threads`, an array of at most 128 thread ids (§2 grammar), is an error:
// more than 128 → too_many_threads, whatever the entries; the rest → bad_body. The parser's
// limits apply (its max_bytes should be max_body; the server has already answered 413).
std::optional<BodyError> parse_token_request(std::string_view body, json::StrictParser& parser, TokenRequest& out);

}  // namespace amo::token_service
