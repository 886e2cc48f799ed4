#include <doctest/doctest.h>

#include <string>

#include "core/json/strict_parse.h"
#include "core/json/write.h"

using amo::json::Status;

namespace {
Status parse(std::string_view text, std::size_t max_bytes = 1024, std::size_t depth = 8) {
  amo::json::StrictParser p(max_bytes, depth);
  simdjson::dom::element e;
  return p.parse(text, e);
}
}  // namespace

TEST_CASE("accepts plain JSON") {
  CHECK(parse(R"({"a":1,"b":[1,2,{"c":"\ud83d\ude00"}]})") == Status::ok);
}

TEST_CASE("rejects duplicate keys at any depth, small and large objects") {
  CHECK(parse(R"({"a":1,"a":2})") == Status::duplicate_key);
  CHECK(parse(R"({"x":[{"k":1,"k":1}]})") == Status::duplicate_key);
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":0,";
  CHECK(parse(big + "\"z\":1}", 4096) == Status::ok);
  CHECK(parse(big + "\"k7\":1}", 4096) == Status::duplicate_key);
  // Keys equal after unescaping are duplicates too.
  CHECK(parse(R"({"a":1,"\u0061":2})") == Status::duplicate_key);
}

TEST_CASE("rejects what parsers disagree on") {
  CHECK(parse("\"\xff\"") == Status::not_utf8);
  CHECK(parse(R"("\ud800")") == Status::bad_string);
  CHECK(parse(R"("\udc00")") == Status::bad_string);
  CHECK(parse("123456789012345678901234567890") == Status::bad_number);
  CHECK(parse("1e400") == Status::bad_number);
  CHECK(parse("{\"a\":1,}") == Status::syntax);
}

TEST_CASE("rejects U+0000 in any string or key, at any depth") {
  CHECK(parse(R"("\u0000")") == Status::bad_string);
  CHECK(parse(R"({"a":"x\u0000y"})") == Status::bad_string);
  CHECK(parse(R"({"a":[1,{"b":"\u0000"}]})") == Status::bad_string);
  CHECK(parse(R"({"a\u0000":1})") == Status::bad_string);
  // Its neighbours stay valid.
  CHECK(parse(R"({"a":"\u0001","b":"\u0030"})") == Status::ok);
}

TEST_CASE("bounds size and depth") {
  CHECK(parse(std::string(2000, ' ') + "1", 1024) == Status::too_large);
  CHECK(parse("[[[[[[[[[[1]]]]]]]]]]", 1024, 8) == Status::too_deep);
  CHECK(parse("[[[1]]]", 1024, 8) == Status::ok);
}

TEST_CASE("parser is reusable and the element reflects the last parse") {
  amo::json::StrictParser p(256, 8);
  simdjson::dom::element e;
  REQUIRE(p.parse(R"({"v":1})", e) == Status::ok);
  REQUIRE(p.parse(R"({"v":2})", e) == Status::ok);
  CHECK(int64_t(e["v"]) == 2);
}

TEST_CASE("append_string escapes control characters and quotes") {
  std::string out;
  amo::json::append_string(out, std::string("a\"b\\c\n\x01", 7));
  CHECK(out == R"("a\"b\\c\n\u0001")");
  CHECK(parse(out) == Status::ok);
}

TEST_CASE("an empty input (null data) is a syntax error, not undefined behaviour") {
  CHECK(parse(std::string_view{}) == Status::syntax);
  CHECK(parse("") == Status::syntax);
}

TEST_CASE("append_element writes compact JSON that parses back to the same document") {
  amo::json::StrictParser p(1024, 8);
  simdjson::dom::element e;
  const std::string_view in =
      R"( { "t" : "a\"\u0001\n\u00e9" , "n":[ -9223372036854775808, 18446744073709551615, 1.5, true, false, null ],)"
      R"( "o" : { } , "a" : [ ] } )";
  REQUIRE(p.parse(in, e) == Status::ok);
  std::string out;
  amo::json::append_element(out, e);
  CHECK(out ==
        "{\"t\":\"a\\\"\\u0001\\n\xc3\xa9\",\"n\":[-9223372036854775808,18446744073709551615,1.5,true,false,null],"
        "\"o\":{},\"a\":[]}");
  amo::json::StrictParser q(1024, 8);
  simdjson::dom::element back;
  REQUIRE(q.parse(out, back) == Status::ok);
  CHECK(simdjson::minify(back) == simdjson::minify(e));
}

TEST_CASE("append_string escapes at every offset of the 8-byte fast path") {
  for (std::size_t len = 0; len <= 24; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (char special : {'"', '\\', '\n', '\x1f', '\x7f', '\xc3'}) {
        std::string in(len, 'a');
        in[at] = special;
        std::string out;
        amo::json::append_string(out, in);
        const bool escaped = special == '"' || special == '\\' || static_cast<unsigned char>(special) < 0x20;
        CHECK(out.size() == in.size() + 2 + (escaped ? (special == '\x1f' ? 5 : 1) : 0));
      }
    }
  }
}
