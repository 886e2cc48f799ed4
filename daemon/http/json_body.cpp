#include "daemon/http/json_body.h"

#include <string>

namespace amo::http {

std::optional<Response> parse_json_body(const Request& request, json::StrictParser& parser,
                                        simdjson::dom::element& out) {
  const json::Status s = parser.parse(request.body, out);
  if (s == json::Status::ok) return std::nullopt;
  if (s == json::Status::too_large) return Response::error(413, "request body too large");
  return Response::error(400, "invalid JSON body: " + std::string(json::name(s)));
}

}  // namespace amo::http
