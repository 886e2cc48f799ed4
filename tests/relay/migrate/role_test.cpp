// The runtime role amo_realtime_app (DESIGN §8, least privilege): a login role granted it
// can emit and do DML on our tables, and nothing else — no DDL, no migration history.
#include <doctest/doctest.h>

#include "tests/relay/migrate/migrate_fixture.h"

using amo::migrate_test::Fixture;

namespace {

constexpr std::string_view kDenied = "insufficient_privilege";

// Runs `sql` in its own transaction: "" on success, kDenied on insufficient_privilege (42501;
// libpqxx 6.4 leaves sqlstate() empty on that class, so its type is what tells), else the error.
std::string outcome_of(pqxx::connection& c, const std::string& sql) {
  try {
    pqxx::work tx(c);
    tx.exec(sql);
    tx.commit();
  } catch (const pqxx::insufficient_privilege&) {
    return std::string(kDenied);
  } catch (const pqxx::sql_error& e) {
    return e.what();
  }
  return "";
}

std::string as_user(const std::string& url, const std::string& user) {
  const std::string from = "user=postgres";
  std::string out = url;
  out.replace(out.find(from), from.size(), "user=" + user);
  return out;
}

}  // namespace

TEST_CASE("a login role granted amo_realtime_app gets DML on our tables and no DDL") {
  Fixture f;
  REQUIRE(f.migrate("up").code == 0);
  f.pg.exec("CREATE ROLE relay_login LOGIN; GRANT amo_realtime_app TO relay_login");
  pqxx::connection c(as_user(f.pg.url(), "relay_login"));

  // What the daemons do.
  CHECK(outcome_of(c, "SELECT realtime_emit('A1', 'amo/A1/broadcast/events', 'notification', '{}')") == "");
  CHECK(outcome_of(c, "INSERT INTO realtime_outbox (amo_id, topic, envelope) VALUES ('A1', 'amo/A1/x', '{}')") == "");
  CHECK(outcome_of(c,
                   "INSERT INTO realtime_outbox_seq (amo_id) VALUES ('A1') "
                   "ON CONFLICT (amo_id) DO UPDATE SET last_seq = realtime_outbox_seq.last_seq + 1") == "");
  CHECK(outcome_of(c, "UPDATE realtime_outbox SET seq = 1, published_at = now() WHERE id = 1") == "");
  CHECK(outcome_of(c,
                   "INSERT INTO realtime_outbox_dead (id, amo_id, topic, envelope, error) "
                   "SELECT id, amo_id, topic, envelope, 'bad topic' FROM realtime_outbox WHERE id = 2; "
                   "DELETE FROM realtime_outbox WHERE id = 2") == "");
  CHECK(outcome_of(c,
                   "INSERT INTO realtime_users (amo_id, user_id) VALUES ('A1', 'u1'); "
                   "UPDATE realtime_users SET token_revoked_at = now() WHERE user_id = 'u1'") == "");
  CHECK(outcome_of(c, "INSERT INTO realtime_thread_members VALUES ('A1', 'T1', 'u1')") == "");
  CHECK(outcome_of(c,
                   "INSERT INTO realtime_chat_messages (amo_id, thread_id, sender_id, client_msg_id, event_id, text) "
                   "VALUES ('A1', 'T1', 'u1', 'cmid-0001', gen_random_uuid(), 'hi') "
                   "ON CONFLICT (amo_id, sender_id, client_msg_id) DO NOTHING") == "");
  CHECK(outcome_of(c,
                   "INSERT INTO realtime_chat_reads (amo_id, thread_id, sender_id, client_msg_id, event_id, up_to_seq) "
                   "VALUES ('A1', 'T1', 'u1', 'cmid-0002', gen_random_uuid(), 1)") == "");
  CHECK(outcome_of(c,
                   "INSERT INTO realtime_relay_leases (partition, owner, generation, expires_at) "
                   "VALUES (0, 'relay-a', 1, now() + interval '10 s')") == "");
  CHECK(outcome_of(c,
                   "INSERT INTO realtime_relay_instances (owner) VALUES ('relay-a') "
                   "ON CONFLICT (owner) DO UPDATE SET seen_at = now()") == "");
  CHECK(outcome_of(c, "DELETE FROM realtime_outbox WHERE created_at < now() - interval '7 days'") == "");
  for (const std::string t :
       {"realtime_outbox", "realtime_outbox_dead", "realtime_outbox_seq", "realtime_users", "realtime_thread_members",
        "realtime_chat_messages", "realtime_chat_reads", "realtime_relay_leases", "realtime_relay_instances"}) {
    CAPTURE(t);
    CHECK(outcome_of(c, "SELECT count(*) FROM " + t) == "");
  }
  CHECK(f.count("SELECT count(*) FROM realtime_outbox") == 1);
  CHECK(f.count("SELECT count(*) FROM realtime_outbox_dead") == 1);

  // What a compromised daemon must not do: every one is refused with insufficient_privilege.
  for (const std::string sql :
       {"CREATE TABLE intruder (x int)", "CREATE SCHEMA intruder", "ALTER TABLE realtime_outbox ADD COLUMN x int",
        "ALTER TABLE realtime_users DROP COLUMN is_active", "DROP TABLE realtime_outbox", "DROP TABLE realtime_users",
        "TRUNCATE realtime_outbox", "DROP FUNCTION realtime_emit(text, text, text, jsonb)",
        "CREATE OR REPLACE FUNCTION realtime_emit(amo_id text, topic text, kind text, payload jsonb) RETURNS uuid "
        "LANGUAGE sql AS 'SELECT NULL::uuid'",
        "CREATE INDEX intruder_idx ON realtime_outbox (topic)", "SELECT count(*) FROM realtime_schema_migrations",
        "DELETE FROM realtime_schema_migrations", "ALTER ROLE amo_realtime_app LOGIN"}) {
    CAPTURE(sql);
    CHECK(outcome_of(c, sql) == kDenied);
  }
  CHECK(f.table_exists("realtime_outbox"));
  CHECK(f.count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'realtime_outbox'") == 12);

  // SET ROLE as a superuser gives the same answer.
  pqxx::connection super(f.pg.url());
  CHECK(outcome_of(super, "SET ROLE amo_realtime_app; CREATE TABLE intruder (x int)") == kDenied);
}
