// realtime_emit (DESIGN §5): the envelope it builds and the calls it refuses.
#include <doctest/doctest.h>

#include <regex>

#include "tests/relay/migrate/migrate_fixture.h"

using amo::migrate_test::Fixture;

namespace {

// The sqlstate of the error `sql` raises, or "" if it does not raise.
std::string sqlstate_of(pqxx::connection& c, const std::string& sql, std::string* message = nullptr) {
  try {
    pqxx::nontransaction tx(c);
    tx.exec(sql);
  } catch (const pqxx::sql_error& e) {
    if (message) *message = e.what();
    return e.sqlstate();
  }
  return "";
}

}  // namespace

TEST_CASE("realtime_emit builds the envelope and inserts one outbox row") {
  Fixture f;
  REQUIRE(f.migrate("up").code == 0);
  pqxx::connection c(f.pg.url());
  pqxx::nontransaction tx(c);
  // ts must be UTC whatever the session's time zone.
  tx.exec0("SET TimeZone = 'America/St_Johns'");

  {
    INFO("a thread topic also names its thread");
    const auto id = tx.exec1(
                          "SELECT realtime_emit('A1', 'amo/A1/thread/T-9/events', 'chat.message', "
                          "'{\"text\":\"hi\"}')")[0]
                        .as<std::string>();
    const auto row = tx.exec_params1(
        "SELECT event_id::text, amo_id, topic, seq IS NULL, attempts, published_at IS NULL, dead_at IS NULL, "
        "  envelope->>'id', envelope->'v' = '1'::jsonb, envelope->>'kind', envelope->>'amo', envelope->>'thread', "
        "  envelope->'payload' = '{\"text\":\"hi\"}'::jsonb, envelope->>'ts', "
        "  envelope->>'ts' = to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
        "  (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(envelope) k) "
        "FROM realtime_outbox WHERE event_id = $1::uuid",
        id);
    CHECK(row[0].as<std::string>() == id);
    CHECK(row[1].as<std::string>() == "A1");
    CHECK(row[2].as<std::string>() == "amo/A1/thread/T-9/events");
    CHECK(row[3].as<bool>());
    CHECK(row[4].as<int>() == 0);
    CHECK(row[5].as<bool>());
    CHECK(row[6].as<bool>());
    CHECK(row[7].as<std::string>() == id);
    CHECK(row[8].as<bool>());
    CHECK(row[9].as<std::string>() == "chat.message");
    CHECK(row[10].as<std::string>() == "A1");
    CHECK(row[11].as<std::string>() == "T-9");
    CHECK(row[12].as<bool>());
    CHECK(std::regex_match(row[13].as<std::string>(), std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)")));
    CHECK(row[14].as<bool>());
    CHECK(row[15].as<std::string>() == "amo,id,kind,payload,thread,ts,v");  // never seq: the relay adds it
  }

  for (const std::string topic :
       {"amo/A1/broadcast/events", "amo/A1/user/u1/events", "amo/A1/thread/T1", "amo/A1/user/thread/events"}) {
    INFO("other topics carry no thread: ", topic);
    const auto id = tx.exec_params1(
                          "SELECT realtime_emit('A1', $1, 'notification', "
                          "'{\"title\":\"t\",\"body\":\"b\",\"level\":\"info\"}')",
                          topic)[0]
                        .as<std::string>();
    const auto keys = tx.exec_params1(
                            "SELECT string_agg(k, ',' ORDER BY k) FROM realtime_outbox o, "
                            "jsonb_object_keys(o.envelope) k WHERE o.event_id = $1::uuid",
                            id)[0]
                          .as<std::string>();
    CHECK(keys == "amo,id,kind,payload,ts,v");
  }

  const long before = f.count("SELECT count(*) FROM realtime_outbox");
  CHECK(tx.exec1("SELECT count(DISTINCT realtime_emit('A1', 'amo/A1/broadcast/events', 'k', '{}')) "
                 "FROM generate_series(1, 50)")[0]
            .as<int>() == 50);
  CHECK(f.count("SELECT count(*) FROM realtime_outbox") == before + 50);

  // The function pins no search_path: a caller's own table of the same name earlier on its
  // path must still not receive the row.
  tx.exec0("CREATE SCHEMA decoy; CREATE TABLE decoy.realtime_outbox (LIKE public.realtime_outbox)");
  tx.exec0("SET search_path = decoy, public");
  tx.exec1("SELECT realtime_emit('A1', 'amo/A1/broadcast/events', 'k', '{}')");
  tx.exec0("SET search_path = public");
  CHECK(f.count("SELECT count(*) FROM decoy.realtime_outbox") == 0);
  CHECK(f.count("SELECT count(*) FROM realtime_outbox") == before + 51);
}

TEST_CASE("realtime_emit raises on a NULL argument and on a topic outside amo/<amo_id>/") {
  Fixture f;
  REQUIRE(f.migrate("up").code == 0);
  pqxx::connection c(f.pg.url());

  const std::vector<std::pair<std::string, std::string>> nulls = {
      {"amo_id", "SELECT realtime_emit(NULL, 'amo/A1/broadcast/events', 'k', '{}')"},
      {"topic", "SELECT realtime_emit('A1', NULL, 'k', '{}')"},
      {"kind", "SELECT realtime_emit('A1', 'amo/A1/broadcast/events', NULL, '{}')"},
      {"payload", "SELECT realtime_emit('A1', 'amo/A1/broadcast/events', 'k', NULL)"}};
  for (const auto& [argument, sql] : nulls) {
    CAPTURE(sql);
    std::string message;
    CHECK(sqlstate_of(c, sql, &message) == "22004");  // null_value_not_allowed
    CHECK(message.find("realtime_emit: " + argument + " must not be NULL") != std::string::npos);
  }

  for (const std::string topic :
       {"amo/A2/broadcast/events", "amo/A1x/broadcast/events", "amo/A1", "broadcast/events", "", "AMO/A1/x"}) {
    CAPTURE(topic);
    std::string message;
    CHECK(sqlstate_of(c, "SELECT realtime_emit('A1', '" + topic + "', 'k', '{}')", &message) == "22023");
    CHECK(message.find("is outside \"amo/A1/\"") != std::string::npos);
  }
  CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 0);
}
