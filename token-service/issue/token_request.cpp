#include "token-service/issue/token_request.h"

#include <algorithm>

#include "core/ids.h"
#include "core/json/write.h"
#include "core/token/claims.h"

namespace amo::token_service {

std::optional<BodyError> parse_token_request(std::string_view body, json::StrictParser& parser, TokenRequest& out) {
  out = TokenRequest{};
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::nullopt;
  simdjson::dom::element root;
  if (const json::Status s = parser.parse(body, root); s != json::Status::ok)
    return BodyError{Refusal::bad_body, "invalid JSON body: " + std::string(json::name(s))};
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return BodyError{Refusal::bad_body, "the body must be a JSON object"};
  for (auto field : obj) {
    if (field.key != "threads") {
      // The client's key goes into the audit line's detail="…": JSON-quoted, so a quote or a
      // newline in it cannot end the field early, and short.
      std::string message = "unknown member ";
      if (field.key.size() <= 64) {
        json::append_string(message, field.key);
      } else {
        message += "(too long)";
      }
      return BodyError{Refusal::bad_body, std::move(message)};
    }
    simdjson::dom::array threads;
    if (field.value.get(threads) != simdjson::SUCCESS)
      return BodyError{Refusal::bad_body, "threads must be an array of thread ids"};
    if (threads.size() > token::kMaxThreads)
      return BodyError{Refusal::too_many_threads, "more than " + std::to_string(token::kMaxThreads) + " threads"};
    out.names_threads = true;
    for (auto t : threads) {
      std::string_view id;
      if (t.get(id) != simdjson::SUCCESS || !is_valid_id(id))
        return BodyError{Refusal::bad_body, "threads must be an array of thread ids"};
      if (std::find(out.threads.begin(), out.threads.end(), id) == out.threads.end()) out.threads.emplace_back(id);
    }
  }
  return std::nullopt;
}

}  // namespace amo::token_service
