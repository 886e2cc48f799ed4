#pragma once
// Every JSON request body the daemons accept goes through here: the strict parser of core/json
// (duplicate keys, invalid UTF-8, lone surrogates and U+0000 refused, DESIGN §4), so a body
// that Postgres jsonb could not store, or that two parsers would read differently, is a 400
// before any handler logic runs.
#include <optional>

#include "core/json/strict_parse.h"
#include "daemon/http/message.h"

namespace amo::http {

// Parses request.body into `out` (valid until parser's next parse). nullopt when it parsed;
// otherwise the 400 answer, its error naming the strict parser's reason (e.g. "bad_string").
// A body over the parser's max_bytes is a 413.
std::optional<Response> parse_json_body(const Request& request, json::StrictParser& parser,
                                        simdjson::dom::element& out);

}  // namespace amo::http
