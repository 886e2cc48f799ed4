// token-service/ingest/chat_check.h: inbound chat from the broker and from HTTP, validated and
// stamped with core's rule, the same envelope id either way.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/envelope/schema_set.h"
#include "io/files.h"
#include "token-service/ingest/chat_check.h"

using namespace amo::token_service;
using json = nlohmann::json;

namespace {

const amo::envelope::SchemaSet& schemas() {
  static auto loaded = amo::envelope::load_schemas(amo::io::read_schema_dir(AMO_SOURCE_DIR "/schemas"));
  REQUIRE(loaded.set);
  return *loaded.set;
}

constexpr std::int64_t kNowMs = 1'795'600'800'123;

// What the plugin forwards: a stamped envelope.
std::string stamped(json extra = {}) {
  json e{{"v", 1},
         {"id", "2ba72f7e-0aaf-5a75-b80d-1ea9c5023f83"},
         {"kind", "chat.message"},
         {"amo", "A1"},
         {"ts", "2026-11-25T10:00:00.000Z"},
         {"sender", "u1"},
         {"thread", "T1"},
         {"client_msg_id", "0123456789abcdef"},
         {"payload", {{"text", "hi"}}}};
  for (auto& [k, v] : extra.items()) {
    if (v.is_null())
      e.erase(k);
    else
      e[k] = v;
  }
  return e.dump();
}

}  // namespace

TEST_CASE("a stamped chat from the broker and the same chat over HTTP get one envelope id") {
  ChatCheck check(schemas());
  InboundChat from_mqtt, from_http;
  CHECK(check.from_broker("amo/A1/thread/T1/chat", stamped(), kNowMs, from_mqtt).empty());
  CHECK(check
            .from_client(R"({"v":1,"kind":"chat.message","thread":"T1","client_msg_id":"0123456789abcdef",)"
                         R"("payload":{"text":"hi"}})",
                         "A1", "u1", kNowMs + 5000, from_http)
            .empty());
  const json a = json::parse(from_mqtt.envelope), b = json::parse(from_http.envelope);
  CHECK(a["id"] == b["id"]);
  CHECK(a["id"].get<std::string>().size() == 36);
  CHECK(a["sender"] == "u1");
  CHECK(a["amo"] == "A1");
  CHECK(a["thread"] == "T1");
  CHECK(from_mqtt.kind == "chat.message");
  CHECK(from_mqtt.client_msg_id == "0123456789abcdef");
  CHECK(a["payload"] == b["payload"]);
  CHECK_FALSE(a.contains("seq"));
  // The stored envelope is valid on the fan-out topic.
  amo::envelope::Validator v(schemas(), ChatCheck::kStampedLimit);
  CHECK(v.validate(from_mqtt.envelope, "thread/T1/events").status == amo::envelope::Status::ok);
}

TEST_CASE("a read receipt on …/read; its id differs from a chat with the same client_msg_id") {
  ChatCheck check(schemas());
  InboundChat chat, read;
  REQUIRE(check.from_broker("amo/A1/thread/T1/chat", stamped(), kNowMs, chat).empty());
  REQUIRE(check
              .from_broker("amo/A1/thread/T1/read", stamped({{"kind", "chat.read"}, {"payload", {{"up_to_seq", 5}}}}),
                           kNowMs, read)
              .empty());
  CHECK(read.kind == "chat.read");
  CHECK(json::parse(read.envelope)["id"] != json::parse(chat.envelope)["id"]);
}

TEST_CASE("from the broker: each bad message gets its reason") {
  ChatCheck check(schemas());
  InboundChat out;
  auto reason = [&](std::string_view topic, const std::string& payload) {
    return std::string(check.from_broker(topic, payload, kNowMs, out));
  };
  CHECK(reason("amo/A1/thread/T1/typing", stamped()) == "bad_topic");
  CHECK(reason("amo/A1/user/u1/chat", stamped()) == "bad_topic");
  CHECK(reason("amo/A 1/thread/T1/chat", stamped()) == "bad_topic");
  CHECK(reason("amo/A1/thread/T1/chat", "not json") == "not_json");
  CHECK(reason("amo/A1/thread/T1/chat", stamped({{"kind", "chat.read"}, {"payload", {{"up_to_seq", 1}}}})) ==
        "topic_mismatch");
  CHECK(reason("amo/A1/thread/T1/chat", stamped({{"sender", nullptr}})) == "missing_sender");
  CHECK(reason("amo/A1/thread/T1/chat", stamped({{"amo", "A2"}})) == "identity_mismatch");
  CHECK(reason("amo/A1/thread/T1/chat", stamped({{"thread", "T2"}})) == "identity_mismatch");
  CHECK(reason("amo/A1/thread/T1/chat", stamped({{"payload", {{"text", std::string(4001, 'x')}}}})) == "max_length");
  CHECK(reason("amo/A1/thread/T1/chat", stamped({{"client_msg_id", nullptr}})) == "required");
  // The stamped limit is 64 KiB, checked before parsing.
  CHECK(reason("amo/A1/thread/T1/chat", std::string(65 * 1024, ' ')) == "too_large");
  // One bad message leaves the checker fine for the next.
  CHECK(reason("amo/A1/thread/T1/chat", stamped()).empty());
}

TEST_CASE("from HTTP: the client envelope must name its thread; only chat kinds; server fields are overwritten") {
  ChatCheck check(schemas());
  InboundChat out;
  auto reason = [&](const std::string& body) { return std::string(check.from_client(body, "A1", "u1", kNowMs, out)); };
  CHECK(reason(R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789abcdef","payload":{"text":"hi"}})") ==
        "missing_thread");
  CHECK(reason(R"({"v":1,"kind":"chat.typing","thread":"T1","payload":{"state":"start"}})") == "kind_not_accepted");
  CHECK(reason(R"({"v":1,"kind":"chat.message","thread":"T1","client_msg_id":"short","payload":{"text":"hi"}})") ==
        "pattern");
  CHECK(reason(R"({"v":1,"kind":"chat.message","thread":"T1","client_msg_id":"0123456789abcdef","payload":{}})") ==
        "required");
  REQUIRE(reason(R"({"v":1,"kind":"chat.message","thread":"T1","client_msg_id":"0123456789abcdef",)"
                 R"("sender":"admin","amo":"A9","id":"00000000-0000-4000-8000-000000000000","payload":{"text":"x"}})")
              .empty());
  const json e = json::parse(out.envelope);
  CHECK(e["sender"] == "u1");
  CHECK(e["amo"] == "A1");
  CHECK(e["id"] != "00000000-0000-4000-8000-000000000000");
}
