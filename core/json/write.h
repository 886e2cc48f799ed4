#pragma once
// Writing JSON text by hand where the core builds documents (token signing, stamping).
#include <string>
#include <string_view>

namespace amo::json {

// Appends s as a quoted JSON string. s must be valid UTF-8 (callers pass parsed or checked text).
void append_string(std::string& out, std::string_view s);

}  // namespace amo::json
