// bench_events: (A) GET /api/events/history on a 5,000,000-row outbox over 1,000 tenants,
// first / middle / last page, p50/p99 over one keep-alive connection, plus the EXPLAIN of the
// relay's history query; (B) N concurrent SSE streams on one amo-relay, 100 tenants, one
// realtime_emit per tenant per second: commit → frame latency, relay RSS and CPU; (B′) with
// --fastapi, the same load against a FastAPI/uvicorn SSE endpoint reading the same table
// (bench/events/fastapi_sse.py), stepping N up until a step fails, and the ratio of the two.
#include <sys/resource.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/events/sse_load.h"
#include "bench/relay/proc_stat.h"
#include "relay/events/events_sql.h"
#include "tests/harness/daemon.h"
#include "tests/harness/http_client.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/ports.h"
#include "tests/harness/postgres.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace amo::bench_events {
namespace {

using Clock = std::chrono::steady_clock;

// The history query exactly as the relay prepares it.
std::string history_sql() {
  for (const auto& st : amo::relay::events_statements())
    if (st.name == "events_history") return st.sql;
  throw std::runtime_error("events_history is not among the relay's statements");
}

struct Options {
  std::int64_t history_rows = 5000000;
  int history_tenants = 1000;
  int requests = 2000;
  std::vector<int> streams{1000, 10000};
  int sse_tenants = 100;
  int seconds = 30;
  int warmup = 3;
  bool history = true, sse = true;
  std::vector<int> fastapi;  // stream counts for the FastAPI peer, in order; empty = not run
  int fastapi_poll_ms = 50;
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string fmt(double v, int prec = 2) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(prec) << v;
  return o.str();
}

double rss_mib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

std::string limits_nofile(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(f, line))
    if (line.starts_with("Max open files")) return line;
  return "?";
}

std::string tenant_a(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "H%04d", i);
  return b;
}
std::string tenant_b(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "T%02d", i);
  return b;
}

class Stack {
 public:
  Stack() : pg_(harness::Postgres::Options{.database = "amo_events"}) { harness::migrate_up(pg_, AMO_RELAY_PATH); }

  void start_relay(const std::string& extra) {
    relay_.reset();
    broker_.reset();
    harness::Mosquitto::Options o;
    o.websockets = false;
    o.plugin_path = AMO_PLUGIN_PATH;
    o.full_config =
        "per_listener_settings false\npersistence false\nlog_dest file {LOG_FILE}\nlog_type error\n"
        "log_type warning\nconnection_messages false\nlistener {TCP_PORT} 127.0.0.1\n"
        "max_connections -1\nmax_queued_messages 0\nallow_anonymous false\nplugin {PLUGIN}\n"
        "plugin_opt_jwks_file " +
        keys_.path() + "\nplugin_opt_issuer " + harness::kIssuer + "\nplugin_opt_max_conn_per_tenant 1000000\n";
    broker_ = std::make_unique<harness::Mosquitto>(o);
    harness::Daemon::Options d;
    d.binary = AMO_RELAY_PATH;
    d.config = "database_url = \"" + pg_.url() +
               "\"\nbroker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker_->port()) +
               "\nservice_signing_key_file = \"" + keys_.private_path() + "\"\njwks_file = \"" + keys_.path() +
               "\"\nissuer = \"" + harness::kIssuer + "\"\n" + extra;
    relay_ = std::make_unique<harness::Daemon>(std::move(d));
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    pid_ = -1;
    while (pid_ <= 0 && Clock::now() < deadline) {
      pid_ = bench_relay::find_pid(relay_->config_path().string());
      if (pid_ <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::string user_token(const std::string& amo, const std::string& sub) {
    auto claims = harness::user_claims(sub, amo, "c-" + sub + "-" + std::to_string(++n_));
    claims.exp = claims.iat + 300;  // max_token_ttl (default 300 s); streams end at exp
    return harness::mint(claims, keys_.key());
  }

  const harness::Postgres& pg() const { return pg_; }
  std::string jwks_path() const { return keys_.path(); }
  harness::Daemon& relay() { return *relay_; }
  pid_t relay_pid() const { return pid_; }

 private:
  harness::Postgres pg_;
  harness::KeyFile keys_;
  std::unique_ptr<harness::Mosquitto> broker_;
  std::unique_ptr<harness::Daemon> relay_;
  pid_t pid_ = -1;
  int n_ = 0;
};

// ---------------------------------------------------------------------------------- (A)

void fill_history(const std::string& url, std::int64_t rows, int tenants) {
  const std::int64_t per = rows / tenants;
  constexpr int kConnections = 2;
  std::vector<std::thread> threads;
  std::exception_ptr failed;
  std::mutex m;
  for (int k = 0; k < kConnections; ++k) {
    threads.emplace_back([&, k] {
      try {
        pqxx::connection c(url);
        pqxx::work w(c);
        // Rows arrive interleaved over tenants (id order = time order), as they would live.
        w.exec0(
            "INSERT INTO realtime_outbox (event_id, amo_id, topic, envelope, created_at, seq, published_at) "
            "SELECT u, a, 'amo/' || a || '/broadcast/events', "
            "jsonb_build_object('v', 1, 'id', u, 'kind', 'notification', 'amo', a, "
            "'ts', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
            "'payload', jsonb_build_object('title', 'event ' || g, 'body', 'history bench body', "
            "'level', 'info')), now(), s, now() "
            "FROM (SELECT g, gen_random_uuid() AS u, 'H' || lpad((g % " +
            std::to_string(tenants) + ")::text, 4, '0') AS a, g / " + std::to_string(tenants) +
            " + 1 AS s FROM generate_series(" + std::to_string(k) + ", " + std::to_string(per * tenants - 1) + ", " +
            std::to_string(kConnections) + ") g) x");
        w.commit();
      } catch (...) {
        std::lock_guard l(m);
        failed = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) std::rethrow_exception(failed);
  pqxx::connection c(url);
  pqxx::nontransaction t(c);
  t.exec0("INSERT INTO realtime_outbox_seq (amo_id, last_seq) SELECT 'H' || lpad(i::text, 4, '0'), " +
          std::to_string(per) + " FROM generate_series(0, " + std::to_string(tenants - 1) + ") i");
  t.exec0("VACUUM ANALYZE realtime_outbox");
  t.exec0("ANALYZE realtime_outbox_seq");
  t.exec0("CHECKPOINT");
}

void bench_history(Stack& s, const Options& opt) {
  const std::int64_t per = opt.history_rows / opt.history_tenants;
  const auto t0 = Clock::now();
  fill_history(s.pg().url(), opt.history_rows, opt.history_tenants);
  const double fill_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::int64_t rows = 0;
  std::string table_size;
  {
    pqxx::connection c(s.pg().url());
    pqxx::nontransaction t(c);
    rows = t.exec1("SELECT count(*) FROM realtime_outbox")[0].as<std::int64_t>();
    table_size = t.exec1("SELECT pg_size_pretty(pg_total_relation_size('realtime_outbox'))")[0].c_str();
  }
  std::cout << "## (A) GET /api/events/history\n\n"
            << rows << " rows over " << opt.history_tenants << " tenants (" << per << " each, seq 1.." << per
            << ", published, interleaved by tenant in id order), filled in " << fmt(fill_s, 1)
            << " s by INSERT … SELECT generate_series (then VACUUM ANALYZE, CHECKPOINT); "
            << "realtime_outbox with indexes: " << table_size << ".\n\n";

  s.start_relay("");
  std::vector<std::string> tokens;
  for (int i = 0; i < opt.history_tenants; ++i) tokens.push_back(s.user_token(tenant_a(i), "u1"));
  harness::HttpClient http(s.relay().http_port());
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(0, opt.history_tenants - 1);
  struct Pos {
    std::string name;
    std::int64_t after;
  };
  const std::vector<Pos> positions{{"first (after=0)", 0},
                                   {"middle (after=" + std::to_string(per / 2) + ")", per / 2},
                                   {"last (after=" + std::to_string(per - 100) + ")", per - 100}};
  // Warm-up: one pass over the connection (and token cache) before the clock runs.
  for (int i = 0; i < 200; ++i)
    http.get("/api/events/history?after=0&limit=100", {{"Authorization", "Bearer " + tokens[pick(rng)]}});
  std::cout << "Relay default config; one keep-alive connection; each request a random tenant's own user "
               "token (EdDSA, verified per request); limit=100; "
            << opt.requests << " requests per position, after 200 warm-up requests.\n\n"
            << "| position | requests | errors | p50 ms | p90 ms | p99 ms | max ms | goal p99 ≤ 5 ms |\n"
            << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& p : positions) {
    std::vector<double> lat;
    int errors = 0;
    for (int i = 0; i < opt.requests; ++i) {
      const auto& tok = tokens[pick(rng)];
      const auto a = Clock::now();
      const auto r = http.get("/api/events/history?after=" + std::to_string(p.after) + "&limit=100",
                              {{"Authorization", "Bearer " + tok}});
      lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
      // A full page of 100: count the envelopes' "kind" fields (one per event).
      std::size_t n = 0, at = 0;
      while ((at = r.body.find("\"kind\"", at)) != std::string::npos) ++n, ++at;
      if (r.status != 200 || n < 100) {
        if (errors++ == 0)
          std::cerr << "bench_events: first bad history answer: " << r.status << " " << r.body.substr(0, 300) << "\n";
      }
    }
    const double p99 = pct(lat, 99);
    std::cout << "| " << p.name << " | " << opt.requests << " | " << errors << " | " << fmt(pct(lat, 50)) << " | "
              << fmt(pct(lat, 90)) << " | " << fmt(p99) << " | " << fmt(pct(lat, 100)) << " | "
              << (p99 <= 5 ? "met" : "**missed**") << " |\n";
  }
  std::cout << "\n";

  // The query plan, as the relay runs it: a prepared statement; the 1st and the 6th
  // EXECUTE (after five, Postgres may switch to a generic plan).
  pqxx::connection c(s.pg().url());
  pqxx::nontransaction t(c);
  t.exec0(std::string("PREPARE h(text, bigint, text[], text, text, text, text, text, bigint) AS ") + history_sql());
  const std::string amo = tenant_a(opt.history_tenants / 2);
  const std::string args = "('" + amo + "', " + std::to_string(per / 2) + ", ARRAY['amo/" + amo +
                           "/user/u1/events', 'amo/" + amo + "/broadcast/events'], '', '', '', '', '', 100)";
  for (int run = 1; run <= 6; ++run) {
    const auto res = t.exec("EXPLAIN (ANALYZE, BUFFERS) EXECUTE h" + args);
    if (run != 1 && run != 6) continue;
    std::cout << "EXPLAIN (ANALYZE, BUFFERS) EXECUTE h" << args << "  -- execution " << run << "\n\n```\n";
    for (const auto& r : res) std::cout << r[0].c_str() << "\n";
    std::cout << "```\n\n";
  }
}

// ---------------------------------------------------------------------------------- (B)

// A step holds the load when every stream opened, none ended early and the p99 over every
// expected frame (a frame that never arrived counts as late) is within the 100 ms.
constexpr double kGoalP99Ms = 100;
constexpr double kMissing = 1e9;  // latency of a frame that did not arrive within 3 s of the window

struct Step {
  int n = 0, tenants = 0;
  std::int64_t expected = 0;
  double p50 = 0, p99 = 0, max = 0;                      // over expected frames; kMissing where one was missing
  double cpu_pct = 0, pg_cpu_pct = 0, self_cpu_pct = 0;  // % of one core over the measured window
  double rss_open = 0, rss_end = 0, rss_peak = 0;
  double open_s = 0;
  bool holds = false;
};

std::string ms(double v) {
  return v >= kMissing ? "> 3000 (missing)" : fmt(v);
}

// Runs the load on already opened streams: tenant i emits at second k + i/100 s (payload.title =
// clock_timestamp() in epoch µs), warm-up, then the measured window, then 3 s for late frames.
// CPU of `server` and of Postgres's backends is taken over the measured window.
Step drive(Stack& s, SseLoad& load, const Options& opt, pid_t server, int n) {
  const std::int64_t start = now_us() + 500000;
  const std::int64_t from = start + static_cast<std::int64_t>(opt.warmup) * 1000000;
  const std::int64_t to = from + static_cast<std::int64_t>(opt.seconds) * 1000000;
  std::atomic<std::int64_t> emitted{0}, emit_late{0};
  std::thread emitter([&] {
    pqxx::connection c(s.pg().url());
    c.prepare("emit",
              "SELECT realtime_emit($1, 'amo/' || $1 || '/broadcast/events', 'notification', "
              "jsonb_build_object('title', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text, "
              "'body', 'b', 'level', 'info'))");
    const std::int64_t step = 1000000 / opt.sse_tenants;
    for (std::int64_t k = 0;; ++k) {
      const std::int64_t at = start + k * step;
      if (at >= to) break;
      const std::int64_t wait = at - now_us();
      if (wait > 0)
        std::this_thread::sleep_for(std::chrono::microseconds(wait));
      else if (wait < -10000)
        ++emit_late;
      pqxx::nontransaction t(c);
      t.exec_prepared("emit", tenant_b(static_cast<int>(k % opt.sse_tenants)));
      if (at >= from) ++emitted;
    }
  });
  Step st;
  st.n = n;
  st.tenants = std::min(n, opt.sse_tenants);
  st.rss_open = rss_mib(server);
  load.run(from, from, to);  // frames count by commit time, whichever phase reads them
  const double cpu_from = bench_relay::cpu_seconds(server), self_from = bench_relay::cpu_seconds(getpid());
  const auto pg_from = bench_relay::children_cpu(s.pg().pid());
  const std::int64_t t0 = now_us();
  load.run(to, from, to);
  const double cpu_to = bench_relay::cpu_seconds(server), self_to = bench_relay::cpu_seconds(getpid());
  const auto pg_to = bench_relay::children_cpu(s.pg().pid());
  const double wall = static_cast<double>(now_us() - t0) / 1e6;
  load.run(to + 3000000, from, to);
  emitter.join();
  st.rss_end = rss_mib(server);
  st.rss_peak = bench_relay::peak_rss_mib(server);
  st.cpu_pct = (cpu_to - cpu_from) / wall * 100;
  st.self_cpu_pct = (self_to - self_from) / wall * 100;
  st.pg_cpu_pct = bench_relay::cpu_delta(pg_from, pg_to) / wall * 100;
  const auto& r = load.result();
  st.expected = emitted.load() / opt.sse_tenants * n;  // the window is whole seconds: each tenant emits alike
  std::vector<double> lat = r.latency_ms;
  if (static_cast<std::int64_t>(lat.size()) < st.expected) lat.resize(static_cast<std::size_t>(st.expected), kMissing);
  st.p50 = pct(lat, 50);
  st.p99 = pct(lat, 99);
  st.max = pct(lat, 100);
  st.holds = r.opened == n && r.closed_early == 0 && st.p99 <= kGoalP99Ms;
  if (emit_late > 0) std::cerr << "bench_events: " << emit_late << " emits more than 10 ms late\n";
  {  // Diagnostics (stderr): p50/p99 by stream rank within its tenant and by commit second.
    std::map<int, std::vector<double>> by_rank, by_second;
    for (std::size_t i = 0; i < r.latency_ms.size(); ++i) {
      by_rank[r.stream[i] / opt.sse_tenants].push_back(r.latency_ms[i]);
      by_second[static_cast<int>((r.committed_us[i] - from) / 1000000)].push_back(r.latency_ms[i]);
    }
    std::map<int, int> per_stream;
    std::map<std::int64_t, int> per_commit;
    for (std::size_t i = 0; i < r.stream.size(); ++i) ++per_stream[r.stream[i]], ++per_commit[r.committed_us[i]];
    int most = 0;
    for (auto& [k, v] : per_stream) most = std::max(most, v);
    int short_streams = 0;
    for (auto& [k, v] : per_stream)
      if (v != most && short_streams++ < 20) std::cerr << "  stream " << k << " got " << v << " of " << most << "\n";
    std::cerr << "  events seen " << per_commit.size() << ", emitted in window " << emitted.load() << "; first "
              << (per_commit.empty() ? 0 : per_commit.begin()->first - from) << " us after from, last "
              << (per_commit.empty() ? 0 : to - per_commit.rbegin()->first) << " us before to\n";
    for (auto& [k, v] : by_rank)
      if (k < 5 || k + 5 >= static_cast<int>(by_rank.size()))
        std::cerr << "  rank " << k << ": n=" << v.size() << " p50=" << fmt(pct(v, 50)) << " p99=" << fmt(pct(v, 99))
                  << "\n";
    for (auto& [k, v] : by_second)
      std::cerr << "  second " << k << ": n=" << v.size() << " p50=" << fmt(pct(v, 50)) << " p99=" << fmt(pct(v, 99))
                << "\n";
  }
  return st;
}

void print_row(const Step& st, const SseLoadResult& r) {
  std::cout << "| " << st.n << " | " << st.tenants << " × "
            << fmt(static_cast<double>(st.n) / st.tenants, st.n % st.tenants == 0 ? 0 : 1) << " | " << r.opened << " | "
            << r.refused << " | " << r.closed_early << " | " << st.expected << " | " << r.frames << " | " << ms(st.p50)
            << " | " << ms(st.p99) << " | " << ms(st.max) << " | " << fmt(st.rss_end, 0) << " / " << fmt(st.rss_peak, 0)
            << " (" << fmt(st.rss_open, 0) << " after open) | " << fmt(st.cpu_pct, 0) << " | " << fmt(st.pg_cpu_pct, 0)
            << " | " << fmt(st.self_cpu_pct, 0) << " | " << fmt(st.open_s, 1) << " | " << (st.holds ? "yes" : "**no**")
            << " |" << std::endl;
}

const char* const kTableHead =
    "| streams | tenants × streams | opened | refused | closed early | frames expected | frames counted "
    "| p50 ms | p99 ms | max ms | %s RSS MiB (end / peak) | %s CPU %% of one core | Postgres CPU %% | bench CPU %% "
    "| open s | holds (p99 ≤ 100 ms, all open) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

void print_head(const char* who) {
  std::printf(kTableHead, who, who), std::fflush(stdout);
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string line;
  std::getline(f, line);
  return line;
}

// Stream i belongs to tenant i % tenants (user i / tenants): N below the tenant count, or not
// a multiple of it, leaves some tenants with one stream fewer.
std::vector<std::string> stream_tokens(Stack& s, const Options& opt, int n) {
  std::vector<std::string> tokens;
  for (int i = 0; i < n; ++i)
    tokens.push_back(s.user_token(tenant_b(i % opt.sse_tenants), "u" + std::to_string(i / opt.sse_tenants)));
  return tokens;
}

// A fresh relay whose drain is claiming before the clock runs: a relay started right after
// another one stopped may wait for its partition leases. Probe: one event per tenant, wait for
// its seq. It also gives the FastAPI peer's rows their seq (that peer only reads the table).
void start_claiming_relay(Stack& s, const Options& opt) {
  s.start_relay("sse_per_user = 10000\nsse_total = 100000\n");  // sse_per_user tops at 10000
  pqxx::connection c(s.pg().url());
  pqxx::nontransaction t(c);
  const auto p0 = Clock::now();
  t.exec(
      "SELECT realtime_emit(a, 'amo/' || a || '/broadcast/events', 'notification', "
      "jsonb_build_object('title', 'probe', 'body', 'b', 'level', 'info')) FROM (SELECT 'T' || lpad(i::text, 2, "
      "'0') a FROM generate_series(0, " +
      std::to_string(opt.sse_tenants - 1) + ") i) x");
  while (t.exec1("SELECT count(*) FROM realtime_outbox WHERE seq IS NULL")[0].as<std::int64_t>() > 0 &&
         Clock::now() - p0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::cerr << "bench_events: the new relay claimed its first rows after "
            << fmt(std::chrono::duration<double>(Clock::now() - p0).count(), 2) << " s\n";
}

// The largest N of the steps that held; 0 if none did.
int largest_held(const std::vector<Step>& steps) {
  int best = 0;
  for (const auto& st : steps)
    if (st.holds) best = std::max(best, st.n);
  return best;
}

std::vector<Step> bench_sse(Stack& s, const Options& opt) {
  std::cout << "## (B) concurrent SSE streams on one relay\n\n";
  std::vector<Step> steps;
  print_head("relay");
  for (const int n : opt.streams) {
    start_claiming_relay(s, opt);
    const pid_t pid = s.relay_pid();
    std::vector<std::string> tokens = stream_tokens(s, opt, n);
    SseLoad load(s.relay().http_port(), tokens);
    const auto o0 = Clock::now();
    load.open_all(120);
    const double open_s = std::chrono::duration<double>(Clock::now() - o0).count();
    std::cerr << "bench_events: " << load.result().opened << " streams open in " << fmt(open_s, 1) << " s; "
              << limits_nofile(pid) << "\n";
    Step st = drive(s, load, opt, pid, n);
    st.open_s = open_s;
    print_row(st, load.result());
    steps.push_back(st);
  }
  std::cout << "\n";
  return steps;
}

// The same load against GET /api/events in FastAPI (bench/events/fastapi_sse.py) under Debian's
// uvicorn, reading the same table; a relay runs beside it (it gives rows their seq) with no
// streams of its own. A fresh uvicorn per step; stepping stops at the first step that fails.
std::vector<Step> bench_fastapi(Stack& s, const Options& opt) {
  std::cout << "## (B′) the same load on FastAPI/uvicorn (bench/events/fastapi_sse.py)\n\n"
            << "`/usr/bin/python3 -m uvicorn --log-level warning fastapi_sse:app` (Debian's python3-fastapi "
               "0.92, python3-uvicorn 0.17 with its defaults: 1 worker, asyncio loop, h11; PyJWT 2.6 EdDSA via "
               "python3-cryptography; psycopg2 2.9 ThreadedConnectionPool of 40 run through "
               "starlette.concurrency.run_in_threadpool), a fresh process per step, the relay's JWKS file. Each "
               "stream polls `SELECT seq, envelope::text FROM realtime_outbox WHERE amo_id=%s AND topic = "
               "ANY(%s) AND seq > %s ORDER BY seq LIMIT 100` every "
            << opt.fastapi_poll_ms << " ms, starting at the tenant's max(seq). Why " << opt.fastapi_poll_ms
            << " ms: the goal is p99 ≤ 100 ms from commit, and a poll adds on average half its interval and at "
               "worst all of it to every frame (plus the relay's claim, which gives the row its seq); 50 ms "
               "leaves half the budget for the rest, a longer interval cannot meet the goal at any N, a shorter "
               "one multiplies the queries (N × 1000 / interval per second) for little gain.\n\n";
  start_claiming_relay(s, opt);  // no streams of its own
  std::vector<Step> steps;
  print_head("uvicorn");
  for (const int n : opt.fastapi) {
    const int port = harness::free_port();
    harness::TempDir dir("amo-bench-fastapi");
    harness::SpawnOptions so;
    so.env = {{"DATABASE_URL", s.pg().url()},
              {"JWKS_FILE", s.jwks_path()},
              {"ISSUER", harness::kIssuer},
              {"POLL_MS", std::to_string(opt.fastapi_poll_ms)}};
    harness::Process uvicorn({"/usr/bin/python3", "-m", "uvicorn", "--app-dir", AMO_EVENTS_BENCH_DIR, "--port",
                              std::to_string(port), "--log-level", "warning", "fastapi_sse:app"},
                             dir.path() / "uvicorn.log", so);
    const auto until = Clock::now() + std::chrono::seconds(20);
    while (!harness::can_connect(port) && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!harness::can_connect(port)) {
      std::cerr << "bench_events: uvicorn did not start:\n" << harness::read_file(dir.path() / "uvicorn.log") << "\n";
      break;
    }
    Step st;
    {
      SseLoad load(port, stream_tokens(s, opt, n));
      const auto o0 = Clock::now();
      load.open_all(120);
      const double open_s = std::chrono::duration<double>(Clock::now() - o0).count();
      std::cerr << "bench_events: fastapi " << load.result().opened << " streams open in " << fmt(open_s, 1) << " s\n";
      st = drive(s, load, opt, uvicorn.pid(), n);
      st.open_s = open_s;
      print_row(st, load.result());
    }
    steps.push_back(st);
    const std::string log = harness::read_file(dir.path() / "uvicorn.log");
    if (!log.empty())
      std::cerr << "bench_events: uvicorn log (last 2,000 bytes):\n"
                << log.substr(log.size() > 2000 ? log.size() - 2000 : 0) << "\n";
    if (!st.holds) break;
  }
  std::cout << "\n";
  return steps;
}

}  // namespace
}  // namespace amo::bench_events

int main(int argc, char** argv) {
  using namespace amo::bench_events;
  Options opt;
  std::string cmd = "bench_events";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    cmd += " " + a;
    const auto val = [&] {
      const std::string v = i + 1 < argc ? std::string(argv[++i]) : std::string();
      cmd += " " + v;
      return v;
    };
    if (a == "--history-rows")
      opt.history_rows = std::stoll(val());
    else if (a == "--requests")
      opt.requests = std::stoi(val());
    else if (a == "--seconds")
      opt.seconds = std::stoi(val());
    else if (a == "--no-history")
      opt.history = false;
    else if (a == "--no-sse")
      opt.sse = false;
    else if (a == "--quick")
      opt.history_rows = 500000, opt.requests = 500, opt.streams = {1000}, opt.seconds = 10;
    else if (a == "--streams") {
      opt.streams.clear();
      std::stringstream ss(val());
      std::string x;
      while (std::getline(ss, x, ',')) opt.streams.push_back(std::stoi(x));
    } else if (a == "--fastapi") {
      std::stringstream ss(val());
      std::string x;
      while (std::getline(ss, x, ',')) opt.fastapi.push_back(std::stoi(x));
    } else if (a == "--fastapi-poll-ms") {
      opt.fastapi_poll_ms = std::stoi(val());
    } else {
      std::cerr << "usage: bench_events [--quick] [--history-rows N] [--requests N] [--streams 1000,10000] "
                   "[--seconds S] [--no-history] [--no-sse] [--fastapi 100,200,400] [--fastapi-poll-ms 50]\n";
      return 2;
    }
  }
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    nofile.rlim_cur = nofile.rlim_max;  // the relay, started from here, inherits it
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  std::cout << "# bench_events\n\nCommand: `" << cmd << "`  \n/proc/loadavg at start: " << loadavg() << " ("
            << std::thread::hardware_concurrency()
            << " CPUs; the VM is shared with other work)  \nRLIMIT_NOFILE (bench, inherited by amo-relay): "
            << nofile.rlim_cur << "\n\n";
  try {
    Stack s;
    if (opt.history) bench_history(s, opt);
    std::vector<Step> ours, fastapi;
    if (opt.sse) ours = bench_sse(s, opt);
    if (!opt.fastapi.empty()) fastapi = bench_fastapi(s, opt);
    if (opt.sse && !opt.fastapi.empty()) {
      const int a = largest_held(ours), b = largest_held(fastapi);
      std::cout << "Largest N that held (p99 ≤ 100 ms over every expected frame, all streams open, none closed "
                   "early): relay "
                << a << ", FastAPI " << b << "; ratio relay ÷ FastAPI: "
                << (b > 0 ? fmt(static_cast<double>(a) / b, 1) + "×" : std::string("— (FastAPI held no step)"))
                << " (goal ≥ 10×)\n\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_events: " << e.what() << "\n";
    return 1;
  }
  std::cout << "/proc/loadavg at end: " << loadavg() << "\n";
  return 0;
}
