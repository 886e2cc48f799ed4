#pragma once
// Strict JSON parsing shared by every core parser (tokens, JWKS, envelopes, schemas).
// On top of simdjson (which already rejects invalid UTF-8, lone surrogate escapes and
// integers beyond 64 bits) it rejects duplicate object keys and U+0000 in any string or key
// (Postgres jsonb cannot store it), and bounds size and depth,
// so no two consumers can read different values out of the same bytes.
#include "core/enum_list.h"
#include <cstddef>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace amo::json {

#define AMO_JSON_STATUS(X) \
  X(ok)                    \
  X(too_large)             \
  X(not_utf8)              \
  X(syntax)                \
  X(bad_number)            \
  X(bad_string)            \
  X(too_deep)              \
  X(duplicate_key)

AMO_ENUM(Status, AMO_JSON_STATUS)

// Reusable parser: after the first parse of the largest document it allocates nothing.
// Not thread-safe; the element returned stays valid until the next parse.
class StrictParser {
 public:
  StrictParser(std::size_t max_bytes, std::size_t max_depth);

  Status parse(std::string_view bytes, simdjson::dom::element& out) noexcept;

  std::size_t max_bytes() const noexcept { return max_bytes_; }

 private:
  Status check_tree(simdjson::dom::element e) noexcept;

  std::size_t max_bytes_;
  std::size_t max_depth_;
  std::vector<char> padded_;
  std::vector<std::string_view> keys_;
  simdjson::dom::parser parser_;
};

}  // namespace amo::json
