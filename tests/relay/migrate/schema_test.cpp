// `migrate up` on an empty database creates every table, index, function and the role of
// DESIGN §5–§8, as pg_catalog sees them; `status` lists pending then applied steps.
#include <doctest/doctest.h>

#include <regex>

#include "io/files.h"
#include "relay/migrate/checksum.h"
#include "tests/relay/migrate/migrate_fixture.h"

using amo::migrate_test::Fixture;
using amo::migrate_test::kMigrations;
using amo::migrate_test::step_count;

namespace {

const std::vector<std::string> kTables = {
    "realtime_outbox",          "realtime_outbox_dead",      "realtime_outbox_seq", "realtime_users",
    "realtime_thread_members",  "realtime_chat_messages",    "realtime_chat_reads", "realtime_relay_leases",
    "realtime_relay_instances", "realtime_schema_migrations"};

// "column type nullable default-or-identity" for every column of a table, in order.
std::vector<std::string> columns(const Fixture& f, const std::string& table) {
  pqxx::connection c(f.pg.url());
  pqxx::nontransaction tx(c);
  std::vector<std::string> out;
  for (const auto& row : tx.exec_params("SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || "
                                        "  CASE WHEN is_identity = 'YES' THEN 'identity ' || identity_generation ELSE "
                                        "coalesce(column_default, '-') END "
                                        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name "
                                        "= $1 ORDER BY ordinal_position",
                                        table)) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("up on an empty database creates every table, index, function and the role") {
  Fixture f;

  const auto before = f.migrate("status");
  CHECK(before.code == 0);
  REQUIRE(before.lines().size() == step_count());
  for (const auto& line : before.lines()) CHECK(std::regex_match(line, std::regex("pending  \\d{4}_[a-z0-9_]+")));
  CHECK_FALSE(f.table_exists("realtime_schema_migrations"));  // status only reads

  const auto up = f.migrate("up");
  INFO(up.output);
  REQUIRE(up.code == 0);
  CHECK(up.lines() == std::vector<std::string>{"applied 0001_outbox", "applied 0002_emit", "applied 0003_users_threads",
                                               "applied 0004_chat", "applied 0005_relay_leases",
                                               "applied 0006_runtime_role", "applied 0007_relay_drain",
                                               "applied 0008_history_statistics"});

  for (const auto& table : kTables) {
    CAPTURE(table);
    CHECK(f.table_exists(table));
  }

  // History reads depend on the planner knowing topic depends on amo_id (0008).
  CHECK(f.count("SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'realtime_outbox_amo_topic_stats' "
                "AND stxkind @> ARRAY['d','f']::\"char\"[]") == 1);

  CHECK(columns(f, "realtime_outbox") ==
        std::vector<std::string>{
            "id bigint NO identity ALWAYS", "event_id uuid NO gen_random_uuid()", "amo_id text NO -", "topic text NO -",
            "envelope jsonb NO -", "created_at timestamp with time zone NO now()", "seq bigint YES -",
            "attempts integer NO 0", "last_error text YES -", "published_at timestamp with time zone YES -",
            "next_attempt_at timestamp with time zone YES -", "dead_at timestamp with time zone YES -"});
  CHECK(columns(f, "realtime_users") == std::vector<std::string>{"amo_id text NO -", "user_id text NO -",
                                                                 "is_active boolean NO true",
                                                                 "token_revoked_at timestamp with time zone YES -"});
  CHECK(columns(f, "realtime_thread_members") ==
        std::vector<std::string>{"amo_id text NO -", "thread_id text NO -", "user_id text NO -"});
  CHECK(columns(f, "realtime_relay_leases") == std::vector<std::string>{"partition integer NO -", "owner text YES -",
                                                                        "generation bigint NO 0",
                                                                        "expires_at timestamp with time zone YES -"});
  CHECK(columns(f, "realtime_schema_migrations") ==
        std::vector<std::string>{"version integer NO -", "name text NO -", "checksum text NO -",
                                 "applied_at timestamp with time zone NO now()"});
  // Integrators may replace these two by views: no NOT NULL column without a default outside the key.
  CHECK(f.count("SELECT count(*) FROM information_schema.columns c WHERE c.table_schema = 'public' "
                "AND c.table_name IN ('realtime_users', 'realtime_thread_members') AND c.is_nullable = 'NO' "
                "AND c.column_default IS NULL AND c.column_name NOT IN ('amo_id', 'user_id', 'thread_id')") == 0);
  // The chat dedupe keys and event ids (DESIGN §7).
  for (const std::string t : {"realtime_chat_messages", "realtime_chat_reads"}) {
    CAPTURE(t);
    CHECK(f.scalar("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = '" + t +
                   "'::regclass AND indisunique AND pg_get_indexdef(indexrelid) LIKE '%client_msg_id%'")
              .ends_with("(amo_id, sender_id, client_msg_id)"));
    CHECK(f.count("SELECT count(*) FROM pg_index WHERE indrelid = '" + t +
                  "'::regclass AND indisunique AND pg_get_indexdef(indexrelid) LIKE '%(event_id)'") == 1);
  }

  // Every index by name, with the definitions the relay's queries count on.
  for (const std::string index : {"realtime_outbox_pkey",
                                  "realtime_outbox_event_id_key",
                                  "realtime_outbox_amo_id_seq_key",
                                  "realtime_outbox_pending_idx",
                                  "realtime_outbox_unclaimed_idx",
                                  "realtime_outbox_created_at_idx",
                                  "realtime_outbox_dead_pkey",
                                  "realtime_outbox_seq_pkey",
                                  "realtime_users_pkey",
                                  "realtime_thread_members_pkey",
                                  "realtime_thread_members_user_idx",
                                  "realtime_chat_messages_pkey",
                                  "realtime_chat_messages_event_id_key",
                                  "realtime_chat_messages_dedupe_key",
                                  "realtime_chat_reads_pkey",
                                  "realtime_chat_reads_event_id_key",
                                  "realtime_chat_reads_dedupe_key",
                                  "realtime_relay_leases_pkey",
                                  "realtime_relay_instances_pkey",
                                  "realtime_schema_migrations_pkey"}) {
    CAPTURE(index);
    CHECK(f.table_exists(index));
  }
  CHECK(f.scalar("SELECT pg_get_indexdef('realtime_outbox_amo_id_seq_key'::regclass)")
            .ends_with("USING btree (amo_id, seq)"));
  CHECK(f.scalar("SELECT pg_get_indexdef('realtime_outbox_pending_idx'::regclass)")
            .ends_with("(id) WHERE ((published_at IS NULL) AND (dead_at IS NULL))"));
  CHECK(f.scalar("SELECT pg_get_indexdef('realtime_thread_members_user_idx'::regclass)")
            .ends_with("(amo_id, user_id, thread_id)"));
  {
    // The history seek is served by the (amo_id, seq) index in seq order, with no sort.
    pqxx::connection c(f.pg.url());
    pqxx::nontransaction tx(c);
    tx.exec0("SET enable_seqscan = off");
    std::string plan;
    for (const auto& row :
         tx.exec("EXPLAIN SELECT * FROM realtime_outbox WHERE amo_id = 'A1' AND seq > 5 ORDER BY seq LIMIT 100")) {
      plan += row[0].as<std::string>() + "\n";
    }
    INFO(plan);
    CHECK(plan.find("realtime_outbox_amo_id_seq_key") != std::string::npos);
    CHECK(plan.find("Sort") == std::string::npos);
  }

  CHECK(f.scalar("SELECT pg_get_function_identity_arguments('realtime_emit'::regproc)") ==
        "amo_id text, topic text, kind text, payload jsonb");
  CHECK(f.scalar("SELECT prorettype::regtype::text FROM pg_proc WHERE proname = 'realtime_emit'") == "uuid");
  CHECK(f.scalar("SELECT prosecdef FROM pg_proc WHERE proname = 'realtime_emit'") == "f");
  // No per-call SET clause (it costs a fifth of the insert rate, 0002_emit.up.sql).
  CHECK(f.scalar("SELECT proconfig IS NULL FROM pg_proc WHERE proname = 'realtime_emit'") == "t");
  CHECK(f.scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'amo_realtime_app'") == "f");

  // Each applied step is recorded with the sha256 of its up file.
  CHECK(f.count("SELECT count(*) FROM realtime_schema_migrations") == static_cast<long>(step_count()));
  CHECK(f.scalar("SELECT checksum FROM realtime_schema_migrations WHERE version = 2") ==
        amo::relay::migration::sha256_hex(amo::io::read_file((kMigrations / "0002_emit.up.sql").string())));
  CHECK(f.scalar("SELECT name FROM realtime_schema_migrations WHERE version = 1") == "outbox");

  const auto after = f.migrate("status");
  CHECK(after.code == 0);
  REQUIRE(after.lines().size() == step_count());
  for (const auto& line : after.lines()) {
    CHECK(std::regex_match(line, std::regex("applied  \\d{4}_[a-z0-9_]+  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")));
  }
  CHECK(after.lines()[0].starts_with("applied  0001_outbox  "));

  const auto again = f.migrate("up");
  CHECK(again.code == 0);
  CHECK(again.output == "nothing to apply\n");
}

TEST_CASE("status shows a new step as pending after the others were applied") {
  Fixture f;
  const auto dir = f.copy_migrations();
  REQUIRE(f.migrate_dir("up", dir).code == 0);
  f.dir.write(dir.filename() / "0100_later.up.sql", "CREATE TABLE later_table (x int);\n");
  f.dir.write(dir.filename() / "0100_later.down.sql", "-- Drops later_table.\nDROP TABLE later_table;\n");
  const auto status = f.migrate_dir("status", dir);
  CHECK(status.code == 0);
  REQUIRE(status.lines().size() == step_count() + 1);
  CHECK(status.lines().front().starts_with("applied  0001_outbox  "));
  CHECK(status.lines().back() == "pending  0100_later");
  CHECK_FALSE(f.table_exists("later_table"));

  const auto up = f.migrate_dir("up", dir);
  CHECK(up.output == "applied 0100_later\n");
  CHECK(f.table_exists("later_table"));
  CHECK(f.migrate_dir("status", dir).lines().back().starts_with("applied  0100_later  "));
}
