// Chat ingest on the real amo-token-service with amo-relay, Postgres and Mosquitto with the
// plugin (DESIGN §7): the same chat sent 20 times at once over MQTT and HTTP is one chat row,
// one outbox row and one envelope id delivered; POST /api/realtime/messages answers 201, then
// 200 duplicate with the first id, 400, 403; read receipts; an invalid message is dropped alone,
// counted by reason and audited.
#include <doctest/doctest.h>

#include <atomic>
#include <latch>
#include <map>
#include <set>
#include <thread>

#include "tests/token-service/ts_fixture.h"

using namespace amo::ts_test;
using amo::harness::TestClient;

namespace {

Stack& stack() {
  static Stack s(Stack::Options{.relay = true});
  return s;
}

// The envelope ids a client received on `topic`, each delivery counted.
std::map<std::string, int> ids_on(const std::vector<TestClient::Received>& messages, const std::string& topic) {
  std::map<std::string, int> ids;
  for (const auto& m : messages) {
    if (m.topic != topic) continue;
    ++ids[json::parse(m.payload)["id"].get<std::string>()];
  }
  return ids;
}

std::unique_ptr<TestClient> subscriber(Stack& s, const std::string& amo, const std::string& user,
                                       const std::string& thread) {
  int connack = -1;
  auto c = s.mqtt_client(s.issue(s.session(amo, user), "{\"threads\":[\"" + thread + "\"]}"), &connack);
  REQUIRE(connack == 0);
  REQUIRE(c->subscribe({"amo/" + amo + "/thread/" + thread + "/events"}, 1) == std::vector<int>{1});
  return c;
}

}  // namespace

TEST_CASE("the same chat 20 times at once over MQTT and HTTP: one chat row, one outbox row, one id delivered") {
  Stack& s = stack();
  s.add_user("A1", "carol", {"TC"});
  s.add_user("A1", "dave", {"TC"});
  auto watcher = subscriber(s, "A1", "dave", "TC");

  const std::string session = s.session("A1", "carol");
  std::vector<std::unique_ptr<TestClient>> senders;
  for (int i = 0; i < 2; ++i) {
    int connack = -1;
    senders.push_back(s.mqtt_client(s.issue(session), &connack));
    REQUIRE(connack == 0);
  }
  const std::string cmid = "same-chat-0001";
  std::latch go(21);
  std::vector<int> pubacks(10, -1);
  std::vector<amo::harness::HttpResponse> answers(10);
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      pubacks[i] = senders[i % 2]->publish("amo/A1/thread/TC/chat", chat_json(cmid, "hello once"), 1);
    });
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      answers[i] = s.post("/api/realtime/messages", session, chat_json(cmid, "hello once", "TC"));
    });
  }
  go.arrive_and_wait();
  for (auto& t : threads) t.join();
  for (int p : pubacks) CHECK(accepted(p));

  std::set<std::string> http_ids;
  int created = 0;
  for (const auto& a : answers) {
    CAPTURE(a.body);
    REQUIRE((a.status == 201 || a.status == 200));
    const json body = json::parse(a.body);
    CHECK(body["duplicate"] == (a.status == 200));
    created += a.status == 201;
    http_ids.insert(body["id"].get<std::string>());
  }
  CHECK(created <= 1);
  CHECK(http_ids.size() == 1);

  const std::string topic = "amo/A1/thread/TC/events";
  REQUIRE(wait_until(
      [&] {
        return s.count(
                   "SELECT count(*) FROM realtime_outbox WHERE published_at IS NOT NULL "
                   "AND topic = 'amo/A1/thread/TC/events'") >= 1;
      },
      20s));
  std::vector<TestClient::Received> got = watcher->wait_messages(1, 10s);
  // Whatever else would come (a second row, a second id) has had time to arrive.
  std::this_thread::sleep_for(1500ms);
  for (auto& m : watcher->take_messages()) got.push_back(std::move(m));

  CHECK(s.count("SELECT count(*) FROM realtime_chat_messages WHERE amo_id = 'A1' AND client_msg_id = '" + cmid + "'") ==
        1);
  CHECK(s.count("SELECT count(*) FROM realtime_outbox WHERE topic = 'amo/A1/thread/TC/events'") == 1);
  const std::string stored =
      s.scalar("SELECT event_id::text FROM realtime_chat_messages WHERE client_msg_id = '" + cmid + "'");
  CHECK(s.scalar("SELECT event_id::text FROM realtime_outbox WHERE topic = 'amo/A1/thread/TC/events'") == stored);
  CHECK(s.scalar("SELECT envelope->>'id' FROM realtime_outbox WHERE topic = 'amo/A1/thread/TC/events'") == stored);
  CHECK(*http_ids.begin() == stored);
  const auto delivered = ids_on(got, topic);
  CHECK(delivered.size() == 1);
  CHECK(delivered.begin()->first == stored);
  const json envelope = json::parse(got.at(0).payload);
  CHECK(envelope["kind"] == "chat.message");
  CHECK(envelope["sender"] == "carol");
  CHECK(envelope["thread"] == "TC");
  CHECK(envelope["client_msg_id"] == cmid);
  CHECK(envelope["payload"]["text"] == "hello once");
  CHECK(envelope["seq"].is_number_integer());
}

TEST_CASE("POST /api/realtime/messages: 201 after the commit, 200 with the first id, 400, 403") {
  Stack& s = stack();
  s.add_user("A1", "erin", {"TE"});
  s.add_user("A1", "frank", {"TF"});
  const std::string session = s.session("A1", "erin");
  auto r = s.post("/api/realtime/messages", session, chat_json("http-first-01", "one", "TE"));
  REQUIRE(r.status == 201);
  const std::string id = json::parse(r.body)["id"];
  CHECK(json::parse(r.body)["duplicate"] == false);
  CHECK(s.scalar("SELECT event_id::text FROM realtime_chat_messages WHERE client_msg_id = 'http-first-01'") == id);
  CHECK(s.count("SELECT count(*) FROM realtime_outbox WHERE event_id = '" + id + "'") == 1);
  // A resend with another text is still the first message.
  r = s.post("/api/realtime/messages", session, chat_json("http-first-01", "one, edited", "TE"));
  CHECK(r.status == 200);
  CHECK(json::parse(r.body) == json{{"id", id}, {"duplicate", true}});
  CHECK(s.count("SELECT count(*) FROM realtime_outbox WHERE event_id = '" + id + "'") == 1);

  // 400: no thread, a kind that is not chat, bad JSON, a payload the schema refuses.
  CHECK(s.post("/api/realtime/messages", session, chat_json("http-bad-0001", "x")).status == 400);
  CHECK(s.post("/api/realtime/messages", session,
               R"({"v":1,"kind":"chat.typing","thread":"TE","payload":{"state":"start"}})")
            .status == 400);
  CHECK(s.post("/api/realtime/messages", session, "{").status == 400);
  CHECK(s.post("/api/realtime/messages", session, chat_json("http-bad-0002", std::string(4001, 'x'), "TE")).status ==
        400);
  // 403: not a member; 401: no session.
  r = s.post("/api/realtime/messages", session, chat_json("http-bad-0003", "x", "TF"));
  CHECK(r.status == 403);
  CHECK(s.post("/api/realtime/messages", "", chat_json("http-bad-0004", "x", "TE")).status == 401);
  CHECK(s.count("SELECT count(*) FROM realtime_chat_messages WHERE client_msg_id LIKE 'http-bad-%'") == 0);

  // A read receipt.
  r = s.post("/api/realtime/messages", session, read_json("http-read-001", 7, "TE"));
  REQUIRE(r.status == 201);
  CHECK(s.count("SELECT up_to_seq FROM realtime_chat_reads WHERE client_msg_id = 'http-read-001'") == 7);
  CHECK(s.scalar("SELECT envelope->>'kind' FROM realtime_outbox WHERE event_id = '" +
                 json::parse(r.body)["id"].get<std::string>() + "'") == "chat.read");
}

TEST_CASE("read receipts over MQTT are stored and fanned out; a receipt and a chat may share a client_msg_id") {
  Stack& s = stack();
  s.add_user("A1", "gwen", {"TG"});
  auto watcher = subscriber(s, "A1", "gwen", "TG");
  int connack = -1;
  auto sender = s.mqtt_client(s.issue(s.session("A1", "gwen")), &connack);
  REQUIRE(connack == 0);
  CHECK(accepted(sender->publish("amo/A1/thread/TG/chat", chat_json("gwen-shared-01", "x"), 1)));
  CHECK(accepted(sender->publish("amo/A1/thread/TG/read", read_json("gwen-shared-01", 3), 1)));
  const auto got = watcher->wait_messages(2, 20s);
  REQUIRE(got.size() == 2);
  std::set<std::string> kinds, ids;
  for (const auto& m : got) {
    const json e = json::parse(m.payload);
    kinds.insert(e["kind"].get<std::string>());
    ids.insert(e["id"].get<std::string>());
  }
  CHECK(kinds == std::set<std::string>{"chat.message", "chat.read"});
  CHECK(ids.size() == 2);
  CHECK(s.count("SELECT count(*) FROM realtime_chat_reads WHERE client_msg_id = 'gwen-shared-01' AND up_to_seq = 3") ==
        1);
}

TEST_CASE("an invalid message is dropped alone, counted by reason and audited; its batch is stored") {
  Stack& s = stack();
  s.add_user("A1", "hugo", {"TH"});
  // A service is not checked by the plugin: the ingest is the only check left.
  amo::harness::ClientOptions o;
  o.port = s.broker->port();
  o.client_id = "system:chat-test:1";
  o.password = s.service_token("chat-test");
  TestClient svc(o);
  REQUIRE(svc.connect() == 0);
  const double dropped_before = s.metric("amo_ingest_dropped_total{reason=\"missing_sender\"}");
  auto stamped = [](const std::string& cmid, const std::string& sender) {
    json e{{"v", 1},
           {"id", "6ba7b811-9dad-51d1-80b4-00c04fd430c8"},
           {"kind", "chat.message"},
           {"amo", "A1"},
           {"ts", "2026-01-01T00:00:00.000Z"},
           {"thread", "TH"},
           {"client_msg_id", cmid},
           {"payload", {{"text", "t"}}}};
    if (!sender.empty()) e["sender"] = sender;
    return e.dump();
  };
  CHECK(accepted(svc.publish("amo/A1/thread/TH/chat", stamped("batch-good-01", "hugo"), 1)));
  CHECK(accepted(svc.publish("amo/A1/thread/TH/chat", stamped("batch-bad-001", ""), 1)));
  CHECK(accepted(svc.publish("amo/A1/thread/TH/chat", "{\"v\":1,", 1)));
  CHECK(accepted(svc.publish("amo/A1/thread/TH/chat", stamped("batch-good-02", "hugo"), 1)));
  REQUIRE(wait_until(
      [&] {
        return s.count(
                   "SELECT count(*) FROM realtime_chat_messages WHERE client_msg_id LIKE "
                   "'batch-good-%'") == 2;
      },
      10s));
  CHECK(s.count("SELECT count(*) FROM realtime_chat_messages WHERE client_msg_id = 'batch-bad-001'") == 0);
  CHECK(wait_until(
      [&] {
        return s.metric("amo_ingest_dropped_total{reason=\"missing_sender\"}") == std::max(0.0, dropped_before) + 1;
      },
      5s));
  CHECK(s.metric("amo_ingest_dropped_total{reason=\"not_json\"}") >= 1);
  CHECK(s.service->wait_log("chat dropped reason=missing_sender topic=amo/A1/thread/TH/chat", 5s));
  CHECK(s.service->log().find("batch-bad-001") == std::string::npos);  // the audit line carries no content
}

TEST_CASE("the ingest's log and the relay's hold no token or secret") {
  Stack& s = stack();
  check_no_secret(s.service->log(), s.secrets(), "token service log");
  check_no_secret(s.relay->log(), s.secrets(), "relay log");
}

TEST_CASE("a stored chat wakes an idle relay: delivered long before its next poll") {
  // The relay polls once a minute here; without the ingest's NOTIFY a chat would wait for it.
  Stack s(Stack::Options{.relay = true, .relay_extra = "poll_min_ms = 60000\npoll_max_ms = 60000\nlease_seconds = 3600\n"});
  s.add_user("A1", "gina", {"TG"});
  auto gina = subscriber(s, "A1", "gina", "TG");
  // The relay has made its first (empty) claim and sleeps.
  REQUIRE(wait_until([&] { return amo::harness::scrape_metric(s.relay->http_port(), "amo_relay_partitions_owned") == 16; },
                     30s));
  std::this_thread::sleep_for(1s);
  for (const char* path : {"mqtt", "http"}) {
    CAPTURE(path);
    const std::string cmid = std::string("wake-") + path + "-0001";
    if (std::string(path) == "http") {
      REQUIRE(s.post("/api/realtime/messages", s.session("A1", "gina"), chat_json(cmid, "hi", "TG")).status == 201);
    } else {
      int connack = -1;
      auto sender = s.mqtt_client(s.issue(s.session("A1", "gina")), &connack);
      REQUIRE(connack == 0);
      REQUIRE(accepted(sender->publish("amo/A1/thread/TG/chat", chat_json(cmid, "hi"), 1)));
    }
    const auto got = gina->wait_messages(1, 20s);
    REQUIRE(got.size() == 1);
    CHECK(json::parse(got[0].payload)["client_msg_id"] == cmid);
  }
}
