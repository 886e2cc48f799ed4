// bench_events: (A) GET /api/events/history on a 5,000,000-row outbox over 1,000 tenants,
// first / middle / last page, p50/p99 over one keep-alive connection, plus the EXPLAIN of the
// relay's history query; (B) N concurrent SSE streams on one amo-relay, 100 tenants, one
// realtime_emit per tenant per second: commit → frame latency, relay RSS and CPU.
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
#include "tests/harness/postgres.h"

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

void bench_sse(Stack& s, const Options& opt) {
  std::cout << "## (B) concurrent SSE streams on one relay\n\n";
  std::cout << "| streams | tenants × streams | opened | refused | closed early | frames expected | frames counted "
               "| p50 ms | p99 ms | max ms | relay RSS MiB (end / peak) | relay CPU % of one core | bench CPU % |\n"
            << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const int n : opt.streams) {
    const int per = std::max(1, n / opt.sse_tenants);
    s.start_relay("sse_per_user = 10000\nsse_total = 100000\n");  // sse_per_user tops at 10000
    const pid_t pid = s.relay_pid();
    std::vector<std::string> tokens;
    for (int i = 0; i < per * opt.sse_tenants; ++i)
      tokens.push_back(s.user_token(tenant_b(i % opt.sse_tenants), "u" + std::to_string(i / opt.sse_tenants)));
    {  // The drain must be claiming before the clock runs: a relay started right after another one
       // stopped may wait for its partition leases. Probe: one event per tenant, wait for its seq.
      pqxx::connection c(s.pg().url());
      pqxx::nontransaction t(c);
      const auto p0 = Clock::now();
      t.exec(
          "SELECT realtime_emit(a, 'amo/' || a || '/broadcast/events', 'notification', "
          "jsonb_build_object('title', 'probe', 'body', 'b', 'level', 'info')) FROM (SELECT 'T' || lpad(i::text, 2, "
          "'0') a "
          "FROM generate_series(0, " +
          std::to_string(opt.sse_tenants - 1) + ") i) x");
      while (t.exec1("SELECT count(*) FROM realtime_outbox WHERE seq IS NULL")[0].as<std::int64_t>() > 0 &&
             Clock::now() - p0 < std::chrono::seconds(120))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::cerr << "bench_events: the new relay claimed its first rows after "
                << fmt(std::chrono::duration<double>(Clock::now() - p0).count(), 2) << " s\n";
    }
    SseLoad load(s.relay().http_port(), tokens);
    const auto o0 = Clock::now();
    load.open_all(120);
    const double open_s = std::chrono::duration<double>(Clock::now() - o0).count();
    std::cerr << "bench_events: " << load.result().opened << " streams open in " << fmt(open_s, 1) << " s; "
              << limits_nofile(pid) << "\n";
    const double rss_open = rss_mib(pid);

    // Emitter: tenant i at second k + i/100 s, payload.title = clock_timestamp() in epoch µs.
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
    const double cpu0 = bench_relay::cpu_seconds(pid);
    const double self0 = bench_relay::cpu_seconds(getpid());
    std::int64_t cpu_t0 = 0;
    // Run until 3 s after the last commit; CPU is taken over the measured window only.
    load.run(from, from, to);  // frames count by commit time, whichever phase reads them
    const double cpu_from = bench_relay::cpu_seconds(pid), self_from = bench_relay::cpu_seconds(getpid());
    cpu_t0 = now_us();
    load.run(to, from, to);
    const double cpu_to = bench_relay::cpu_seconds(pid), self_to = bench_relay::cpu_seconds(getpid());
    const double wall = static_cast<double>(now_us() - cpu_t0) / 1e6;
    load.run(to + 3000000, from, to);
    emitter.join();
    (void)cpu0;
    (void)self0;
    const double rss_end = rss_mib(pid), rss_peak = bench_relay::peak_rss_mib(pid);
    auto& r = load.result();
    const std::int64_t expected = emitted.load() * per;
    std::cout << "| " << n << " | " << opt.sse_tenants << " × " << per << " | " << r.opened << " | " << r.refused
              << " | " << r.closed_early << " | " << expected << " | " << r.frames << " | "
              << fmt(pct(r.latency_ms, 50)) << " | " << fmt(pct(r.latency_ms, 99)) << " | "
              << fmt(pct(r.latency_ms, 100)) << " | " << fmt(rss_end, 0) << " / " << fmt(rss_peak, 0) << " ("
              << fmt(rss_open, 0) << " after open) | " << fmt((cpu_to - cpu_from) / wall * 100, 0) << " | "
              << fmt((self_to - self_from) / wall * 100, 0) << " |" << std::endl;
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
      for (auto& [k, v] : per_stream)
        if (v != most) std::cerr << "  stream " << k << " got " << v << " of " << most << "\n";
      std::cerr << "  events seen " << per_commit.size() << ", emitted in window " << emitted.load() << "; first "
                << (per_commit.empty() ? 0 : per_commit.begin()->first - from) << " us after from, last "
                << (per_commit.empty() ? 0 : to - per_commit.rbegin()->first) << " us before to\n";
      for (auto& [k, v] : by_rank)
        std::cerr << "  rank " << k << ": n=" << v.size() << " p50=" << fmt(pct(v, 50)) << " p99=" << fmt(pct(v, 99))
                  << "\n";
      for (auto& [k, v] : by_second)
        std::cerr << "  second " << k << ": n=" << v.size() << " p50=" << fmt(pct(v, 50)) << " p99=" << fmt(pct(v, 99))
                  << "\n";
    }
    if (emit_late > 0) std::cerr << "bench_events: " << emit_late << " emits more than 10 ms late\n";
  }
  std::cout << "\n";
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
    } else {
      std::cerr << "usage: bench_events [--quick] [--history-rows N] [--requests N] [--streams 1000,10000] "
                   "[--seconds S] [--no-history] [--no-sse]\n";
      return 2;
    }
  }
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    nofile.rlim_cur = nofile.rlim_max;  // the relay, started from here, inherits it
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  std::cout << "# bench_events\n\nCommand: `" << cmd
            << "`  \nRLIMIT_NOFILE (bench, inherited by amo-relay): " << nofile.rlim_cur << "\n\n";
  try {
    Stack s;
    if (opt.history) bench_history(s, opt);
    if (opt.sse) bench_sse(s, opt);
  } catch (const std::exception& e) {
    std::cerr << "bench_events: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
