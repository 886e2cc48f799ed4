#pragma once
// Hot-path envelope validation (plugin MESSAGE, ingest, relay): size check, one strict parse,
// then the compiled schema tree. Fail-fast: the first failure comes back as a status and a
// JSON pointer. No exceptions, no allocation after warm-up, depth bounded by max_depth.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/envelope/schema_set.h"
#include "core/envelope/status.h"
#include "core/json/strict_parse.h"

namespace amo::envelope {

struct Verdict {
  Status status = Status::not_validated;
  std::string_view pointer;  // JSON pointer of the first failure; valid until the next call
  std::string_view kind;     // the envelope's "kind" when it is a string; valid until the next call
  simdjson::dom::element root;  // the parsed envelope; valid until the next call
};

// Not thread-safe (one per thread); the SchemaSet must outlive it.
class Validator {
 public:
  explicit Validator(const SchemaSet& set, std::size_t max_bytes = 16384, std::size_t max_depth = 16);

  Verdict validate(std::string_view bytes) noexcept;
  // Also checks that the kind may travel on topic_suffix (the topic after "amo/{amo}/").
  Verdict validate(std::string_view bytes, std::string_view topic_suffix) noexcept;

 private:
  struct Segment {
    std::string_view key;
    std::size_t index;
    bool is_index;
  };
  Status check(std::int32_t node, simdjson::dom::element e) noexcept;
  Status check_object(const SchemaNode& n, simdjson::dom::object obj) noexcept;
  Status check_dispatch(const SchemaNode& n, simdjson::dom::element e) noexcept;
  Status fail(Status s) noexcept;
  // The failure is about member `key` of the current object ("" is a valid key: "/").
  Status fail_at_key(Status s, std::string_view key) noexcept;

  const SchemaSet& set_;
  json::StrictParser parser_;
  std::vector<Segment> path_;
  std::string pointer_;
  std::size_t max_path_;
  unsigned calls_ = 0;
  unsigned quiet_ = 0;  // inside an `if`: failures are answers, not errors
};

}  // namespace amo::envelope
