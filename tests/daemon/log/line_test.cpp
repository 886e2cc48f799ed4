#include "daemon/log/line.h"

#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

using namespace amo::log;
using json = nlohmann::json;

namespace {

// 2026-11-29T10:00:00.123Z
const auto kTime = std::chrono::system_clock::time_point(std::chrono::seconds(1795946400)) +
                   std::chrono::milliseconds(123);

std::string rendered(std::string_view message, bool as_json, Level level = Level::info, bool audit = false) {
  std::string out;
  render({.time = kTime, .level = level, .daemon = "amo-relay", .message = message, .audit = audit}, as_json, out);
  return out;
}

}  // namespace

TEST_CASE("timestamps are UTC with milliseconds") {
  std::string out;
  append_timestamp(kTime, out);
  CHECK(out == "2026-11-29T10:00:00.123Z");
  out.clear();
  append_timestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(5)), out);
  CHECK(out == "1970-01-01T00:00:00.005Z");
}

TEST_CASE("text lines") {
  CHECK(rendered("listening", false) == "2026-11-29T10:00:00.123Z info amo-relay: listening\n");
  CHECK(rendered("down", false, Level::warning) == "2026-11-29T10:00:00.123Z warning amo-relay: down\n");
  CHECK(rendered("kick", false, Level::info, true) == "2026-11-29T10:00:00.123Z info amo-relay: audit: kick\n");
  // One record, one line: an embedded newline cannot forge a second record.
  CHECK(rendered("a\nb\r\x01", false) == "2026-11-29T10:00:00.123Z info amo-relay: a\\nb\\r\\x01\n");
  CHECK(rendered("token=abc", false) == "2026-11-29T10:00:00.123Z info amo-relay: token=[redacted]\n");
}

TEST_CASE("JSON lines") {
  CHECK(rendered("listening", true) ==
        R"({"ts":"2026-11-29T10:00:00.123Z","level":"info","daemon":"amo-relay","msg":"listening"})"
        "\n");
  CHECK(rendered("refused", true, Level::info, true) ==
        R"({"ts":"2026-11-29T10:00:00.123Z","level":"info","daemon":"amo-relay","msg":"refused","audit":true})"
        "\n");
  const auto doc = json::parse(rendered("Bearer abc", true, Level::error));
  CHECK(doc["level"] == "error");
  CHECK(doc["msg"] == "Bearer [redacted]");
}

TEST_CASE("JSON escaping keeps any bytes valid") {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string cases[] = {
      all,
      "quote \" backslash \\ slash /",
      "ünïcödé ✓ 𝄞",
      std::string("\xc3\x28 bad continuation"),
      std::string("\xe0\x80\x80 overlong, \xed\xa0\x80 surrogate, \xf4\x90\x80\x80 past U+10FFFF"),
      std::string("truncated \xe2\x9c"),
      std::string("nul \0 inside", 12),
  };
  for (const auto& message : cases) {
    const std::string line = rendered(message, true);
    INFO(line);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    const auto doc = json::parse(line, nullptr, false);
    REQUIRE(doc.is_object());
    CHECK(doc["msg"].is_string());
  }
  std::string out;
  append_json_escaped("a\"\\\n\t\x01\x7f\xff\xc3\xa9", out);
  CHECK(out == "a\\\"\\\\\\n\\t\\u0001\\u007f\\ufffd\xc3\xa9");
  CHECK(json::parse(rendered("ünïcödé ✓ 𝄞", true))["msg"] == "ünïcödé ✓ 𝄞");
}

TEST_CASE("levels parse from their names") {
  Level level = Level::error;
  CHECK(parse_level("debug", level));
  CHECK(level == Level::debug);
  CHECK(parse_level("warning", level));
  CHECK(level == Level::warning);
  CHECK_FALSE(parse_level("warn", level));
  CHECK_FALSE(parse_level("INFO", level));
  CHECK(level == Level::warning);
}
