// bench_token_service (issue 11, speed): one run, markdown on stdout.
//  1. Token issuance: POST /api/realtime/token on the real amo-token-service (portal session
//     check, realtime_users + realtime_thread_members lookup, signing) driven by wrk over 1,000
//     users, against the bare single-thread EdDSA sign rate of the same key in the same run, and
//     against the same endpoint in FastAPI/uvicorn + PyJWT + psycopg2 (skipped when Debian's
//     python3 lacks one of them). token_rate / ip_rate are raised (else 429s are measured) and
//     log_level is warning (else the access and audit lines of every request are).
//  2. Chat ingest end to end: users publish chat through Mosquitto with our plugin (its
//     publish_rate raised), the token service stores it, amo-relay publishes the fan-out row,
//     a subscriber counts it. Sustained rate for a burst; latency percentiles at 1,000/s; and
//     the same commits (the ingest's own statement, batches of 500) in a bare libpqxx loop.
//
//   bench_token_service [--quick]
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/envelope/schema_set.h"
#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "io/files.h"
#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/mqtt_client.h"
#include "tests/harness/ports.h"
#include "tests/harness/postgres.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "token-service/ingest/chat_check.h"
#include "token-service/ingest/chat_store.h"

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace h = amo::harness;

namespace {

struct Sizes {
  int users = 1000;
  int wrk_seconds = 10;
  int wrk_connections = 32;
  int tenants = 8;    // ingest: one publisher per tenant (the relay serialises a tenant)
  int burst = 40000;  // ingest: messages in the sustained-rate burst
  int rate = 1000;    // ingest: latency phase, messages/s
  int latency_seconds = 10;
  int bare_rows = 40000;  // bare libpqxx loop
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string toml_str(const std::string& s) {
  return "\"" + s + "\"";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

// ---- issuance ---------------------------------------------------------------------------

double bare_sign_rate(const amo::token::Key& key) {
  amo::token::Claims c = h::user_claims("U0001", "B1", "B1:U0001:abcdefghijk", {"T0", "T1", "T2"});
  c.sess_exp = c.exp + 3600;
  std::size_t n = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < 2.0) {
    for (int i = 0; i < 100; ++i) n += amo::token::sign(c, key).size() > 0;
  }
  return static_cast<double>(n) / seconds_since(start);
}

struct WrkResult {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  long requests = 0, bad = 0;
};

double to_ms(const std::string& v, const std::string& unit) {
  const double x = std::stod(v);
  return unit == "us" ? x / 1000 : unit == "s" ? x * 1000 : x;
}

WrkResult run_wrk(int port, const std::string& script, const Sizes& z, const h::TempDir& dir) {
  const auto log = dir.path() / ("wrk-" + std::to_string(port) + ".log");
  h::run({"/usr/bin/wrk", "-t2", "-c" + std::to_string(z.wrk_connections), "-d" + std::to_string(z.wrk_seconds) + "s",
          "--latency", "-s", script, "http://127.0.0.1:" + std::to_string(port) + "/api/realtime/token"},
         log, std::chrono::seconds(z.wrk_seconds + 30));
  const std::string out = h::read_file(log);
  WrkResult r;
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([\d.]+))"))) r.rps = std::stod(m[1]);
  if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stol(m[1]);
  if (std::regex_search(out, m, std::regex(R"(50%\s+([\d.]+)(us|ms|s))"))) r.p50_ms = to_ms(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(99%\s+([\d.]+)(us|ms|s))"))) r.p99_ms = to_ms(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))"))) r.bad = std::stol(m[1]);
  if (std::regex_search(out, m, std::regex(R"(Socket errors:[^\n]*)"))) std::cerr << "wrk: " << m[0] << "\n";
  if (r.rps == 0) std::cerr << "wrk output:\n" << out << "\n";
  return r;
}

// A wrk script that POSTs with the sessions of every user, round robin per thread.
std::string wrk_script(const std::vector<std::string>& sessions) {
  std::string s = "local sessions = {\n";
  for (const auto& x : sessions) s += "  \"" + x + "\",\n";
  s += "}\nlocal i = 0\n"
       "request = function()\n"
       "  i = i % #sessions + 1\n"
       "  return wrk.format(\"POST\", nil, {[\"Authorization\"] = \"Bearer \" .. sessions[i]}, nil)\n"
       "end\n";
  return s;
}

// The VM is shared with other work: the load average beside the numbers says how much.
std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string line;
  std::getline(f, line);
  return line;
}

bool python_has_fastapi_stack() {
  h::TempDir dir("amo-bench-py");
  return h::run({"/usr/bin/python3", "-c", "import fastapi, uvicorn, jwt, psycopg2, cryptography"},
                dir.path() / "check.log", 20s) == 0;
}

// ---- ingest -----------------------------------------------------------------------------

struct Delivery {
  std::mutex mutex;
  std::set<std::string> ids;
  std::vector<double> latency_ms;
  Clock::time_point last;
};

std::int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Counts every chat.message delivered on amo/+/thread/+/events; the text carries the send time
// (Unix µs: the database's created_at is compared with it too).
void subscribe_loop(h::TestClient& sub, Delivery& d, const std::atomic<bool>& stop) {
  while (!stop) {
    auto got = sub.wait_messages(1, 100ms);
    const auto now = Clock::now();
    const std::int64_t now_us = unix_us();
    std::lock_guard lock(d.mutex);
    for (const auto& m : got) {
      const json e = json::parse(m.payload);
      if (e["kind"] != "chat.message") continue;
      if (!d.ids.insert(e["id"].get<std::string>()).second) continue;
      const std::string text = e["payload"]["text"];
      d.latency_ms.push_back(static_cast<double>(now_us - std::stoll(text.substr(2))) / 1000.0);
      d.last = now;
    }
  }
}

// client_msg_id must have 8..64 characters: the prefix and a zero-padded counter.
std::string cmid(const std::string& prefix, int i) {
  char n[16];
  std::snprintf(n, sizeof n, "%06d", i);
  return prefix + n;
}

std::string chat(const std::string& cmid) {
  return R"({"v":1,"kind":"chat.message","client_msg_id":")" + cmid + R"(","payload":{"text":"t=)" +
         std::to_string(unix_us()) + "\"}}";
}

// Percentiles of (created_at − send time) of the stored rows whose client_msg_id starts with
// `prefix`: the ingest's share of the latency (publish → plugin → ingest → transaction).
std::string ingest_latency(const h::Postgres& pg, const std::string& prefix) {
  pqxx::connection c(pg.url());
  pqxx::nontransaction t(c);
  const auto r = t.exec_params1(
      "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY l), percentile_cont(0.99) WITHIN GROUP (ORDER BY "
      "l) "
      "FROM (SELECT (extract(epoch FROM created_at) * 1e6 - substr(text, 3)::bigint) / 1000.0 AS l "
      "FROM realtime_chat_messages WHERE client_msg_id LIKE $1) x",
      prefix + "%");
  char buf[160];
  std::snprintf(buf, sizeof buf, "%ld stored; send → transaction p50 %.1f ms, p99 %.1f ms", r[0].as<long>(),
                r[1].is_null() ? 0.0 : r[1].as<double>(), r[2].is_null() ? 0.0 : r[2].as<double>());
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Sizes z;
  bool issuance = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      z.users = 200;
      z.wrk_seconds = 4;
      z.burst = 8000;
      z.latency_seconds = 4;
      z.bare_rows = 10000;
    } else if (a == "--tenants" && i + 1 < argc) {
      z.tenants = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--no-issuance") {
      issuance = false;
    } else {
      std::cerr << "usage: bench_token_service [--quick] [--tenants N] [--no-issuance]\n";
      return 2;
    }
  }
  const std::string load_at_start = loadavg();
  h::TempDir dir("amo-bench-ts");
  h::Postgres pg;
  h::migrate_up(pg, AMO_RELAY_PATH);
  h::KeyFile keys;
  const std::string portal_secret = amo::token::new_jti() + amo::token::new_jti();
  const std::string secret_path = dir.write("portal_secret", portal_secret).string();
  const char* override_path = std::getenv("AMO_TEST_PLUGIN");
  h::Mosquitto::Options mo;
  mo.websockets = false;
  mo.plugin_path = override_path && *override_path ? override_path : AMO_PLUGIN_PATH;
  // Mosquitto queues at most 1,000 messages per client by default and drops the rest: a burst
  // faster than the ingest takes it would be measured as loss (the resend rule's job).
  // The one bench subscriber takes every message: with 2.0.11's default of 20 unacked QoS 1
  // messages to it, the broker queues the rest and walks that queue on every loop, and its
  // PUBACKs to the relay slowed to 32 ms each (measured) — the bench, not the relay, was the limit.
  mo.extra_config = "max_queued_messages 1000000\nmax_inflight_messages 0\n";
  mo.plugin_opts = {{"jwks_file", keys.path()},
                    {"issuer", h::kIssuer},
                    {"publish_rate", "1000000"},
                    {"publish_burst", "1000000"},
                    {"max_conn_per_user", "1000"}};
  h::Mosquitto broker(mo);

  // Users: B1/U0000.. in threads T0..T2 (issuance); P<k> in tenant B<k>, thread TX (ingest).
  {
    pqxx::connection c(pg.url());
    pqxx::work w(c);
    w.exec_params(
        "INSERT INTO realtime_users (amo_id, user_id) SELECT 'B1', 'U' || lpad(i::text, 4, '0') "
        "FROM generate_series(0, $1 - 1) i",
        z.users);
    w.exec_params(
        "INSERT INTO realtime_thread_members (amo_id, thread_id, user_id) SELECT 'B1', 'T' || t, "
        "'U' || lpad(i::text, 4, '0') FROM generate_series(0, $1 - 1) i, generate_series(0, 2) t",
        z.users);
    for (int k = 1; k <= z.tenants; ++k) {
      w.exec_params("INSERT INTO realtime_users (amo_id, user_id) VALUES ($1, 'P') ON CONFLICT DO NOTHING",
                    "B" + std::to_string(k));
      w.exec_params("INSERT INTO realtime_thread_members VALUES ($1, 'TX', 'P')", "B" + std::to_string(k));
    }
    w.commit();
  }
  const std::string config = "database_url = " + toml_str(pg.url()) +
                             "\nbroker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker.port()) +
                             "\nservice_signing_key_file = " + toml_str(keys.private_path()) +
                             "\nsigning_key_file = " + toml_str(keys.private_path()) +
                             "\njwks_file = " + toml_str(keys.path()) + "\nissuer = " + toml_str(h::kIssuer) +
                             "\nportal_secret_file = " + toml_str(secret_path) +
                             "\npublic_broker_url = \"wss://bench/mqtt\"\nlog_level = \"warning\"\n"
                             "token_rate = 1000000\ntoken_burst = 1000000\nip_rate = 1000000\nip_burst = 1000000\n"
                             "message_rate = 1000000\nmessage_burst = 1000000\n";
  h::Daemon service(h::Daemon::Options{.binary = AMO_TOKEN_SERVICE_PATH, .config = config});

  auto session = [&](const std::string& amo, const std::string& user) {
    const auto key = amo::token::make_oct_key("portal", portal_secret);
    const std::int64_t now = h::now_s();
    return amo::token::sign_jws(R"({"alg":"HS256","typ":"JWT"})",
                                json{{"sub", user}, {"amo_id", amo}, {"iat", now - 5}, {"exp", now + 7200}}.dump(),
                                *key);
  };
  std::vector<std::string> sessions;
  for (int i = 0; i < z.users; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "U%04d", i);
    sessions.push_back(session("B1", id));
  }
  const std::string script = dir.write("post.lua", wrk_script(sessions)).string();

  // ---- 1. issuance
  const double sign_rate = issuance ? bare_sign_rate(keys.key()) : 0;
  const WrkResult ours = issuance ? run_wrk(service.http_port(), script, z, dir) : WrkResult{};
  WrkResult fastapi;
  bool have_fastapi = issuance && python_has_fastapi_stack();
  if (have_fastapi) {
    const int port = h::free_port();
    const amo::token::Key* k[] = {&keys.key()};
    const json jwk = json::parse(amo::token::to_jwks(k, true))["keys"][0];
    h::SpawnOptions so;
    so.env = {{"DATABASE_URL", pg.url()},
              {"PORTAL_SECRET", portal_secret},
              {"SIGNING_JWK", jwk.dump()},
              {"ISSUER", h::kIssuer},
              {"BROKER_URL", "wss://bench/mqtt"}};
    h::Process uvicorn({"/usr/bin/python3", "-m", "uvicorn", "--app-dir", AMO_BENCH_DIR, "--port", std::to_string(port),
                        "--log-level", "warning", "fastapi_token_app:app"},
                       dir.path() / "uvicorn.log", so);
    const auto until = Clock::now() + 20s;
    while (!h::can_connect(port) && Clock::now() < until) std::this_thread::sleep_for(100ms);
    fastapi = run_wrk(port, script, z, dir);
  }

  // ---- 2. ingest
  auto start_relay = [&](const std::string& extra) {
    return std::make_unique<h::Daemon>(h::Daemon::Options{
        .binary = AMO_RELAY_PATH,
        .config = "database_url = " + toml_str(pg.url()) + "\nbroker_host = \"127.0.0.1\"\nbroker_port = " +
                  std::to_string(broker.port()) + "\nservice_signing_key_file = " + toml_str(keys.private_path()) +
                  "\njwks_file = " + toml_str(keys.path()) + "\nissuer = " + toml_str(h::kIssuer) +
                  "\nlog_level = \"warning\"\n" + extra});
  };
  auto relay = start_relay("");
  h::ClientOptions so;
  so.port = broker.port();
  so.client_id = "system:bench-sub:1";
  so.password = h::mint(h::service_claims("bench-sub", so.client_id), keys.key());
  h::TestClient sub(so);
  if (sub.connect() != 0 || sub.subscribe({"amo/+/thread/+/events"}, 1) != std::vector<int>{1}) {
    std::cerr << "subscriber refused\n";
    return 1;
  }
  std::vector<std::unique_ptr<h::TestClient>> publishers;
  for (int k = 1; k <= z.tenants; ++k) {
    const std::string amo = "B" + std::to_string(k);
    h::HttpClient http(service.http_port());
    const auto r = http.request("POST", "/api/realtime/token",
                                {{"Authorization", "Bearer " + session(amo, "P")}, {"Connection", "close"}});
    const json a = json::parse(r.body);
    h::ClientOptions o;
    o.port = broker.port();
    o.client_id = a["client_id"];
    o.password = a["token"];
    publishers.push_back(std::make_unique<h::TestClient>(o));
    if (publishers.back()->connect() != 0) {
      std::cerr << "publisher refused\n";
      return 1;
    }
  }
  std::mutex puback_mutex;
  std::map<int, long> pubacks;  // PUBACK reason → count
  auto count_puback = [&](int code) {
    std::lock_guard lock(puback_mutex);
    ++pubacks[code];
  };
  auto topic = [](int k) { return "amo/B" + std::to_string(k + 1) + "/thread/TX/chat"; };

  // 2a. sustained: the whole burst as fast as the publishers get PUBACKs.
  Delivery burst;
  std::atomic<bool> stop_sub{false};
  std::thread sub_thread([&] { subscribe_loop(sub, burst, stop_sub); });
  const auto burst_start = Clock::now();
  {
    std::vector<std::thread> threads;
    for (int k = 0; k < z.tenants; ++k) {
      threads.emplace_back([&, k] {
        for (int i = k; i < z.burst; i += z.tenants)
          count_puback(publishers[k]->publish(topic(k), chat(cmid("burst-", i)), 1));
      });
    }
    for (auto& t : threads) t.join();
  }
  const double publish_seconds = seconds_since(burst_start);
  const auto burst_deadline = Clock::now() + 120s;
  while (Clock::now() < burst_deadline) {
    {
      std::lock_guard lock(burst.mutex);
      if (burst.ids.size() >= static_cast<std::size_t>(z.burst)) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  stop_sub = true;
  sub_thread.join();
  const double burst_seconds = std::chrono::duration<double>(burst.last - burst_start).count();
  const std::size_t burst_delivered = burst.ids.size();

  // 2b. latency at a steady rate: with the relay's defaults, then with poll_max_ms = 10 (the
  // relay's idle back-off is most of what is left once the ingest has committed).
  const int total = z.rate * z.latency_seconds;
  auto steady_phase = [&](const std::string& prefix) {
    auto d = std::make_unique<Delivery>();
    stop_sub = false;
    std::thread sub_thread2([&] { subscribe_loop(sub, *d, stop_sub); });
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    for (int k = 0; k < z.tenants; ++k) {
      threads.emplace_back([&, k] {
        for (int i = k; i < total; i += z.tenants) {
          std::this_thread::sleep_until(start + std::chrono::microseconds(1000000LL * i / z.rate));
          count_puback(publishers[k]->publish(topic(k), chat(cmid(prefix, i)), 1));
        }
      });
    }
    for (auto& t : threads) t.join();
    const auto steady_deadline = Clock::now() + 30s;
    while (Clock::now() < steady_deadline) {
      {
        std::lock_guard lock(d->mutex);
        if (d->ids.size() >= static_cast<std::size_t>(total)) break;
      }
      std::this_thread::sleep_for(20ms);
    }
    stop_sub = true;
    sub_thread2.join();
    return d;
  };
  const auto steady = steady_phase("steady-");
  // Where the relay's time went (its PUBACK round trips), for the report.
  const std::string relay_metrics = h::http_get(relay->http_port(), "/metrics").body;
  relay.reset();
  relay = start_relay("poll_max_ms = 10\n");
  // The new relay must hold every partition before it is measured (lease handover).
  const auto leases_deadline = Clock::now() + 60s;
  while (Clock::now() < leases_deadline &&
         h::http_get(relay->http_port(), "/metrics").body.find("\namo_relay_partitions_owned 16\n") ==
             std::string::npos)
    std::this_thread::sleep_for(100ms);
  const auto steady_fast = steady_phase("fast-");

  // 2c. the same commits in a bare libpqxx loop: the ingest's statement, batches of 500.
  auto loaded = amo::envelope::load_schemas(amo::io::read_schema_dir(AMO_SOURCE_DIR "/schemas"));
  amo::token_service::ChatCheck check(*loaded.set);
  std::vector<amo::token_service::InboundChat> chats(static_cast<std::size_t>(z.bare_rows));
  for (int i = 0; i < z.bare_rows; ++i)
    check.from_client(R"({"v":1,"kind":"chat.message","thread":"TX","client_msg_id":"bare-)" +
                          std::to_string(100000 + i) + R"(","payload":{"text":"t=0"}})",
                      "B1", "P", 0, chats[static_cast<std::size_t>(i)]);
  pqxx::connection db(pg.url());
  for (auto& s : amo::token_service::chat_store_statements()) db.prepare(s.name, s.sql);
  const auto bare_start = Clock::now();
  std::size_t bare_stored = 0;
  for (int i = 0; i < z.bare_rows; i += 500) {
    std::vector<const amo::token_service::InboundChat*> batch;
    for (int j = i; j < std::min(z.bare_rows, i + 500); ++j) batch.push_back(&chats[static_cast<std::size_t>(j)]);
    bare_stored += amo::token_service::store_chats(db, batch).size();
  }
  const double bare_rate = static_cast<double>(bare_stored) / seconds_since(bare_start);

  // ---- report
  std::printf("## amo-token-service (bench/token_service, one run)\n\n/proc/loadavg at start: %s; at end: %s\n\n",
              load_at_start.c_str(), loadavg().c_str());
  if (issuance) {
    std::printf(
        "Token issuance: wrk -t2 -c%d -d%ds over %d users (3 threads each), POST /api/realtime/token; "
        "token_rate/ip_rate raised, log_level warning.\n\n",
        z.wrk_connections, z.wrk_seconds, z.users);
    std::printf("| what | tokens/s | p50 ms | p99 ms | non-2xx |\n|---|---|---|---|---|\n");
    std::printf("| bare EdDSA sign, one thread (same key) | %.0f | | | |\n", sign_rate);
    std::printf("| amo-token-service | %.0f | %.2f | %.2f | %ld |\n", ours.rps, ours.p50_ms, ours.p99_ms, ours.bad);
    if (have_fastapi)
      std::printf(
          "| FastAPI + PyJWT + psycopg2 (uvicorn defaults, 1 worker; fastapi_token_app.py) | %.0f | %.2f | %.2f | %ld "
          "|\n",
          fastapi.rps, fastapi.p50_ms, fastapi.p99_ms, fastapi.bad);
    else
      std::printf(
          "| FastAPI + PyJWT + psycopg2 | not run: Debian's python3 lacks fastapi, uvicorn, jwt, psycopg2 or "
          "cryptography | | | |\n");
    std::printf("\nours / bare sign: %.2f (goal ≥ 0.35); ours ≥ 5,000/s: %s", ours.rps / sign_rate,
                ours.rps >= 5000 ? "yes" : "no");
    if (have_fastapi && fastapi.rps > 0) std::printf("; ours / FastAPI: %.1f (goal ≥ 10)", ours.rps / fastapi.rps);
    std::printf("\n");
  }
  std::printf(
      "\nChat ingest end to end (user publish through the plugin → ingest commit → relay → subscriber), "
      "%d tenants, plugin publish_rate raised, broker max_queued_messages and max_inflight_messages raised:\n\n",
      z.tenants);
  std::printf("| what | value |\n|---|---|\n");
  std::printf("| burst: %d messages delivered of %d, publish phase %.2f s | %.0f msg/s end to end |\n",
              static_cast<int>(burst_delivered), z.burst, publish_seconds,
              static_cast<double>(burst_delivered) / burst_seconds);
  std::printf("| steady %d/s for %d s, relay defaults: delivered %zu of %d | p50 %.1f ms, p99 %.1f ms, max %.1f ms |\n",
              z.rate, z.latency_seconds, steady->ids.size(), total, percentile(steady->latency_ms, 0.5),
              percentile(steady->latency_ms, 0.99), percentile(steady->latency_ms, 1.0));
  std::printf(
      "| steady %d/s for %d s, relay poll_max_ms = 10: delivered %zu of %d | p50 %.1f ms, p99 %.1f ms, "
      "max %.1f ms |\n",
      z.rate, z.latency_seconds, steady_fast->ids.size(), total, percentile(steady_fast->latency_ms, 0.5),
      percentile(steady_fast->latency_ms, 0.99), percentile(steady_fast->latency_ms, 1.0));
  std::printf("| burst, ingest side | %s |\n", ingest_latency(pg, "burst-").c_str());
  std::printf("| steady, ingest side | %s |\n", ingest_latency(pg, "steady-").c_str());
  std::printf("| steady (poll_max_ms = 10), ingest side | %s |\n", ingest_latency(pg, "fast-").c_str());
  std::printf("| bare libpqxx loop, the ingest's statement, batches of 500 (%d rows) | %.0f rows/s |\n", z.bare_rows,
              bare_rate);
  std::printf("\nPUBACKs to the publishers:");
  for (const auto& [code, n] : pubacks) std::printf(" 0x%02x × %ld", code, n);
  std::printf("\n\nToken service counters after the run:\n\n```\n");
  const std::string metrics = h::http_get(service.http_port(), "/metrics").body;
  std::size_t at = 0;
  while (at < metrics.size()) {
    const std::size_t end = metrics.find('\n', at);
    const std::string line = metrics.substr(at, end - at);
    if (!line.starts_with("#") && (line.starts_with("amo_ingest") || line.starts_with("amo_chat_stored") ||
                                   line.starts_with("amo_mqtt_reconnects") || line.starts_with("amo_tokens_issued")))
      std::printf("%s\n", line.c_str());
    if (end == std::string::npos) break;
    at = end + 1;
  }
  std::printf("```\n\nRelay counters after the burst and the first steady phase:\n\n```\n");
  for (std::size_t from = 0; from < relay_metrics.size();) {
    const std::size_t end = relay_metrics.find('\n', from);
    const std::string line = relay_metrics.substr(from, end - from);
    if (!line.starts_with("#") && (line.starts_with("amo_relay_puback_seconds_sum") ||
                                   line.starts_with("amo_relay_puback_seconds_count") ||
                                   line.starts_with("amo_relay_claimed") || line.starts_with("amo_relay_marked") ||
                                   line.starts_with("amo_relay_fenced") || line.starts_with("amo_db_")))
      std::printf("%s\n", line.c_str());
    if (end == std::string::npos) break;
    from = end + 1;
  }
  std::printf("```\n");
  return 0;
}
