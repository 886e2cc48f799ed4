#pragma once
// One compiled JSON Schema (sub)schema: the keywords our schemas use, already resolved
// ($ref to a node index, pattern compiled), so validation does no lookups by name.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

namespace amo::envelope {

enum TypeBit : std::uint8_t {
  kNull = 1, kBoolean = 2, kObject = 4, kArray = 8, kNumber = 16, kString = 32, kInteger = 64,
};

struct SchemaNode {
  bool always_false = false;  // the boolean schema `false`
  std::int32_t ref = -1;      // $ref target; a $ref node has no other assertions
  std::uint8_t types = 0;     // TypeBit mask; 0 = any
  bool has_const = false;
  simdjson::dom::element const_value;
  std::vector<simdjson::dom::element> enum_values;
  std::int32_t pattern = -1;  // index into SchemaSet's patterns
  std::int64_t min_length = -1;
  std::int64_t max_length = -1;
  bool has_minimum = false;
  bool has_maximum = false;
  simdjson::dom::element minimum;
  simdjson::dom::element maximum;
  bool has_exclusive_minimum = false;
  bool has_exclusive_maximum = false;
  simdjson::dom::element exclusive_minimum;
  simdjson::dom::element exclusive_maximum;
  std::int64_t max_items = -1;
  std::int32_t items = -1;
  std::vector<std::pair<std::string, std::int32_t>> properties;
  std::vector<std::string> required;
  bool additional_allowed = true;  // additionalProperties: false clears it
  std::vector<std::int32_t> all_of;
  // allOf members of the shape {"if":{"properties":{K:{"const":"<s>"}}},"then":T}, indexed at
  // load time by <s> (all with the same K): for an object that has K, only the matching T can
  // apply, so validation jumps to it instead of evaluating every `if`. Otherwise (no object,
  // K absent: each `if` holds vacuously) they are evaluated as written, from dispatch_all.
  std::string_view dispatch_key;
  std::vector<std::pair<std::string_view, std::int32_t>> dispatch;  // const value → then node
  std::vector<std::int32_t> dispatch_all;                           // the allOf members themselves
  std::int32_t if_ = -1;
  std::int32_t then_ = -1;
  std::int32_t else_ = -1;
};

}  // namespace amo::envelope
