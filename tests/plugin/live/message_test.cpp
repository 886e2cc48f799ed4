// MESSAGE on a live broker (DESIGN §3, §4): user publishes are validated and stamped from the
// token; invalid ones never reach anyone and v5 senders get 0x87; chat reaches the ingest,
// never other users; typing reaches thread members; v5 properties pass through.
#include <regex>
#include <set>

#include "tests/plugin/live/live_common.h"

using namespace amo;
using namespace amo::live;

namespace {

// The ingest as DESIGN §7 subscribes, plus the other inbound topics, on a fresh service session.
std::unique_ptr<TestClient> ingest() {
  auto svc = connect_service(broker().port(), key(), "ingest");
  REQUIRE(svc->subscribe({"$share/ingest/amo/+/thread/+/chat", "$share/ingest/amo/+/thread/+/read",
                          "amo/+/thread/+/typing", "amo/+/user/+/cmd/replay"},
                         1) == std::vector<int>{1, 1, 1, 1});
  return svc;
}

std::vector<TestClient::Received> drain(TestClient& c, std::size_t n, std::chrono::milliseconds extra = 300ms) {
  auto got = c.wait_messages(n, 3000ms);
  std::this_thread::sleep_for(extra);
  for (auto& m : c.take_messages()) got.push_back(std::move(m));
  return got;
}

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex kTs(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");

}  // namespace

TEST_CASE("a user's chat reaches the ingest stamped from the token, whatever the client sent") {
  auto svc = ingest();
  auto dave = connect_user(broker().port(), key(), "dave", "acme", {"T1"}, 5);
  const std::string cmid = "cmid-stamp-0001";
  const json sent{{"v", 1},
                  {"kind", "chat.message"},
                  {"client_msg_id", cmid},
                  {"sender", "mallory"},
                  {"amo", "evil"},
                  {"thread", "T9"},
                  {"seq", 77},
                  {"id", "00000000-0000-4000-8000-000000000000"},
                  {"ts", "2001-01-01T00:00:00.000Z"},
                  {"payload", {{"text", "hello"}}}};
  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/chat", sent.dump(), 1, false, {{"trace", "t-1"}}, "corr-42")));
  auto got = drain(*svc, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].topic == "amo/acme/thread/T1/chat");
  CHECK(got[0].correlation_data == "corr-42");
  CHECK(got[0].user_props.count("trace") == 1);
  const json env = json::parse(got[0].payload, nullptr, false);
  REQUIRE(env.is_object());
  CHECK(env["v"] == 1);
  CHECK(env["kind"] == "chat.message");
  CHECK(env["sender"] == "dave");
  CHECK(env["amo"] == "acme");
  CHECK(env["thread"] == "T1");
  CHECK(env["client_msg_id"] == cmid);
  CHECK(env["payload"] == json{{"text", "hello"}});
  CHECK_FALSE(env.contains("seq"));
  const std::string id = env.value("id", "");
  CHECK(id == uuid_v5_url("acme/dave/chat.message/T1/" + cmid));
  CHECK(std::regex_match(env.value("ts", ""), kTs));
  CHECK(env.value("ts", "").substr(0, 4) != "2001");  // the broker's clock, not the client's

  // A resend with the same client_msg_id gets the same id; another client_msg_id another one.
  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/chat", chat(cmid, "hello"), 1)));
  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/chat", chat("cmid-stamp-0002", "hello"), 1)));
  auto again = drain(*svc, 2);
  REQUIRE(again.size() == 2);
  CHECK(json::parse(again[0].payload)["id"] == id);
  CHECK(json::parse(again[1].payload)["id"] == uuid_v5_url("acme/dave/chat.message/T1/cmid-stamp-0002"));
  CHECK(json::parse(again[1].payload)["id"] != id);
}

TEST_CASE("MQTT 3.1.1 chat and read receipts are stamped the same way") {
  auto svc = ingest();
  auto dave3 = connect_user(broker().port(), key(), "dave", "acme", {"T2"}, 4);
  REQUIRE(accepted(dave3->publish("amo/acme/thread/T2/chat", chat("cmid-v3-00001"), 1)));
  const json read{{"v", 1}, {"kind", "chat.read"}, {"client_msg_id", "cmid-read-0001"}, {"sender", "x"},
                  {"payload", {{"up_to_seq", 5}}}};
  REQUIRE(accepted(dave3->publish("amo/acme/thread/T2/read", read.dump(), 1)));
  auto got = drain(*svc, 2);
  REQUIRE(got.size() == 2);
  std::map<std::string, json> by_topic;
  for (const auto& m : got) by_topic[m.topic] = json::parse(m.payload);
  const json& c = by_topic["amo/acme/thread/T2/chat"];
  CHECK(c["sender"] == "dave");
  CHECK(c["thread"] == "T2");
  CHECK(c["id"] == uuid_v5_url("acme/dave/chat.message/T2/cmid-v3-00001"));
  const json& r = by_topic["amo/acme/thread/T2/read"];
  CHECK(r["kind"] == "chat.read");
  CHECK(r["sender"] == "dave");
  CHECK(r["amo"] == "acme");
  CHECK(r["id"] == uuid_v5_url("acme/dave/chat.read/T2/cmid-read-0001"));
  CHECK(r["payload"] == json{{"up_to_seq", 5}});
}

TEST_CASE("one client_msg_id in another thread or on a read receipt gets another envelope id") {
  auto svc = ingest();
  auto dave = connect_user(broker().port(), key(), "dave", "acme", {"T1", "T2"}, 5);
  const std::string cmid = "cmid-shared-0001";
  const json read{{"v", 1}, {"kind", "chat.read"}, {"client_msg_id", cmid}, {"payload", {{"up_to_seq", 1}}}};
  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/chat", chat(cmid), 1)));
  REQUIRE(accepted(dave->publish("amo/acme/thread/T2/chat", chat(cmid), 1)));
  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/read", read.dump(), 1)));
  auto got = drain(*svc, 3);
  REQUIRE(got.size() == 3);
  std::set<std::string> ids;
  for (const auto& m : got) ids.insert(json::parse(m.payload).value("id", ""));
  CHECK(ids == std::set<std::string>{uuid_v5_url("acme/dave/chat.message/T1/" + cmid),
                                     uuid_v5_url("acme/dave/chat.message/T2/" + cmid),
                                     uuid_v5_url("acme/dave/chat.read/T1/" + cmid)});
}

TEST_CASE("users never read raw chat or read receipts; typing reaches thread members directly, stamped") {
  auto svc = ingest();
  auto dave = connect_user(broker().port(), key(), "dave", "acme", {"T1"}, 5);
  auto erin = connect_user(broker().port(), key(), "erin", "acme", {"T1"}, 5);
  auto erin3 = connect_user(broker().port(), key(), "erin", "acme", {"T1"}, 4);
  auto frank = connect_user(broker().port(), key(), "frank", "acme", {"T2"}, 5);  // not in T1
  REQUIRE(erin->subscribe({"amo/acme/thread/T1/#"}, 1) == std::vector<int>{1});
  REQUIRE(erin3->subscribe({"amo/acme/thread/T1/chat", "amo/acme/thread/T1/typing"}, 1) == std::vector<int>{1, 1});
  REQUIRE(frank->subscribe({"amo/acme/thread/T1/#"}, 1) == std::vector<int>{kNotAuthorized});

  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/chat", chat("cmid-members-1"), 1)));
  const json read{{"v", 1}, {"kind", "chat.read"}, {"client_msg_id", "cmid-members-r"}, {"payload", {{"up_to_seq", 1}}}};
  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/read", read.dump(), 1)));
  REQUIRE(accepted(dave->publish("amo/acme/thread/T1/typing", typing("start"), 1)));

  CHECK(drain(*svc, 3).size() == 3);  // the ingest got all three
  for (auto* c : {erin.get(), erin3.get()}) {
    auto got = drain(*c, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].topic == "amo/acme/thread/T1/typing");
    const json t = json::parse(got[0].payload);
    CHECK(t["kind"] == "chat.typing");
    CHECK(t["sender"] == "dave");
    CHECK(t["thread"] == "T1");
    CHECK(t["amo"] == "acme");
    CHECK(std::regex_match(t.value("id", ""), kUuid));
  }
  CHECK(frank->take_messages().empty());
}

TEST_CASE("replay.request gets the token's threads stamped; correlation data passes through") {
  auto svc = ingest();
  auto dave = connect_user(broker().port(), key(), "dave", "acme", {"T1", "T7"}, 5);
  const json req{{"v", 1}, {"kind", "replay.request"}, {"payload", {{"after", 0}}}};
  REQUIRE(accepted(dave->publish("amo/acme/user/dave/cmd/replay", req.dump(), 1, false, {}, "tab-3")));
  auto got = drain(*svc, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].topic == "amo/acme/user/dave/cmd/replay");
  CHECK(got[0].correlation_data == "tab-3");
  const json r = json::parse(got[0].payload);
  CHECK(r["kind"] == "replay.request");
  CHECK(r["threads"] == json{"T1", "T7"});
  CHECK(r["sender"] == "dave");
  CHECK(r["amo"] == "acme");
  CHECK(r["payload"] == json{{"after", 0}});
  CHECK(std::regex_match(r.value("id", ""), kUuid));
}

TEST_CASE("invalid payloads are never delivered; v5 senders get 0x87 at QoS 1; each counts in schema_rejected") {
  auto svc = ingest();
  auto stats = connect_service(broker().port(), key(), "stats");
  REQUIRE(stats->subscribe({kStatsTopic}, 0) == std::vector<int>{0});
  const json base_doc = wait_stats(*stats, [](const json& d) { return d.is_object(); });
  const auto rejected_before = base_doc.value("schema_rejected", std::int64_t{0});

  const std::string t = "amo/acme/thread/T1/chat";
  const std::string ok = chat("cmid-valid-0001");
  std::vector<std::pair<std::string, std::string>> bad = {
      {t, "not json"},
      {t, ""},
      {t, "[]"},
      {t, R"({"v":1,"kind":"chat.message")"},
      {t, R"({"v":2,"kind":"chat.message","client_msg_id":"cmid-v2-0001","payload":{"text":"hi"}})"},
      {t, R"({"v":1,"kind":"chat.shout","client_msg_id":"cmid-kind-0001","payload":{"text":"hi"}})"},
      {t, R"({"v":1,"kind":"chat.message","client_msg_id":"cmid-extra-001","payload":{"text":"hi"},"x":1})"},
      {t, R"({"v":1,"kind":"chat.message","client_msg_id":"cmid-extra-002","payload":{"text":"hi","x":1}})"},
      {t, R"({"v":1,"kind":"chat.message","payload":{"text":"hi"}})"},
      {t, R"({"v":1,"kind":"chat.message","client_msg_id":"abc","payload":{"text":"hi"}})"},
      {t, R"({"v":1,"v":1,"kind":"chat.message","client_msg_id":"cmid-dup-0001","payload":{"text":"hi"}})"},
      {t, std::string(R"({"v":1,"kind":"chat.message","client_msg_id":"cmid-utf8-001","payload":{"text":")") +
              "\xff\xfe" + "\"}}"},
      {t, chat("cmid-long-0001", std::string(4001, 'x'))},
      {t, chat("cmid-huge-0001", std::string(17000, 'x'))},  // over max_payload (16384)
      {t, typing("start")},                                  // wrong kind for the topic
      {"amo/acme/thread/T1/typing", chat("cmid-wrong-001")},
      {"amo/acme/thread/T1/read", chat("cmid-wrong-002")},
      {"amo/acme/user/dave/cmd/replay", chat("cmid-wrong-003")},
      {"amo/acme/thread/T1/typing", R"({"v":1,"kind":"chat.typing","payload":{"state":"dancing"}})"},
  };
  int attempts = 0;
  for (int version : {5, 4}) {
    auto dave = connect_user(broker().port(), key(), "dave", "acme", {"T1"}, version);
    for (const auto& [topic, payload] : bad) {
      CAPTURE(version);
      CAPTURE(topic);
      CAPTURE(payload.substr(0, 120));
      CHECK(dave->publish(topic, payload, 1) == (version == 5 ? kNotAuthorized : 0));
      ++attempts;
    }
    // The same session still publishes a valid message afterwards.
    CHECK(accepted(dave->publish(t, ok, 1)));
    CHECK(dave->connected());
  }
  auto got = drain(*svc, 2);
  REQUIRE(got.size() == 2);
  for (const auto& m : got) {
    CHECK(m.topic == t);
    CHECK(json::parse(m.payload)["client_msg_id"] == "cmid-valid-0001");
  }
  const json after = wait_stats(*stats, [&](const json& d) {
    return d.value("schema_rejected", std::int64_t{0}) >= rejected_before + attempts;
  });
  CHECK(after.value("schema_rejected", std::int64_t{0}) >= rejected_before + attempts);
}

TEST_CASE("a chat holding U+0000 (which jsonb cannot store) is refused with 0x87 and never delivered") {
  auto svc = ingest();
  auto dave = connect_user(broker().port(), key(), "dave", "acme", {"T1"}, 5);
  const std::string t = "amo/acme/thread/T1/chat";
  CHECK(dave->publish(t, R"({"v":1,"kind":"chat.message","client_msg_id":"cmid-nul-0001","payload":{"text":"a\u0000b"}})",
                      1) == kNotAuthorized);
  CHECK(accepted(dave->publish(
      t, R"({"v":1,"kind":"chat.message","client_msg_id":"cmid-nul-0002","payload":{"text":"a\u0001b"}})", 1)));
  auto got = drain(*svc, 1);
  REQUIRE(got.size() == 1);
  CHECK(json::parse(got[0].payload)["client_msg_id"] == "cmid-nul-0002");
}

TEST_CASE("a QoS 0 invalid publish is dropped silently and the session stays") {
  auto svc = ingest();
  auto dave = connect_user(broker().port(), key(), "dave", "acme", {"T1"}, 5);
  CHECK(accepted(dave->publish("amo/acme/thread/T1/chat", "nope", 0)));
  CHECK(accepted(dave->publish("amo/acme/thread/T1/chat", chat("cmid-qos0-0001"), 0)));
  auto got = drain(*svc, 1);
  REQUIRE(got.size() == 1);
  CHECK(json::parse(got[0].payload)["client_msg_id"] == "cmid-qos0-0001");
  CHECK(dave->connected());
}

TEST_CASE("the broker log never contains a token") {
  CHECK(broker().running());
  check_log_has_no_token(broker());
}
