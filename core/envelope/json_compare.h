#pragma once
// JSON value comparison with JSON Schema's semantics (1 == 1.0, objects unordered), for
// const, enum, minimum and maximum.
#include <simdjson.h>

namespace amo::envelope {

// Both must be numbers: <0, 0, >0.
int compare_numbers(simdjson::dom::element a, simdjson::dom::element b) noexcept;
// Recursion is bounded by the depth of the parsed documents.
bool json_equal(simdjson::dom::element a, simdjson::dom::element b) noexcept;

}  // namespace amo::envelope
