#pragma once
// Writing JSON text by hand where the core builds documents (token signing, stamping).
#include <span>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace amo::json {

// Appends s as a quoted JSON string. s must be valid UTF-8 (callers pass parsed or checked text).
void append_string(std::string& out, std::string_view s);

// Appends ["a","b",...].
void append_string_array(std::string& out, std::span<const std::string> items);

// Appends e as compact JSON (strings re-escaped by append_string). Recursion follows e's
// nesting, which the parser that produced e already bounded (StrictParser max_depth).
void append_element(std::string& out, simdjson::dom::element e);

}  // namespace amo::json
