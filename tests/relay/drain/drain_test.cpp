// The outbox drain on its healthy path and with poison rows (DESIGN §5, fault test 5): every
// valid row reaches a QoS 1 subscriber once, in its tenant's seq order, with seq in the
// envelope and the envelope id as MQTT v5 user property `id`; invalid rows go to
// realtime_outbox_dead with their error and no seq while the rest keep flowing.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/harness/mqtt_client.h"
#include "tests/relay/drain/drain_fixture.h"

using namespace amo::drain_test;
using namespace amo::harness;
using json = nlohmann::json;

TEST_CASE("rows reach a subscriber in tenant order with seq, the id property, and published_at") {
  Stack stack;
  auto relay = stack.start_relay();
  // A plain client as well, to read the v5 user property the durable subscriber does not keep.
  const std::string cid = "system:props-reader:1";
  TestClient reader({.port = stack.broker->port(),
                     .client_id = cid,
                     .username = "props-reader",
                     .password = mint(service_claims("props-reader", cid), stack.keys.key())});
  REQUIRE(reader.connect() == 0);
  REQUIRE(reader.subscribe({"amo/T00/#"}) == std::vector<int>{1});
  auto sub = stack.subscribe();

  emit(stack.pg, 5, 40, 3);
  REQUIRE(wait_until([&] { return sub->ids().size() >= 200; }, 30s));
  CHECK(wait_until([&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL") == 0; },
                   10s));
  const auto rows = outbox(stack.pg);
  CHECK(rows.size() == 200);
  check_seq_gap_free(rows);
  check_delivery_order(sub->records());
  const auto c = count_delivery(rows, sub->ids());
  CHECK(c.delivered == 200);
  CHECK(c.missing == 0);
  for (const auto& r : rows) CHECK(r.attempts == 0);

  const auto got = reader.wait_messages(40, 10s);
  REQUIRE(got.size() == 40);
  std::int64_t expect_seq = 1;
  for (const auto& m : got) {
    const auto env = json::parse(m.payload);
    CHECK(m.qos == 1);
    CHECK(env["seq"] == expect_seq++);
    CHECK(env["amo"] == "T00");
    CHECK(env["kind"] == "notification");
    CHECK(m.user_props.at("id") == env["id"]);
    CHECK(m.topic == "amo/T00/broadcast/events");
  }
  CHECK(metric(*relay, "amo_relay_published_total") == 200);
  CHECK(metric(*relay, "amo_relay_partitions_owned") == 16);
}

TEST_CASE("poison rows are dead-lettered with their error and no seq; healthy rows flow in order") {
  Stack stack;
  auto sub = stack.subscribe();
  // Rows inserted directly, as a backend that bypasses realtime_emit might.
  const std::string good_env =
      "jsonb_build_object('v', 1, 'id', gen_random_uuid(), 'kind', 'notification', 'amo', 'T01', "
      "'ts', '2026-11-29T10:00:00.000Z', 'payload', '{\"title\":\"t\",\"body\":\"b\",\"level\":\"info\"}'::jsonb)";
  struct Poison {
    std::string insert, error_part;
  };
  const std::vector<Poison> poison = {
      {"INSERT INTO realtime_outbox (amo_id, topic, envelope) VALUES ('T01', 'amo/T02/broadcast/events', "
       "'{\"v\":1}')",
       "topic: outside amo/{amo_id}/"},
      {"INSERT INTO realtime_outbox (amo_id, topic, envelope) VALUES ('T01', 'amo/T01/broadcast/events', "
       "'{\"v\":1,\"kind\":\"notification\",\"amo\":\"T01\"}')",
       "envelope: required"},
      {"INSERT INTO realtime_outbox (amo_id, topic, envelope) SELECT 'T01', 'amo/T01/broadcast/events', "
       "jsonb_build_object('v', 1, 'kind', 'notification', 'payload', jsonb_build_object('title', 't', 'body', "
       "repeat('x', 300000), 'level', 'info'))",
       "envelope: too_large"},
      {"INSERT INTO realtime_outbox (amo_id, topic, envelope) SELECT 'T01', 'amo/T01/thread/X1/chat', " + good_env,
       "topic: not an outbound .../events topic"},
      {"INSERT INTO realtime_outbox (event_id, amo_id, topic, envelope) SELECT e.id, 'T01', "
       "'amo/T01/thread/X1/events', "
       "jsonb_build_object('v', 1, 'id', e.id, 'kind', 'entity.changed', 'amo', 'T01', 'ts', "
       "'2026-11-29T10:00:00.000Z', 'thread', 'X2', 'payload', jsonb_build_object('entity', 'wo', 'entity_id', '1', "
       "'action', 'created')) FROM (SELECT gen_random_uuid() AS id) e",
       "envelope: thread differs from the topic"},
      {"INSERT INTO realtime_outbox (amo_id, topic, envelope) SELECT 'T01', 'amo/T01/status/events', " + good_env,
       "envelope: topic_mismatch"},
      {"INSERT INTO realtime_outbox (amo_id, topic, envelope) SELECT 'T01', 'amo/T01/broadcast/events', " + good_env,
       "envelope: id differs from event_id"},
      {"INSERT INTO realtime_outbox (event_id, amo_id, topic, envelope) SELECT e.id, 'T01', "
       "'amo/T01/broadcast/events', "
       "jsonb_set(jsonb_set(" +
           good_env + ", '{id}', to_jsonb(e.id)), '{seq}', '7') FROM (SELECT gen_random_uuid() AS id) e",
       "envelope: seq is assigned by the relay"},
      {"INSERT INTO realtime_outbox (event_id, amo_id, topic, envelope) SELECT e.id, 'T01', "
       "'amo/T01/broadcast/events', "
       "jsonb_set(jsonb_set(" +
           good_env + ", '{id}', to_jsonb(e.id)), '{amo}', '\"T09\"') FROM (SELECT gen_random_uuid() AS id) e",
       "envelope: amo differs from amo_id"},
  };
  // Healthy rows before, between and after every poison row, for two tenants.
  emit(stack.pg, 2, 10);
  for (const auto& p : poison) {
    stack.pg.exec(p.insert);
    emit(stack.pg, 2, 10);
  }
  const long healthy = 2 * 10 * static_cast<long>(poison.size() + 1);
  auto relay = stack.start_relay();

  REQUIRE(wait_until([&] { return sub->ids().size() >= static_cast<std::size_t>(healthy); }, 30s));
  const auto rows = outbox(stack.pg);
  CHECK(rows.size() == static_cast<std::size_t>(healthy));  // poison rows left the outbox
  check_seq_gap_free(rows);
  check_delivery_order(sub->records());
  const auto c = count_delivery(rows, sub->ids());
  CHECK(c.delivered == static_cast<std::size_t>(healthy));
  CHECK(c.missing == 0);

  CHECK(stack.count("SELECT count(*) FROM realtime_outbox_dead") == static_cast<long>(poison.size()));
  for (const auto& p : poison) {
    CAPTURE(p.error_part);
    CHECK(stack.count("SELECT count(*) FROM realtime_outbox_dead WHERE strpos(error, '" + p.error_part + "') = 1") ==
          1);
  }
  // No seq was spent on them: T01's counter equals its healthy rows.
  CHECK(stack.scalar("SELECT last_seq FROM realtime_outbox_seq WHERE amo_id = 'T01'") == std::to_string(healthy / 2));
  CHECK(metric(*relay, "amo_relay_dead_letters_total{reason=\"invalid\"}") == static_cast<double>(poison.size()));
  CHECK(relay->log().find("relay dead letter") != std::string::npos);
}
