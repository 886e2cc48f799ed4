// Broker shards (DESIGN §9) live, with two brokers: tokens name the tenant's shard, each
// tenant's events reach its shard only, a tenant moved between shards loses nothing for a
// browser-like client (kicked from the old broker, replays on the new one), chat is ingested
// on every shard, revocations reach every shard.
#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include <atomic>
#include <cstdio>
#include <thread>

#include "tests/scale/browser_client.h"
#include "tests/scale/shard_fixture.h"

using namespace amo::scale_test;
using amo::harness::TestClient;

namespace {

const std::vector<std::string> kTenants{"AMO1", "AMO2", "AMO3", "AMO4"};

bool on_b(const std::string& amo) {
  return amo == "AMO3" || amo == "AMO4";
}

// The plugin's stats on one broker ($SYS/broker/amo-realtime/stats, every second here).
class StatsWatch {
 public:
  StatsWatch(const ShardStack& stack, const amo::harness::Mosquitto& broker, const std::string& name) {
    amo::harness::ClientOptions o;
    o.port = broker.port();
    o.client_id = "system:" + name + ":1";
    o.username = name;
    o.password = stack.service_token(name);
    client_ = std::make_unique<TestClient>(o);
    REQUIRE(client_->connect() == 0);
    REQUIRE(client_->subscribe({"$SYS/broker/amo-realtime/stats"}) == std::vector<int>{1});
  }
  // kicked.revoked of the newest stats message (the last one known if none is new).
  long kicked_revoked() {
    for (auto& m : client_->take_messages()) {
      try {
        last_ = json::parse(m.payload);
      } catch (const std::exception&) {
      }
    }
    if (!last_.contains("kicked")) return 0;
    return last_["kicked"].value("revoked", 0L);
  }
  bool wait_kicked_revoked(long n, std::chrono::milliseconds timeout) {
    return wait_until([&] { return kicked_revoked() >= n; }, timeout, 100ms);
  }

 private:
  std::unique_ptr<TestClient> client_;
  json last_ = json::object();
};

std::string chat(const std::string& client_msg_id, const std::string& text) {
  return json{{"v", 1}, {"kind", "chat.message"}, {"client_msg_id", client_msg_id}, {"payload", {{"text", text}}}}
      .dump();
}

bool accepted(int puback) {
  return puback == 0 || puback == 0x10;
}

void wait_all_published(const ShardStack& stack) {
  REQUIRE(wait_until(
      [&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL") == 0; }, 60s, 100ms));
}

}  // namespace

TEST_CASE("tokens: broker_url is the tenant's shard's public_broker_url") {
  ShardStack stack;
  for (const auto& amo : kTenants) {
    for (const std::string user : {"u1", "u2"}) {
      stack.add_user(amo, user);
      const json answer = stack.issue(stack.session(amo, user));
      const std::string url = answer["broker_url"];
      std::printf("token for %s/%s: broker_url %s (A %s, B %s)\n", amo.c_str(), user.c_str(), url.c_str(),
                  stack.url_a().c_str(), stack.url_b().c_str());
      CAPTURE(amo);
      CHECK(url == (on_b(amo) ? stack.url_b() : stack.url_a()));
      // And the token is good on the broker it names (same JWKS on both).
      auto client = stack.user_client(answer);
      CHECK(client->connected());
    }
  }
}

TEST_CASE("isolation: each tenant's events arrive on its shard only, all of them") {
  constexpr int kN = 50;  // per tenant and topic
  ShardStack stack;
  Observer obs_a(stack, *stack.broker_a, "observer-a");
  Observer obs_b(stack, *stack.broker_b, "observer-b");
  std::map<std::string, std::unique_ptr<TestClient>> users;
  for (const auto& amo : kTenants) {
    stack.add_user(amo, "u1", {"TH1"});
    users[amo] = stack.user_client(stack.issue(stack.session(amo, "u1")));
    REQUIRE(users[amo]->subscribe({"amo/" + amo + "/user/u1/events"}) == std::vector<int>{1});
  }
  for (const auto& amo : kTenants) {
    stack.emit(amo, "user/u1/events", kN, amo + "-user");
    stack.emit(amo, "thread/TH1/events", kN, amo + "-thread");
  }
  for (const auto& amo : kTenants) {
    Observer& home = on_b(amo) ? obs_b : obs_a;
    CAPTURE(amo);
    CHECK(home.wait_distinct(amo, 2 * kN, 60s));
  }
  wait_all_published(stack);
  std::this_thread::sleep_for(2s);  // anything misrouted has had time to arrive too
  for (const auto& amo : kTenants) {
    Observer& home = on_b(amo) ? obs_b : obs_a;
    Observer& other = on_b(amo) ? obs_a : obs_b;
    const auto written = written_ids(stack, amo, "amo/" + amo + "/%");
    const auto got_home = home.ids(amo);
    const std::size_t got_other = other.distinct(amo);
    // The user's own client, connected where its token said, gets its user events live.
    std::set<std::string> user_ids;
    wait_until(
        [&] {
          for (auto& m : users[amo]->take_messages()) user_ids.insert(json::parse(m.payload).value("id", ""));
          return user_ids.size() >= static_cast<std::size_t>(kN);
        },
        30s, 50ms);
    std::printf("isolation %s (shard %s): written %zu, on A %zu, on B %zu, user client %zu of %d\n", amo.c_str(),
                on_b(amo) ? "b" : "default", written.size(), obs_a.distinct(amo), obs_b.distinct(amo),
                user_ids.size(), kN);
    CAPTURE(amo);
    CHECK(written.size() == 2 * kN);
    CHECK(got_home == written);
    CHECK(got_other == 0);
    CHECK(user_ids.size() == static_cast<std::size_t>(kN));
  }
  // MQTT replay is answered on every shard, on the broker the request came in on.
  for (const auto& amo : kTenants) {
    auto& c = *users[amo];
    const std::string base = "amo/" + amo + "/user/u1";
    REQUIRE(c.subscribe({base + "/replay"}) == std::vector<int>{1});
    const std::string request = R"({"v":1,"kind":"replay.request","payload":{"after":0}})";
    CHECK(accepted(c.publish(base + "/cmd/replay", request, 1, false, {}, "tab-" + amo)));
    std::size_t events = 0;
    bool done = false;
    wait_until(
        [&] {
          for (auto& m : c.take_messages()) {
            if (m.topic != base + "/replay" || m.correlation_data != "tab-" + amo) continue;
            const json env = json::parse(m.payload);
            if (env.value("kind", "") == "replay.done") done = true;
            else if (env.value("amo", "") == amo) ++events;
          }
          return done;
        },
        30s, 50ms);
    std::printf("replay %s (shard %s): %zu events then %s\n", amo.c_str(), on_b(amo) ? "b" : "default", events,
                done ? "replay.done" : "no replay.done");
    CAPTURE(amo);
    CHECK(done);
    CHECK(events == static_cast<std::size_t>(2 * kN));  // its user topic and its thread TH1
  }
}

TEST_CASE("move: a tenant moved from shard b to default; a browser-like client is kicked, follows, loses nothing") {
  constexpr int kEvents = 300;
  ShardStack stack;
  for (const std::string user : {"mover", "m2", "m3"}) stack.add_user("AMO3", user);
  stack.add_user("AMO4", "stay");
  Observer obs_a(stack, *stack.broker_a, "observer-a");
  Observer obs_b(stack, *stack.broker_b, "observer-b");
  StatsWatch stats_b(stack, *stack.broker_b, "stats-b");
  const long revoked_before = stats_b.kicked_revoked();

  // AMO4 stays on b: its session there must survive AMO3's move.
  auto stay = stack.user_client(stack.issue(stack.session("AMO4", "stay")));
  // Another AMO3 user with a plain session on B: kicked with the tenant's move.
  const json m2_answer = stack.issue(stack.session("AMO3", "m2"));
  REQUIRE(m2_answer["broker_url"] == stack.url_b());
  auto m2 = stack.user_client(m2_answer);

  BrowserClient mover(BrowserClient::Options{
      .token_port = stack.service->http_port(), .session = stack.session("AMO3", "mover"), .amo = "AMO3", .sub = "mover"});
  REQUIRE(wait_until([&] { return !mover.snapshot().connections.empty(); }, 30s, 50ms));
  REQUIRE(mover.snapshot().connections.front().broker_url == stack.url_b());

  // The emitter: one event per transaction, steadily, to the mover's user topic.
  std::atomic<int> written{0};
  std::thread emitter([&] {
    pqxx::connection c(stack.pg.url());
    for (int i = 0; i < kEvents; ++i) {
      pqxx::work w(c);
      w.exec("SELECT realtime_emit('AMO3', 'amo/AMO3/user/mover/events', 'notification', "
             "jsonb_build_object('title', 'move-" + std::to_string(i) + "', 'body', 'b', 'level', 'info'))");
      w.commit();
      ++written;
      std::this_thread::sleep_for(33ms);
    }
  });
  REQUIRE(wait_until([&] { return written >= kEvents / 3; }, 60s, 10ms));
  stack.write_map({{"AMO4", "b"}});  // AMO3 leaves shard b: on default now
  const int written_at_move = written;
  emitter.join();

  // Kicked from B, back on A with a token that names A.
  const bool followed = wait_until(
      [&] {
        const auto s = mover.snapshot();
        return s.connections.size() >= 2 && s.connections.back().broker_url == stack.url_a();
      },
      60s, 100ms);
  const auto written_ids_all = written_ids(stack, "AMO3", "amo/AMO3/user/mover/events");
  REQUIRE(written_ids_all.size() == static_cast<std::size_t>(kEvents));
  wait_until([&] { return mover.snapshot().ids.size() >= written_ids_all.size(); }, 60s, 100ms);
  auto s = mover.snapshot();

  std::size_t missing = 0;
  for (const auto& id : written_ids_all) missing += s.ids.count(id) == 0;
  std::size_t extra = 0;
  for (const auto& id : s.ids) extra += written_ids_all.count(id) == 0;
  std::printf("move AMO3: written %zu (%d before the map change), delivered distinct %zu (live %zu, replayed %zu), "
              "duplicates %zu, missing %zu, resets %zu, replays %zu, cursor %lld; published on A %zu, on B %zu\n",
              written_ids_all.size(), written_at_move, s.ids.size(), s.live, s.replayed, s.duplicates, missing,
              s.resets, s.replays, static_cast<long long>(s.cursor), obs_a.distinct("AMO3"), obs_b.distinct("AMO3"));
  for (const auto& c : s.connections)
    std::printf("  mover connection to %s: %s, DISCONNECT reason %d, cause '%s'\n", c.broker_url.c_str(),
                c.lost ? "closed by the broker" : "open", c.disconnect_reason, c.cause.c_str());
  std::printf("  token failures %zu, connect failures %zu\n", s.token_failures, s.connect_failures);

  CHECK(followed);
  REQUIRE(s.connections.size() >= 2);
  CHECK(s.connections.front().broker_url == stack.url_b());
  CHECK(s.connections.front().lost);  // kicked from B: the client did not leave by itself
  CHECK(s.connections.back().broker_url == stack.url_a());
  CHECK(s.resets == 0);
  CHECK(missing == 0);
  CHECK(extra == 0);
  CHECK(s.ids.size() == written_ids_all.size());
  // Every AMO3 event went out on one shard or the other.
  std::set<std::string> published = obs_a.ids("AMO3");
  for (const auto& id : obs_b.ids("AMO3")) published.insert(id);
  CHECK(published.size() == written_ids_all.size());

  // The revocation on the old shard kicked the tenant's sessions there (reason revoked) and
  // refuses the old tokens there; the tenant that stayed keeps its session.
  CHECK(stats_b.wait_kicked_revoked(revoked_before + 2, 20s));  // mover and m2 at least
  CHECK(m2->wait_disconnected(20s));
  CHECK(stay->connected());
  {
    amo::harness::ClientOptions o;
    o.port = stack.broker_b->port();
    o.client_id = m2_answer["client_id"];
    o.username = "browser";
    o.password = m2_answer["token"];
    TestClient again(o);
    const int connack = again.connect();
    CAPTURE(connack);
    CHECK(connack == 0x87);
  }
  const json m2_new = stack.issue(stack.session("AMO3", "m2"));
  CHECK(m2_new["broker_url"] == stack.url_a());
  std::printf("move AMO3: kicked.revoked on B %ld (before %ld)\n", stats_b.kicked_revoked(), revoked_before);

  // After the move has settled: new AMO3 events appear on A only.
  std::this_thread::sleep_for(5s);
  const auto before_a = obs_a.ids("AMO3");
  const auto before_b = obs_b.ids("AMO3");
  const auto before_written = written_ids(stack, "AMO3", "amo/AMO3/%");
  stack.emit("AMO3", "user/mover/events", 20, "after-move");
  stack.emit("AMO3", "broadcast/events", 20, "after-move-bc");
  auto after_written = written_ids(stack, "AMO3", "amo/AMO3/%");
  std::set<std::string> fresh;
  for (const auto& id : after_written)
    if (!before_written.count(id)) fresh.insert(id);
  REQUIRE(fresh.size() == 40);
  CHECK(wait_until(
      [&] {
        const auto a = obs_a.ids("AMO3");
        for (const auto& id : fresh)
          if (!a.count(id)) return false;
        return true;
      },
      60s, 100ms));
  wait_all_published(stack);
  std::this_thread::sleep_for(2s);
  std::size_t fresh_on_b = 0, fresh_on_a = 0;
  for (const auto& id : obs_b.ids("AMO3")) fresh_on_b += fresh.count(id);
  for (const auto& id : obs_a.ids("AMO3")) fresh_on_a += fresh.count(id);
  // The mover gets its 20 new user events live on A.
  const bool mover_got = wait_until([&] { return mover.snapshot().ids.size() >= written_ids_all.size() + 20; }, 30s);
  std::printf("after the move: 40 new AMO3 events, on A %zu, on B %zu; mover distinct %zu of %zu\n", fresh_on_a,
              fresh_on_b, mover.snapshot().ids.size(), written_ids_all.size() + 20);
  CHECK(fresh_on_a == 40);
  CHECK(fresh_on_b == 0);
  CHECK(mover_got);
  CHECK(mover.snapshot().connections.back().broker_url == stack.url_a());
  mover.stop();
}

TEST_CASE("chat ingest on both shards: stored once and back on the sender's own shard") {
  ShardStack stack;
  Observer obs_a(stack, *stack.broker_a, "observer-a");
  Observer obs_b(stack, *stack.broker_b, "observer-b");
  struct Sender {
    std::string amo, user, thread;
    bool b;
  };
  const std::vector<Sender> senders{{"AMO1", "c1", "TH1", false}, {"AMO4", "c4", "TH4", true}};
  for (const auto& snd : senders) {
    stack.add_user(snd.amo, snd.user, {snd.thread});
    const json answer = stack.issue(stack.session(snd.amo, snd.user));
    CAPTURE(snd.amo);
    REQUIRE(answer["broker_url"] == (snd.b ? stack.url_b() : stack.url_a()));
    auto client = stack.user_client(answer);
    const std::string prefix = "amo/" + snd.amo + "/thread/" + snd.thread;
    REQUIRE(client->subscribe({prefix + "/events"}) == std::vector<int>{1});
    const std::string cmid = "cmid-" + snd.amo + "-0001";
    const int puback = client->publish(prefix + "/chat", chat(cmid, "hello from " + snd.amo));
    CAPTURE(puback);
    CHECK(accepted(puback));
    CHECK(wait_until(
        [&] {
          return stack.count("SELECT count(*) FROM realtime_chat_messages WHERE amo_id = '" + snd.amo +
                             "' AND sender_id = '" + snd.user + "' AND client_msg_id = '" + cmid + "'") == 1;
        },
        30s, 50ms));
    const long outbox_rows = stack.count("SELECT count(*) FROM realtime_outbox WHERE amo_id = '" + snd.amo +
                                         "' AND topic = '" + prefix + "/events' AND envelope->>'client_msg_id' = '" +
                                         cmid + "'");
    CHECK(outbox_rows == 1);
    // The persisted copy comes back to the sender on its own broker.
    bool echoed = false;
    wait_until(
        [&] {
          for (auto& m : client->take_messages()) {
            const json env = json::parse(m.payload);
            if (env.value("kind", "") == "chat.message" && env.value("client_msg_id", "") == cmid) echoed = true;
          }
          return echoed;
        },
        30s, 50ms);
    CHECK(echoed);
    // Resending is a no-op (same id, dedupe).
    CHECK(accepted(client->publish(prefix + "/chat", chat(cmid, "hello from " + snd.amo))));
    std::this_thread::sleep_for(1s);
    CHECK(stack.count("SELECT count(*) FROM realtime_chat_messages WHERE amo_id = '" + snd.amo + "'") == 1);
  }
  wait_all_published(stack);
  std::this_thread::sleep_for(1s);
  std::printf("chat: AMO1 on A %zu / on B %zu, AMO4 on A %zu / on B %zu\n", obs_a.distinct("AMO1"),
              obs_b.distinct("AMO1"), obs_a.distinct("AMO4"), obs_b.distinct("AMO4"));
  CHECK(obs_a.distinct("AMO1") == 1);
  CHECK(obs_b.distinct("AMO1") == 0);
  CHECK(obs_b.distinct("AMO4") == 1);
  CHECK(obs_a.distinct("AMO4") == 0);
}

TEST_CASE("revocation fan-out: a user on shard b is kicked from broker B") {
  ShardStack stack;
  StatsWatch stats_b(stack, *stack.broker_b, "stats-b");
  for (const std::string user : {"r1", "r0"}) stack.add_user("AMO3", user);
  stack.add_user("AMO4", "r2");
  stack.add_user("AMO1", "r9");
  auto connect = [&](const std::string& amo, const std::string& user, const std::string& url) {
    const json answer = stack.issue(stack.session(amo, user));
    REQUIRE(answer["broker_url"] == url);
    return stack.user_client(answer);
  };
  auto r1 = connect("AMO3", "r1", stack.url_b());
  auto r0 = connect("AMO3", "r0", stack.url_b());
  auto r2 = connect("AMO4", "r2", stack.url_b());
  auto r9 = connect("AMO1", "r9", stack.url_a());
  const long revoked_before = stats_b.kicked_revoked();

  // By the endpoint.
  const auto r = stack.post("/api/realtime/revoke", stack.service_token("portal-backend"),
                            R"({"amo":"AMO3","user":"r1"})");
  CHECK(r.status == 204);
  CHECK(r1->wait_disconnected(10s));
  // By the table.
  stack.pg.exec("UPDATE realtime_users SET token_revoked_at = now() WHERE amo_id = 'AMO4' AND user_id = 'r2'");
  CHECK(r2->wait_disconnected(10s));
  CHECK(stats_b.wait_kicked_revoked(revoked_before + 2, 20s));
  std::this_thread::sleep_for(1s);
  std::printf("revocation: r1 %s, r2 %s, r0 %s, r9 %s; kicked.revoked on B %ld\n",
              r1->connected() ? "connected" : "kicked", r2->connected() ? "connected" : "kicked",
              r0->connected() ? "connected" : "kicked", r9->connected() ? "connected" : "kicked",
              stats_b.kicked_revoked());
  CHECK(r0->connected());  // same tenant, not revoked
  CHECK(r9->connected());  // other shard
}
