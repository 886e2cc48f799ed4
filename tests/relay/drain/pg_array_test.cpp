// Array literals passed as libpqxx parameters (relay/drain/pg_array.h).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "relay/drain/pg_array.h"

using namespace amo::relay;

TEST_CASE("array literals") {
  CHECK(int_array(std::vector<std::int64_t>{}) == "{}");
  CHECK(int_array(std::vector<std::int64_t>{1, -2, 9223372036854775807}) == "{1,-2,9223372036854775807}");
  CHECK(int_array(std::vector<int>{3}) == "{3}");
  CHECK(bool_array({true, false}) == "{t,f}");
  // Quotes, backslashes, commas, braces and NULL-looking text stay data.
  CHECK(text_array(std::vector<std::string>{"a", "b\"c", "d\\e", "f,g}", "NULL", ""}) ==
        "{\"a\",\"b\\\"c\",\"d\\\\e\",\"f,g}\",\"NULL\",\"\"}");
}
