#include "core/envelope/validate.h"

#include <doctest/doctest.h>

#include <string>

#include "tests/core/envelope/schema_files.h"

using namespace amo::envelope;

namespace {

using test::schemas;

struct Case {
  Status status;
  std::string pointer;
};

Case run(std::string_view text) {
  static Validator v(schemas());
  Verdict r = v.validate(text);
  return {r.status, std::string(r.pointer)};
}

const char* kChat = R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789ab","payload":{"text":"hi"}})";

std::string with_text(std::string_view text) {
  return std::string(R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789ab","payload":{"text":")") +
         std::string(text) + "\"}}";
}

}  // namespace

TEST_CASE("the shipped schemas load and name every kind with its topics") {
  const SchemaSet& s = schemas();
  CHECK(s.kind_count() == 8);
  CHECK(s.topics("chat.message").size() == 2);
  CHECK(s.topics("nope").empty());
}

TEST_CASE("valid envelope of every kind") {
  CHECK(run(kChat).status == Status::ok);
  CHECK(run(R"({"v":1,"kind":"chat.read","client_msg_id":"0123456789ab","payload":{"up_to_seq":0}})").status == Status::ok);
  CHECK(run(R"({"v":1,"kind":"chat.typing","payload":{"state":"stop"}})").status == Status::ok);
  CHECK(run(R"({"v":1,"kind":"replay.request","payload":{"after":17}})").status == Status::ok);
  CHECK(run(R"({"v":1,"kind":"entity.changed","payload":{"entity":"work_order","entity_id":"42","action":"updated"}})").status == Status::ok);
  CHECK(run(R"({"v":1,"kind":"notification","payload":{"title":"t","body":"b","level":"critical"}})").status == Status::ok);
  CHECK(run(R"({"v":1,"kind":"reset","payload":{"reason":"expired","latest":9}})").status == Status::ok);
  CHECK(run(R"({"v":1,"kind":"replay.done","payload":{"last":9}})").status == Status::ok);
  CHECK(run(R"({"v":1,"id":"2d6171b0-69cf-5487-acde-f0002830d870","kind":"chat.message","amo":"A1","ts":"2026-11-25T10:00:00.123Z","sender":"u1","thread":"T1","client_msg_id":"0123456789ab","seq":5,"payload":{"text":"hi"}})").status == Status::ok);
}

TEST_CASE("each keyword fails with its status and a JSON pointer") {
  auto c = run(R"({"v":1,"kind":"chat.message","payload":{"text":"hi"}})");
  CHECK(c.status == Status::required);
  CHECK(c.pointer == "/client_msg_id");
  c = run(R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789ab","payload":{"text":5}})");
  CHECK(c.status == Status::type);
  CHECK(c.pointer == "/payload/text");
  c = run(R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789ab","payload":{"text":"x","x":1}})");
  CHECK(c.status == Status::additional_property);
  CHECK(c.pointer == "/payload/x");
  c = run(R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789ab","extra":1,"payload":{"text":"x"}})");
  CHECK(c.status == Status::additional_property);
  CHECK(c.pointer == "/extra");
  // The empty key is a member like any other (RFC 6901: "/"), found by fuzz_envelope.
  c = run(R"({"v":1,"kind":"chat.typing","payload":{"state":"start"},"":0})");
  CHECK(c.status == Status::additional_property);
  CHECK(c.pointer == "/");
  c = run(R"({"v":1,"kind":"chat.typing","payload":{"state":"start","":0}})");
  CHECK(c.status == Status::additional_property);
  CHECK(c.pointer == "/payload/");
  c = run(R"({"v":1,"kind":"chat.typing","payload":{"state":"maybe"}})");
  CHECK(c.status == Status::enum_mismatch);
  CHECK(c.pointer == "/payload/state");
  c = run(R"({"v":1,"kind":"chat.message","client_msg_id":"short","payload":{"text":"x"}})");
  CHECK(c.status == Status::pattern);
  CHECK(c.pointer == "/client_msg_id");
  c = run(R"({"v":1,"kind":"chat.read","client_msg_id":"0123456789ab","payload":{"up_to_seq":-1}})");
  CHECK(c.status == Status::minimum);
  CHECK(c.pointer == "/payload/up_to_seq");
  c = run(R"({"v":1,"kind":"chat.read","client_msg_id":"0123456789ab","payload":{"up_to_seq":1.0}})");
  CHECK(c.status == Status::type);
  c = run(R"({"v":1,"kind":"replay.request","threads":["a","b/c"],"payload":{"after":1}})");
  CHECK(c.status == Status::pattern);
  CHECK(c.pointer == "/threads/1");
  std::string many = R"({"v":1,"kind":"replay.request","payload":{"after":1},"threads":[)";
  for (int i = 0; i < 129; ++i) many += (i ? ",\"t\"" : "\"t\"");
  c = run(many + "]}");
  CHECK(c.status == Status::max_items);
  CHECK(c.pointer == "/threads");
  c = run(R"({"v":1,"kind":"chat.typing","threads":[],"payload":{"state":"start"}})");
  CHECK(c.status == Status::const_mismatch);
  CHECK(c.pointer == "/kind");
  CHECK(run(R"({"v":2,"kind":"chat.typing","payload":{"state":"start"}})").status == Status::bad_version);
  CHECK(run(R"({"v":"1","kind":"chat.typing","payload":{"state":"start"}})").status == Status::bad_version);
  CHECK(run(R"({"v":1,"kind":"chat.shout","payload":{}})").status == Status::unknown_kind);
  CHECK(run(R"({"v":1,"kind":"chat.typing","ts":"2026-11-25T10:00:00Z","payload":{"state":"start"}})").status == Status::pattern);
  CHECK(run(R"({"v":1,"kind":"chat.typing","id":"2D6171B0-69CF-5487-ACDE-F0002830D870","payload":{"state":"start"}})").status == Status::pattern);
  CHECK(run(R"([1,2])").status == Status::type);
}

TEST_CASE("maxLength counts code points, not bytes or UTF-16 units") {
  std::string ascii(4000, 'a');
  CHECK(run(with_text(ascii)).status == Status::ok);
  CHECK(run(with_text(ascii + "a")).status == Status::max_length);
  std::string emoji;
  for (int i = 0; i < 4000; ++i) emoji += "\xF0\x9F\x98\x80";
  CHECK(run(with_text(emoji)).status == Status::ok);
  CHECK(run(with_text(emoji + "\xC3\xA9")).status == Status::max_length);
  std::string escaped;
  for (int i = 0; i < 1000; ++i) escaped += "\\ud83d\\ude00";
  CHECK(run(with_text(escaped + std::string(3000, 'a'))).status == Status::ok);
  CHECK(run(with_text(escaped + std::string(3001, 'a'))).status == Status::max_length);
}

TEST_CASE("parser-level refusals") {
  CHECK(run(R"({"v":1,"v":1,"kind":"chat.typing","payload":{"state":"start"}})").status == Status::duplicate_key);
  CHECK(run(R"({"v":1,"kind":"chat.typing","payload":{"state":"start","st\u0061te":"stop"}})").status == Status::duplicate_key);
  CHECK(run(with_text("\xff")).status == Status::not_utf8);
  CHECK(run(with_text("\\ud800")).status != Status::ok);
  CHECK(run(R"({"v":1,"kind":"replay.request","payload":{"after":123456789012345678901234567890}})").status == Status::bad_number);
  CHECK(run("not json").status == Status::not_json);
  std::string deep = R"({"v":1,"kind":"chat.typing","payload":{"state":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  CHECK(run(deep + "}}").status == Status::too_deep);
}

TEST_CASE("size is checked before parsing") {
  std::string blob(1 << 20, 'x');
  CHECK(run(blob).status == Status::too_large);
  CHECK(run(with_text(std::string(16384, 'a'))).status == Status::too_large);
}

TEST_CASE("kind and topic") {
  const SchemaSet& s = schemas();
  CHECK(s.kind_allows_topic("chat.message", "thread/T1/chat"));
  CHECK(s.kind_allows_topic("chat.message", "thread/T1/events"));
  CHECK_FALSE(s.kind_allows_topic("chat.message", "thread/T1/typing"));
  CHECK_FALSE(s.kind_allows_topic("chat.message", "thread/T1/chat/x"));
  CHECK_FALSE(s.kind_allows_topic("chat.message", "thread//chat"));
  CHECK_FALSE(s.kind_allows_topic("chat.message", "thread/a+b/chat"));
  CHECK_FALSE(s.kind_allows_topic("chat.message", "thread/T1"));
  CHECK(s.kind_allows_topic("replay.request", "user/u1/cmd/replay"));
  CHECK_FALSE(s.kind_allows_topic("replay.request", "user/u1/cmd"));
  CHECK_FALSE(s.kind_allows_topic("unknown", "thread/T1/chat"));
  Validator v(s);
  CHECK(v.validate(kChat, "thread/T1/chat").status == Status::ok);
  Verdict bad = v.validate(kChat, "thread/T1/typing");
  CHECK(bad.status == Status::topic_mismatch);
  CHECK(bad.kind == "chat.message");
}

TEST_CASE("a limit changed in a schema file changes behaviour without a rebuild") {
  auto files = test::read_schema_dir();
  for (auto& f : files)
    if (f.name == "chat.message.v1.json") {
      auto at = f.text.find("4000");
      REQUIRE(at != std::string::npos);
      f.text.replace(at, 4, "3");
    }
  LoadResult r = load_schemas(files);
  REQUIRE(r.status == Status::ok);
  Validator v(*r.set);
  CHECK(v.validate(with_text("abc")).status == Status::ok);
  CHECK(v.validate(with_text("abcd")).status == Status::max_length);
}

namespace {
LoadResult load_one(std::string text) {
  std::vector<SchemaFile> f{{"s.json", std::move(text)}};
  return load_schemas(f, "s.json");
}
}  // namespace

TEST_CASE("the loader refuses what it does not implement, naming file and keyword") {
  auto r = load_one(R"({"type":"object","format":"email"})");
  CHECK(r.status == Status::schema_unsupported);
  CHECK(r.error.find("s.json") != std::string::npos);
  CHECK(r.error.find("format") != std::string::npos);
  CHECK(load_one(R"({"properties":{"a":{"minItems":1}}})").error.find("#/properties/a") != std::string::npos);
  CHECK(load_one(R"({"pattern":"^(a|b)$"})").status == Status::schema_bad_pattern);
  CHECK(load_one(R"({"pattern":"[^a]"})").status == Status::schema_bad_pattern);
  CHECK(load_one(R"({"pattern":"\\s"})").status == Status::schema_bad_pattern);
  CHECK(load_one(R"({"$ref":"#/definitions/x"})").status == Status::schema_bad_ref);
  CHECK(load_one(R"({"$ref":"other.json"})").status == Status::schema_bad_ref);
  CHECK(load_one(R"({"definitions":{"a":{}},"$ref":"#/definitions/a","type":"string"})").status == Status::schema_unsupported);
  CHECK(load_one(R"({"additionalProperties":{"type":"string"}})").status == Status::schema_unsupported);
  CHECK(load_one(R"({"items":[{}]})").status == Status::schema_unsupported);
  CHECK(load_one(R"({"type":"strin"})").status == Status::schema_bad_keyword);
  CHECK(load_one(R"({"a":1,"a":2})").status == Status::schema_not_json);
  CHECK(load_one(R"({"x-topics":["thread/{t}/chat"]})").status == Status::schema_bad_keyword);
  std::vector<SchemaFile> none{{"other.json", "{}"}};
  CHECK(load_schemas(none).status == Status::schema_missing_root);
}

TEST_CASE("a cyclic $ref cannot exhaust the stack") {
  auto r = load_one(R"({"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"allOf":[{"$ref":"#/definitions/a"}]})");
  REQUIRE(r.status == Status::ok);
  Validator v(*r.set);
  CHECK(v.validate("1").status == Status::too_deep);
}
