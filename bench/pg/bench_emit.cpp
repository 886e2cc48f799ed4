// bench_emit: the outbox insert rate through realtime_emit(...) against plain INSERTs of the
// same rows (DESIGN §5; goal ≥ 0.9×), 8 producer connections, on a throwaway Postgres 15
// migrated by `amo-relay migrate up`. Each producer commits one row per transaction, as a
// backend writing one event with its business data would. Rounds alternate which peer runs
// first; the table shows medians over rounds and the median of per-round ratios, plus the
// server CPU per row (the backends' utime+stime, from /proc). Run twice: with
// synchronous_commit on (commit-bound, what production sees) and off (CPU-bound: the
// function's own cost shows). A benchmark program, not a test.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/rounds.h"
#include "core/envelope/timestamp.h"
#include "core/envelope/uuid.h"
#include "tests/harness/daemon.h"
#include "tests/harness/postgres.h"

namespace {

using amo::bench::median;

constexpr int kProducers = 8;
constexpr int kTenants = 50;

// utime + stime of one process, in seconds.
double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(s.substr(close + 2));
  std::string field;
  double ut = 0, st = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) ut = std::stod(field);
    if (i == 15) st = std::stod(field);
  }
  return (ut + st) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

enum class Peer { emit, insert };

struct Result {
  double rows_per_s = 0, cpu_us_per_row = 0;
};

Result run(const std::string& url, Peer peer, std::chrono::seconds duration) {
  std::vector<std::unique_ptr<pqxx::connection>> conns;
  std::vector<int> pids;
  for (int i = 0; i < kProducers; ++i) {
    auto c = std::make_unique<pqxx::connection>(url);
    c->prepare("emit", "SELECT realtime_emit($1, $2, 'entity.changed', $3::jsonb)");
    c->prepare("insert", "INSERT INTO realtime_outbox (event_id, amo_id, topic, envelope) VALUES ($1::uuid, $2, $3, $4::jsonb)");
    pqxx::nontransaction tx(*c);
    pids.push_back(tx.exec1("SELECT pg_backend_pid()")[0].as<int>());
    conns.push_back(std::move(c));
  }
  double cpu_before = 0;
  for (int pid : pids) cpu_before += cpu_seconds(pid);
  std::atomic<bool> stop{false};
  std::atomic<long> rows{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kProducers; ++i) {
    threads.emplace_back([&, i] {
      pqxx::connection& c = *conns[static_cast<std::size_t>(i)];
      long n = 0;
      for (long k = 0; !stop.load(std::memory_order_relaxed); ++k) {
        const std::string amo = "amo" + std::to_string((i * 7 + k) % kTenants);
        const std::string topic = "amo/" + amo + "/broadcast/events";
        const std::string payload =
            R"({"entity":"work_order","entity_id":"WO-)" + std::to_string(k) + R"(","action":"updated"})";
        pqxx::work tx(c);
        if (peer == Peer::emit) {
          tx.exec_prepared("emit", amo, topic, payload);
        } else {
          // The same row a backend would build itself: its own id, the whole envelope.
          const std::string id = amo::envelope::uuid_v4();
          const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
          const std::string envelope = R"({"v":1,"id":")" + id + R"(","kind":"entity.changed","amo":")" + amo +
                                       R"(","ts":")" + amo::envelope::format_ts(now_ms) + R"(","payload":)" +
                                       payload + "}";
          tx.exec_prepared("insert", id, amo, topic, envelope);
        }
        tx.commit();
        ++n;
      }
      rows += n;
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu_after = 0;
  for (int pid : pids) cpu_after += cpu_seconds(pid);
  Result r;
  r.rows_per_s = static_cast<double>(rows.load()) / secs;
  r.cpu_us_per_row = rows.load() > 0 ? (cpu_after - cpu_before) * 1e6 / static_cast<double>(rows.load()) : 0;
  return r;
}

void truncate(const amo::harness::Postgres& pg) { pg.exec("TRUNCATE realtime_outbox"); }

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7;
  int seconds = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) rounds = std::stoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::stoi(argv[++i]);
    else {
      std::cerr << "usage: bench_emit [--rounds N] [--seconds S]\n";
      return 2;
    }
  }
  std::printf("## realtime_emit vs plain INSERT, %d producers, %d tenants, %d rounds of %d s each\n\n", kProducers,
              kTenants, rounds, seconds);
  std::printf("| synchronous_commit | emit rows/s | insert rows/s | emit / insert (median of per-round) | emit CPU µs/row | insert CPU µs/row |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (bool sync : {true, false}) {
    amo::harness::Postgres pg({.synchronous_commit = sync});
    amo::harness::migrate_up(pg, AMO_RELAY_PATH);
    std::vector<double> emit_rate, insert_rate, ratio, emit_cpu, insert_cpu;
    for (int r = 0; r < rounds; ++r) {
      Result e, in;
      for (Peer p : r % 2 ? std::vector{Peer::insert, Peer::emit} : std::vector{Peer::emit, Peer::insert}) {
        truncate(pg);
        (p == Peer::emit ? e : in) = run(pg.url(), p, std::chrono::seconds(seconds));
      }
      emit_rate.push_back(e.rows_per_s);
      insert_rate.push_back(in.rows_per_s);
      ratio.push_back(e.rows_per_s / in.rows_per_s);
      emit_cpu.push_back(e.cpu_us_per_row);
      insert_cpu.push_back(in.cpu_us_per_row);
      std::fprintf(stderr, "round %d (sync %s): emit %.0f/s insert %.0f/s ratio %.3f\n", r + 1, sync ? "on" : "off",
                   e.rows_per_s, in.rows_per_s, ratio.back());
    }
    std::printf("| %s | %.0f | %.0f | %.3f | %.1f | %.1f |\n", sync ? "on" : "off", median(emit_rate),
                median(insert_rate), median(ratio), median(emit_cpu), median(insert_cpu));
    std::fflush(stdout);
  }
  return 0;
}
