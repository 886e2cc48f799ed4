#pragma once
// What every measurement of bench_relay runs on: one Postgres cluster for the whole run
// (migrated once; each measurement gets a fresh database copied from it, so no outbox, seq
// counter, lease or heartbeat carries over), a fresh Mosquitto with our plugin per
// measurement, amo-relay processes, and long-lived service tokens for the bench's clients.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/daemon.h"
#include "tests/harness/keys.h"
#include "tests/harness/mosquitto.h"
#include "tests/harness/postgres.h"

namespace amo::bench_relay {

struct Sizes {
  std::int64_t rows = 1000000;  // backlog per drain; a multiple of tenants
  int tenants = 100;
  int rounds = 3;
  std::vector<int> batches{100, 500};  // relay batch_size values, each drained every round
  int rate = 1000;                     // latency phase, events/s
  int producers = 4;                   // producer connections sharing that rate
  int latency_seconds = 30;
  int warmup_seconds = 2;  // events committed in the first seconds are left out of the latency
  int idle_seconds = 20;
  int broker_inflight = 0;  // Mosquitto max_inflight_messages (0 = no limit; 2.0.11 default 20)
};

std::string tenant(int i);  // "T07"

class Cluster {
 public:
  Cluster();

  // A new database copied from the migrated template; returns its connection string.
  std::string create_database(const std::string& name);
  void drop_database(const std::string& name);

  // A fresh broker with our plugin (AMO_TEST_PLUGIN overrides the built one).
  std::unique_ptr<harness::Mosquitto> broker(int max_inflight) const;
  // A service connect token (role service, amo "system") valid for an hour.
  std::string service_token(const std::string& name, const std::string& cid) const;
  // amo-relay on `url` and the broker; `extra` TOML lines appended (batch_size…).
  std::unique_ptr<harness::Daemon> relay(const std::string& url, int broker_port, const std::string& extra,
                                         bool wait_ready) const;

  const harness::Postgres& pg() const { return pg_; }
  static std::string plugin_path();
  static std::string notes(int max_inflight);

 private:
  harness::Postgres pg_;
  harness::KeyFile keys_;
};

// The relay process of a Daemon (the harness does not expose it); -1 if not found in 5 s.
pid_t relay_pid(const harness::Daemon& relay);
// Which relay backend does what: samples pg_stat_activity every 20 ms while it lives and
// labels each backend by the statements seen running on it: "claim" (claims, seq, leases:
// the drain loop), "mark" (published_at, refusals: the marker), "housekeeping" (backlog
// count, retention), "other" (never caught running anything but COMMIT and the like).
class JobSampler {
 public:
  explicit JobSampler(std::string url);
  ~JobSampler();
  JobSampler(const JobSampler&) = delete;
  JobSampler& operator=(const JobSampler&) = delete;
  std::string job(pid_t pid) const;

 private:
  std::string url_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::map<pid_t, std::map<std::string, int>> votes_;
  std::thread thread_;
};

// The relay's Postgres backends (application_name amo-relay) in database `url`.
struct Backend {
  pid_t pid = 0;
  std::string job;
};
std::vector<Backend> relay_backends(const std::string& url, const JobSampler* jobs = nullptr);
double cpu_of(const std::vector<Backend>& backends);

// `rows` realtime_emit notifications to amo/<T>/broadcast/events, tenants interleaved in id
// order, from two connections (INSERT … SELECT over generate_series), then VACUUM ANALYZE
// and a CHECKPOINT so neither lands inside the measurement.
void fill_backlog(const std::string& url, std::int64_t rows, int tenants);
std::int64_t count(const std::string& url, const std::string& sql);

}  // namespace amo::bench_relay
