// realtime_users and realtime_thread_members replaced by views over a portal's own tables,
// exactly as docs/examples/portal-views.sql does it (DESIGN §7 "works with views too"): tokens,
// threads, 403 for a disabled account, the revocation poll, POST /api/realtime/revoke through
// the view's INSTEAD OF trigger, and chat membership.
#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include <thread>

#include "tests/harness/temp_dir.h"
#include "tests/token-service/ts_fixture.h"

using namespace amo::ts_test;
using Clock = std::chrono::steady_clock;

namespace {

Stack& stack() {
  // The token service connects as a login role with amo_realtime_app only (least privilege,
  // migration 0006): the views' grants and the trigger's SECURITY DEFINER must be enough.
  static Stack s(Stack::Options{.setup =
                                    [](const amo::harness::Postgres& pg) {
                                      pg.exec("CREATE ROLE ts_app LOGIN; GRANT amo_realtime_app TO ts_app;");
                                      pg.exec(
                                          amo::harness::read_file(AMO_SOURCE_DIR "/docs/examples/portal-tables.sql"));
                                      // portal-views.sql holds its own BEGIN/COMMIT: run it outside exec()'s
                                      // transaction.
                                      pqxx::connection c(pg.url());
                                      pqxx::nontransaction t(c);
                                      t.exec(amo::harness::read_file(AMO_SOURCE_DIR "/docs/examples/portal-views.sql"));
                                      pg.exec(R"(
      INSERT INTO portal_org VALUES (1, 'acme-mro'), (2, 'other-org');
      INSERT INTO portal_account VALUES (42, 1, 'pat@acme.test', false, NULL), (43, 1, 'sam@acme.test', false, NULL),
        (44, 1, 'off@acme.test', true, NULL), (50, 2, 'x@other.test', false, NULL);
      INSERT INTO portal_work_order VALUES (7, 1, 'A-check'), (8, 1, 'Engine'), (9, 2, 'Other');
      INSERT INTO portal_work_order_assignee VALUES (7, 42), (8, 42), (8, 43), (9, 42);)");
                                    },
                                .service_db_user = "ts_app"});
  return s;
}

}  // namespace

TEST_CASE("the views are views, and the token service answers from them") {
  Stack& s = stack();
  CHECK(s.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = 'ts_app'") != "0");
  CHECK(s.scalar("SELECT relkind FROM pg_class WHERE relname = 'realtime_users'") == "v");
  CHECK(s.scalar("SELECT relkind FROM pg_class WHERE relname = 'realtime_thread_members'") == "v");
  const json a = s.issue(s.session("acme-mro", "42"));
  // wo-9 is another org's work order: the view leaves it out.
  CHECK(a["topics"]["subscribe"] == json::array({"amo/acme-mro/user/42/#", "amo/acme-mro/thread/wo-7/#",
                                                 "amo/acme-mro/thread/wo-8/#", "amo/acme-mro/broadcast/#"}));
  int connack = -1;
  auto client = s.mqtt_client(a, &connack);
  CHECK(connack == 0);
  CHECK(s.post("/api/realtime/token", s.session("acme-mro", "44")).status == 403);  // disabled
  CHECK(s.post("/api/realtime/token", s.session("acme-mro", "50")).status == 403);  // other org
  CHECK(s.post("/api/realtime/token", s.session("acme-mro", "42"), R"({"threads":["wo-9"]})").status == 403);
  CHECK(
      s.post("/api/realtime/messages", s.session("acme-mro", "43"), chat_json("view-chat-0001", "x", "wo-8")).status ==
      201);
  CHECK(
      s.post("/api/realtime/messages", s.session("acme-mro", "43"), chat_json("view-chat-0002", "x", "wo-7")).status ==
      403);
}

TEST_CASE("the portal's own column, updated by the portal, closes the live session (the poll over the view)") {
  Stack& s = stack();
  int connack = -1;
  auto client = s.mqtt_client(s.issue(s.session("acme-mro", "43", -10)), &connack);
  REQUIRE(connack == 0);
  std::this_thread::sleep_for(600ms);
  const auto t0 = Clock::now();
  s.pg.exec("UPDATE portal_account SET sessions_revoked_at = now() WHERE id = 43");
  CHECK(client->wait_disconnected(10s));
  MESSAGE("closed " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()
                    << " ms after the portal's UPDATE");
  CHECK(s.post("/api/realtime/token", s.session("acme-mro", "43", -10)).status == 403);
}

TEST_CASE("POST /api/realtime/revoke writes through the view's INSTEAD OF trigger to the portal's column") {
  Stack& s = stack();
  int connack = -1;
  auto client = s.mqtt_client(s.issue(s.session("acme-mro", "42", -10)), &connack);
  REQUIRE(connack == 0);
  CHECK(s.scalar("SELECT sessions_revoked_at IS NULL FROM portal_account WHERE id = 42") == "t");
  CHECK(s.post("/api/realtime/revoke", s.service_token("portal-admin"), R"({"amo":"acme-mro","user":"42"})").status ==
        204);
  CHECK(client->wait_disconnected(10s));
  CHECK(s.scalar("SELECT sessions_revoked_at IS NOT NULL FROM portal_account WHERE id = 42") == "t");
  CHECK(s.post("/api/realtime/token", s.session("acme-mro", "42", -10)).status == 403);
}
