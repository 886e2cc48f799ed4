// `migrate down` step by step on a populated database, then `up` again: each down file keeps
// and drops exactly what its first-line comment promises.
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "tests/relay/migrate/migrate_fixture.h"

using amo::migrate_test::Fixture;
using amo::migrate_test::step_count;

namespace {

void populate(const Fixture& f) {
  f.pg.exec(
      "SELECT realtime_emit('A1', 'amo/A1/broadcast/events', 'notification', '{}');"
      "SELECT realtime_emit('A1', 'amo/A1/thread/T1/events', 'chat.message', '{\"text\":\"hi\"}');"
      "SELECT realtime_emit('A2', 'amo/A2/user/u9/events', 'entity.changed', '{}');"
      "INSERT INTO realtime_outbox_seq (amo_id, last_seq) VALUES ('A1', 2);"
      "INSERT INTO realtime_outbox_dead (id, amo_id, topic, error) VALUES (1000, 'A1', 'bad', 'bad topic');"
      "INSERT INTO realtime_users (amo_id, user_id) VALUES ('A1', 'u1'), ('A1', 'u2');"
      "INSERT INTO realtime_thread_members VALUES ('A1', 'T1', 'u1'), ('A1', 'T1', 'u2');"
      "INSERT INTO realtime_chat_messages (amo_id, thread_id, sender_id, client_msg_id, event_id, text) "
      "  VALUES ('A1', 'T1', 'u1', 'cmid-0001', gen_random_uuid(), 'hi');"
      "INSERT INTO realtime_chat_reads (amo_id, thread_id, sender_id, client_msg_id, event_id, up_to_seq) "
      "  VALUES ('A1', 'T1', 'u2', 'cmid-0002', gen_random_uuid(), 1);"
      "INSERT INTO realtime_relay_leases (partition, owner, generation) VALUES (0, 'relay-a', 3);"
      "INSERT INTO realtime_relay_instances (owner) VALUES ('relay-a');"
      // Operators grant the role to their login role; down must still drop it.
      "CREATE ROLE daemon_login LOGIN; GRANT amo_realtime_app TO daemon_login;");
}

bool role_exists(const Fixture& f, const std::string& role) {
  return f.count("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'") == 1;
}

bool emit_exists(const Fixture& f) {
  return f.scalar("SELECT to_regprocedure('realtime_emit(text, text, text, jsonb)') IS NOT NULL") == "t";
}

}  // namespace

TEST_CASE("down all the way on a populated database, then up again") {
  Fixture f;
  REQUIRE(f.migrate("up").code == 0);
  populate(f);

  // What must hold right after each step is reverted: what its down file drops is gone, what
  // it keeps is still there with its rows.
  const std::map<std::string, std::function<void()>> after_revert = {
      {"0008_history_statistics",
       [&] {
         CHECK(f.count("SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'realtime_outbox_amo_topic_stats'") == 0);
         CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 3);
       }},
      {"0007_relay_drain",
       [&] {
         CHECK_FALSE(f.table_exists("realtime_relay_instances"));
         CHECK(f.count("SELECT count(*) FROM pg_indexes WHERE indexname = 'realtime_outbox_unclaimed_idx'") == 0);
         CHECK(f.scalar("SELECT to_regprocedure('realtime_outbox_notify()') IS NULL") == "t");
         CHECK(f.count("SELECT count(*) FROM realtime_relay_leases") == 1);
         CHECK(role_exists(f, "amo_realtime_app"));
       }},
      {"0006_runtime_role",
       [&] {
         CHECK_FALSE(role_exists(f, "amo_realtime_app"));
         CHECK(role_exists(f, "daemon_login"));
         CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 3);
         CHECK(f.count("SELECT count(*) FROM realtime_users") == 2);
         CHECK(f.count("SELECT count(*) FROM realtime_chat_messages") == 1);
         CHECK(f.count("SELECT count(*) FROM realtime_relay_leases") == 1);
       }},
      {"0005_relay_leases",
       [&] {
         CHECK_FALSE(f.table_exists("realtime_relay_leases"));
         CHECK(f.count("SELECT count(*) FROM realtime_outbox WHERE envelope ? 'id'") == 3);
       }},
      {"0004_chat",
       [&] {
         CHECK_FALSE(f.table_exists("realtime_chat_messages"));
         CHECK_FALSE(f.table_exists("realtime_chat_reads"));
         // The fan-out copies stay in the outbox.
         CHECK(f.count("SELECT count(*) FROM realtime_outbox WHERE topic = 'amo/A1/thread/T1/events'") == 1);
         CHECK(f.count("SELECT count(*) FROM realtime_thread_members") == 2);
       }},
      {"0003_users_threads",
       [&] {
         CHECK_FALSE(f.table_exists("realtime_users"));
         CHECK_FALSE(f.table_exists("realtime_thread_members"));
         CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 3);
       }},
      {"0002_emit",
       [&] {
         CHECK_FALSE(emit_exists(f));
         CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 3);
         CHECK(f.count("SELECT count(*) FROM realtime_outbox_dead") == 1);
         CHECK(f.scalar("SELECT last_seq FROM realtime_outbox_seq WHERE amo_id = 'A1'") == "2");
       }},
      {"0001_outbox",
       [&] {
         CHECK_FALSE(f.table_exists("realtime_outbox"));
         CHECK_FALSE(f.table_exists("realtime_outbox_dead"));
         CHECK_FALSE(f.table_exists("realtime_outbox_seq"));
       }},
  };

  // Down reverts the latest applied step each time, and nothing more.
  for (std::size_t left = step_count(); left > 0; --left) {
    const std::string latest = f.scalar(
        "SELECT lpad(version::text, 4, '0') || '_' || name FROM realtime_schema_migrations ORDER BY version DESC LIMIT "
        "1");
    const auto down = f.migrate("down");
    INFO(down.output);
    REQUIRE(down.code == 0);
    CHECK(down.output == "reverted " + latest + "\n");
    CHECK(f.count("SELECT count(*) FROM realtime_schema_migrations") == static_cast<long>(left - 1));
    REQUIRE_MESSAGE(after_revert.count(latest) == 1, "no promise checked for ", latest, ": add it to this test");
    after_revert.at(latest)();
  }
  const auto nothing = f.migrate("down");
  CHECK(nothing.code == 0);
  CHECK(nothing.output == "nothing to revert\n");
  for (const auto& line : f.migrate("status").lines()) CHECK(line.starts_with("pending  "));

  // Up again on what is left (the login role, realtime_schema_migrations) brings all back.
  const auto up = f.migrate("up");
  INFO(up.output);
  REQUIRE(up.code == 0);
  CHECK(up.lines().size() == step_count());
  CHECK(role_exists(f, "amo_realtime_app"));
  CHECK(emit_exists(f));
  CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 0);
  f.pg.exec("DROP ROLE daemon_login");
  populate(f);
  CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 3);
  CHECK(f.count("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                "WHERE r.rolname = 'amo_realtime_app'") == 1);
}
