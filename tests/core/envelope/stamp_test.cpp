#include "core/envelope/stamp.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/envelope/timestamp.h"
#include "core/envelope/uuid.h"
#include "tests/core/envelope/schema_files.h"

using namespace amo::envelope;

namespace {
using test::schemas;
}  // namespace

TEST_CASE("uuid v5 matches Python's uuid.uuid5(NAMESPACE_URL, ...)") {
  CHECK(uuid_v5_url("http://python.org/") == "4c565f0d-3f5a-5890-b41b-20cf47701c5e");
  CHECK(uuid_v5_url("A1/u1/0123456789abcdef") == "2d6171b0-69cf-5487-acde-f0002830d870");
  std::string a = uuid_v4(), b = uuid_v4();
  CHECK(a.size() == 36);
  CHECK(a[14] == '4');
  CHECK(a != b);
}

TEST_CASE("format_ts is RFC 3339 UTC with milliseconds") {
  CHECK(format_ts(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_ts(1795600800123) == "2026-11-25T10:00:00.123Z");
  CHECK(format_ts(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(format_ts(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("stamping a chat overwrites server fields, drops seq, and the result validates") {
  Validator v(schemas());
  Validator check(schemas());
  const char* client =
      R"({"v":1,"kind":"chat.message","sender":"mallory","amo":"OTHER","thread":"TX","ts":"2000-01-01T00:00:00.000Z","id":"00000000-0000-4000-8000-000000000000","seq":99,"client_msg_id":"0123456789abcdef","payload":{ "text" : "hi \u00e9" }})";
  Verdict verdict = v.validate(client, "thread/T1/chat");
  REQUIRE(verdict.status == Status::ok);
  std::string out;
  StampInput in{"A1", "u1", "T1", {}, 1795600800123};
  REQUIRE(stamp(verdict, in, out) == Status::ok);
  CHECK(out ==
        "{\"v\":1,\"id\":\"2ba72f7e-0aaf-5a75-b80d-1ea9c5023f83\",\"kind\":\"chat.message\",\"amo\":\"A1\","
        "\"ts\":\"2026-11-25T10:00:00.123Z\",\"sender\":\"u1\",\"thread\":\"T1\",\"client_msg_id\":\"0123456789abcdef\","
        "\"payload\":{\"text\":\"hi \xC3\xA9\"}}");
  CHECK(check.validate(out, "thread/T1/chat").status == Status::ok);
  // A resend gets the same id.
  std::string again;
  verdict = v.validate(client);
  REQUIRE(stamp(verdict, {"A1", "u1", "T1", {}, 5}, again) == Status::ok);
  CHECK(again.substr(0, 50) == out.substr(0, 50));
}

TEST_CASE("the id names amo, sender, kind, thread and client_msg_id: one client_msg_id, distinct envelopes") {
  Validator v(schemas());
  const auto id_of = [&](const std::string& json, std::string_view thread, std::string_view sender = "u1") {
    std::string out;
    REQUIRE(stamp(v.validate(json), {"A1", sender, thread, {}, 0}, out) == Status::ok);
    return out.substr(out.find("\"id\":\"") + 6, 36);
  };
  const std::string chat = R"({"v":1,"kind":"chat.message","client_msg_id":"0123456789abcdef","payload":{"text":"hi"}})";
  const std::string read = R"({"v":1,"kind":"chat.read","client_msg_id":"0123456789abcdef","payload":{"up_to_seq":1}})";
  // Python: uuid.uuid5(uuid.NAMESPACE_URL, "A1/u1/chat.message/T1/0123456789abcdef")
  CHECK(id_of(chat, "T1") == "2ba72f7e-0aaf-5a75-b80d-1ea9c5023f83");
  CHECK(id_of(chat, "T1") == uuid_v5_url("A1/u1/chat.message/T1/0123456789abcdef"));
  CHECK(id_of(read, "T1") == uuid_v5_url("A1/u1/chat.read/T1/0123456789abcdef"));
  CHECK(id_of(chat, "T2") == uuid_v5_url("A1/u1/chat.message/T2/0123456789abcdef"));
  CHECK(id_of(chat, "T1", "u2") == uuid_v5_url("A1/u2/chat.message/T1/0123456789abcdef"));
  CHECK(id_of(chat, "T1") != id_of(read, "T1"));
  CHECK(id_of(chat, "T1") != id_of(chat, "T2"));
  // Outside a thread topic the thread part is empty.
  const std::string replay = R"({"v":1,"kind":"replay.request","client_msg_id":"0123456789abcdef","payload":{"after":0}})";
  CHECK(id_of(replay, "") == uuid_v5_url("A1/u1/replay.request//0123456789abcdef"));
}

TEST_CASE("replay.request gets the token's threads, client threads dropped, random id") {
  Validator v(schemas());
  Validator check(schemas());
  Verdict verdict = v.validate(R"({"v":1,"kind":"replay.request","threads":["evil"],"payload":{"after":3}})");
  REQUIRE(verdict.status == Status::ok);
  std::vector<std::string> threads{"T1", "T2"};
  std::string out;
  REQUIRE(stamp(verdict, {"A1", "u1", "", threads, 0}, out) == Status::ok);
  CHECK(out.find("\"threads\":[\"T1\",\"T2\"]}") != std::string::npos);
  CHECK(out.find("evil") == std::string::npos);
  CHECK(out.find("\"thread\":") == std::string::npos);
  Verdict stamped = check.validate(out, "user/u1/cmd/replay");
  CHECK(stamped.status == Status::ok);
  std::string out2;
  REQUIRE(stamp(v.validate(R"({"v":1,"kind":"chat.typing","payload":{"state":"start"}})"), {"A1", "u1", "T1", threads, 0}, out2) == Status::ok);
  CHECK(out2.find("threads") == std::string::npos);
  CHECK(check.validate(out2).status == Status::ok);
}

TEST_CASE("stamp refuses unvalidated input and bad identities") {
  Validator v(schemas());
  std::string out;
  CHECK(stamp(v.validate("{}"), {"A1", "u1", "", {}, 0}, out) == Status::not_validated);
  Verdict ok = v.validate(R"({"v":1,"kind":"chat.typing","payload":{"state":"start"}})");
  CHECK(stamp(ok, {"A/1", "u1", "", {}, 0}, out) == Status::bad_identity);
  CHECK(stamp(ok, {"A1", "", "", {}, 0}, out) == Status::bad_identity);
  CHECK(stamp(ok, {"A1", "u1", "t#", {}, 0}, out) == Status::bad_identity);
}
