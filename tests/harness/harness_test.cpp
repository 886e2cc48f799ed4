#include <doctest/doctest.h>
#include <sys/stat.h>

#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "tests/harness/durable_subscriber.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/mqtt_client.h"
#include "tests/harness/ports.h"
#include "tests/harness/postgres.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

using namespace amo::harness;
using namespace std::chrono_literals;

TEST_CASE("free_port never repeats within a process") {
  std::set<int> seen;
  for (int i = 0; i < 20; ++i) CHECK(seen.insert(free_port()).second);
}

TEST_CASE("TempDir is world-readable and removed on destruction") {
  std::filesystem::path p;
  {
    TempDir d;
    p = d.path();
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0755);
    const auto f = d.write("sub/x.txt", "hello");
    REQUIRE(::stat(f.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    CHECK(read_file(f) == "hello");
  }
  CHECK_FALSE(std::filesystem::exists(p));
}

TEST_CASE("Process captures output, reports exit codes and timeouts, kills on destruction") {
  TempDir d;
  const auto log = d.path() / "out.log";
  CHECK(run({"/bin/sh", "-c", "echo hi; echo err >&2; exit 3"}, log, 5s) == 3);
  CHECK(read_file(log) == "hi\nerr\n");
  pid_t pid = -1;
  {
    Process p({"/bin/sleep", "30"}, log);
    pid = p.pid();
    CHECK(p.running());
    CHECK(p.wait_exit(50ms) == -1);
  }
  CHECK_FALSE(pid_alive(pid));
}

TEST_CASE("Postgres and Mosquitto start, talk, refuse, fail loudly and leave nothing behind") {
  pid_t pg_pid = -1;
  pid_t broker_pid = -1;
  std::filesystem::path pg_dir, broker_dir;
  {
    Postgres pg;
    pg_pid = pg.pid();
    pg_dir = pg.dir();
    pg.exec("CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'one'), (2, 'two');");
    pqxx::connection c(pg.url());
    pqxx::work tx(c);
    const auto rows = tx.exec("SELECT id, name FROM t ORDER BY id");
    REQUIRE(rows.size() == 2);
    CHECK(rows[1][1].as<std::string>() == "two");
    CHECK(tx.exec1("SELECT current_database()")[0].as<std::string>() == "amo_test");

    Mosquitto::Options mo;
    mo.allow_anonymous = true;
    Mosquitto broker(mo);
    broker_pid = broker.pid();
    broker_dir = broker.dir();
    CHECK(port_accepts(broker.ws_port()));

    TestClient sub({.port = broker.port(), .client_id = "sub"});
    TestClient pub({.port = broker.port(), .client_id = "pub"});
    TestClient v3({.port = broker.port(), .client_id = "v3", .mqtt_version = 4});
    REQUIRE(sub.connect() == 0);
    REQUIRE(pub.connect() == 0);
    REQUIRE(v3.connect() == 0);
    CHECK(sub.connected());
    CHECK(sub.subscribe({"a/#", "b/+"}, 1) == std::vector<int>{1, 1});
    CHECK(v3.subscribe({"a/#"}, 0) == std::vector<int>{0});

    CHECK(pub.publish("a/x", "payload", 1, false, {{"k", "v"}, {"trace", "42"}}, "corr-1") == 0);
    const auto got = sub.wait_messages(1, 5s);
    REQUIRE(got.size() == 1);
    CHECK(got[0].topic == "a/x");
    CHECK(got[0].payload == "payload");
    CHECK(got[0].qos == 1);
    CHECK_FALSE(got[0].retained);
    CHECK(got[0].user_props == std::map<std::string, std::string>{{"k", "v"}, {"trace", "42"}});
    CHECK(got[0].correlation_data == "corr-1");
    const auto got3 = v3.wait_messages(1, 5s);
    REQUIRE(got3.size() == 1);
    CHECK(got3[0].payload == "payload");
    CHECK(got3[0].qos == 0);

    CHECK(v3.publish("b/y", "from v3", 1, true) == 0);
    const auto retained = sub.wait_messages(1, 5s);
    REQUIRE(retained.size() == 1);
    CHECK(retained[0].payload == "from v3");
    CHECK(sub.take_messages().empty());

    CHECK(broker.wait_log("New client connected from 127.0.0.1", 2s));
    sub.disconnect();
    CHECK_FALSE(sub.connected());
    CHECK(broker.running());
  }
  CHECK_FALSE(pid_alive(pg_pid));
  CHECK_FALSE(pid_alive(broker_pid));
  CHECK_FALSE(std::filesystem::exists(pg_dir));
  CHECK_FALSE(std::filesystem::exists(broker_dir));
}

TEST_CASE("Mosquitto without a plugin and allow_anonymous false refuses: 0x87 (v5), 5 (v3.1.1)") {
  Mosquitto broker({.websockets = false});
  TestClient v5({.port = broker.port()});
  TestClient v3({.port = broker.port(), .mqtt_version = 4});
  CHECK(v5.connect() == 0x87);
  CHECK(v3.connect() == 5);
  CHECK_FALSE(v5.connected());
  CHECK(broker.running());
}

TEST_CASE("A bad config makes the broker exit non-zero with the reason in log()") {
  Mosquitto broker({.extra_config = "no_such_option 1\n", .expect_start = false});
  const int code = broker.wait_exit(5s);
  CHECK(code > 0);
  CHECK(broker.log().find("no_such_option") != std::string::npos);
}

TEST_CASE("full_config substitutes placeholders; sighup reloads") {
  Mosquitto broker({.websockets = false,
                    .full_config = "listener {TCP_PORT} 127.0.0.1\nallow_anonymous true\n"
                                   "log_dest file {LOG_FILE}\nlog_type all\npersistence false\n"});
  TestClient c({.port = broker.port()});
  CHECK(c.connect() == 0);
  broker.sighup();
  CHECK(broker.wait_log("Reloading config", 5s));
  CHECK(broker.running());
}

TEST_CASE("Refusals are return codes: PUBACK 0x87 under an ACL; a takeover disconnects the old client") {
  TempDir files;
  const auto acl = files.write("acl", "pattern read in/#\npattern write out/#\n");
  Mosquitto broker({.websockets = false, .extra_config = "acl_file " + acl.string() + "\n", .allow_anonymous = true});
  TestClient c({.port = broker.port(), .client_id = "same"});
  REQUIRE(c.connect() == 0);
  // 2.0.11 grants any subscription here; the read ACL applies on delivery.
  CHECK(c.subscribe({"in/x", "out/#"}, 1) == std::vector<int>{1, 1});
  CHECK(c.publish("out/x", "ok") == 0);
  CHECK(c.publish("in/x", "denied") == 0x87);
  CHECK(c.publish("in/x", "qos0 denied silently", 0) == 0);

  TestClient v3({.port = broker.port(), .mqtt_version = 4});
  REQUIRE(v3.connect() == 0);
  CHECK(v3.publish("in/x", "v3 sees nothing") == 0);

  TestClient thief({.port = broker.port(), .client_id = "same"});
  REQUIRE(thief.connect() == 0);
  CHECK(c.wait_disconnected(5s));
  CHECK_FALSE(c.connected());
  CHECK(thief.connected());
}

TEST_CASE("A plugin is loaded from a private copy with its plugin_opt_ lines") {
  const std::string dynsec = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
  if (!std::filesystem::exists(dynsec)) return;
  TempDir files;
  const auto config = files.write("dynsec.json", R"({"clients":[],"groups":[],"roles":[]})");
  files.chown_to("mosquitto");  // the plugin rewrites its config file
  Mosquitto broker({.websockets = false, .plugin_path = dynsec, .plugin_opts = {{"config_file", config.string()}}});
  CHECK(broker.wait_log("Loading plugin: " + (broker.dir() / "plugin.so").string(), 2s));
  TestClient c({.port = broker.port()});
  CHECK(c.connect() == 0x87);  // dynsec knows no clients
}

TEST_CASE("Process passes environment changes to the child only") {
  TempDir d;
  const auto log = d.path() / "env.log";
  ::setenv("AMO_HARNESS_DROP", "x", 1);
  SpawnOptions o;
  o.env = {{"AMO_HARNESS_SET", "42"}, {"AMO_HARNESS_DROP", std::nullopt}};
  CHECK(run({"/bin/sh", "-c", "echo \"${AMO_HARNESS_SET:-unset} ${AMO_HARNESS_DROP:-gone}\""}, log, 5s, o) == 0);
  CHECK(read_file(log) == "42 gone\n");
  CHECK(std::getenv("AMO_HARNESS_SET") == nullptr);
  ::unsetenv("AMO_HARNESS_DROP");
}

TEST_CASE("Postgres restart (fast shutdown) and kill (immediate) keep committed data on the same port") {
  Postgres pg({.synchronous_commit = true});
  const int port = pg.port();
  pg.exec("CREATE TABLE t (v int); INSERT INTO t VALUES (1)");
  pg.restart();
  CHECK(pg.port() == port);
  pg.exec("INSERT INTO t VALUES (2)");
  pg.kill();
  CHECK_THROWS(pg.exec("SELECT 1"));
  pg.start();
  pqxx::connection c(pg.url());
  pqxx::nontransaction tx(c);
  CHECK(tx.exec1("SELECT count(*) FROM t")[0].as<int>() == 2);
}

TEST_CASE("Mosquitto kill and restart come back on the same ports; a durable subscriber reconnects by itself") {
  Mosquitto broker({.websockets = true, .allow_anonymous = true});
  const int port = broker.port(), ws = broker.ws_port();
  DurableSubscriber sub({.port = port, .client_id = "durable-1", .password = [] { return std::string("pw"); },
                         .filters = {"amo/a/#"}});
  REQUIRE(sub.wait_connected(5s));
  TestClient pub({.port = port});
  REQUIRE(pub.connect() == 0);
  REQUIRE(pub.publish("amo/a/x", R"({"id":"e1","seq":1})", 1) == 0);
  REQUIRE(sub.wait_count(1, 5s));

  broker.kill();
  CHECK_FALSE(broker.running());
  CHECK_FALSE(port_accepts(port));
  broker.restart();
  CHECK(broker.port() == port);
  CHECK(broker.ws_port() == ws);
  CHECK(port_accepts(ws));
  // Persistence is off: the session is gone, the subscriber subscribes again on reconnect.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (sub.connects() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  REQUIRE(sub.connects() >= 2);
  TestClient pub2({.port = port});
  REQUIRE(pub2.connect() == 0);
  // The SUBSCRIBE follows the CONNACK: publish until the subscriber has it.
  for (int i = 0; i < 50 && !sub.wait_count(2, 100ms); ++i) pub2.publish("amo/a/x", R"({"id":"e2","seq":2})", 1);
  CHECK(sub.ids().count("e2") == 1);
  CHECK(sub.records().front().seq == 1);
}
