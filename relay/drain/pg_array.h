#pragma once
// Postgres array literals for libpqxx 6.4 parameters (it has no array conversion): passed
// as text and cast in the SQL ($1::bigint[]), so no value is ever spliced into SQL text.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace amo::relay {

std::string int_array(std::span<const std::int64_t> values);
std::string int_array(std::span<const int> values);
std::string bool_array(const std::vector<bool>& values);
// Every element double-quoted, with \ and " escaped.
std::string text_array(std::span<const std::string> values);

}  // namespace amo::relay
