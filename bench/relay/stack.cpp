#include "bench/relay/stack.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "bench/relay/proc_stat.h"

namespace amo::bench_relay {
namespace {

constexpr const char* kTemplate = "amo_test";

std::string url_of(const harness::Postgres& pg, const std::string& database) {
  std::string url = pg.url();
  const std::string from = std::string("dbname=") + kTemplate;
  url.replace(url.find(from), from.size(), "dbname=" + database);
  return url;
}

}  // namespace

std::string tenant(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%02d", i);
  return buf;
}

Cluster::Cluster() : pg_(harness::Postgres::Options{.database = kTemplate}) {
  harness::migrate_up(pg_, AMO_RELAY_PATH);
}

std::string Cluster::create_database(const std::string& name) {
  pqxx::connection c(pg_.admin_url());
  pqxx::nontransaction t(c);
  t.exec0("DROP DATABASE IF EXISTS " + t.quote_name(name) + " WITH (FORCE)");
  t.exec0("CREATE DATABASE " + t.quote_name(name) + " TEMPLATE " + kTemplate);
  return url_of(pg_, name);
}

void Cluster::drop_database(const std::string& name) {
  pqxx::connection c(pg_.admin_url());
  pqxx::nontransaction t(c);
  t.exec0("DROP DATABASE IF EXISTS " + t.quote_name(name) + " WITH (FORCE)");
}

std::string Cluster::plugin_path() {
  const char* override_path = std::getenv("AMO_TEST_PLUGIN");  // a plugin built elsewhere
  return override_path && *override_path ? override_path : AMO_PLUGIN_PATH;
}

std::string Cluster::notes(int max_inflight) {
  return "Broker (fresh per measurement, our plugin): `per_listener_settings false`, `persistence false`, "
         "`log_type error`+`warning`, `connection_messages false`, `max_inflight_messages " +
         std::to_string(max_inflight) +
         "`, `max_queued_messages 0` (the bench subscriber must not lose a message to a queue limit), "
         "`plugin_opt_max_conn_per_tenant 1000000`; services are not rate limited by the plugin. "
         "Postgres 15 (harness: fsync off, synchronous_commit off, full_page_writes off, other settings "
         "default), one cluster per run, a fresh database per measurement. Relay: default config "
         "(partitions 16, poll_min_ms 2, poll_max_ms 200, log_level info) apart from batch_size. "
         "Subscriber: libmosquitto MQTT v5, QoS 1, receive maximum 65535, in the bench process.";
}

std::unique_ptr<harness::Mosquitto> Cluster::broker(int max_inflight) const {
  harness::Mosquitto::Options o;
  o.websockets = false;
  o.plugin_path = plugin_path();
  o.full_config = "per_listener_settings false\n"
                  "persistence false\n"
                  "log_dest file {LOG_FILE}\n"
                  "log_type error\n"
                  "log_type warning\n"
                  "connection_messages false\n"
                  "listener {TCP_PORT} 127.0.0.1\n"
                  "max_connections -1\n"
                  "max_inflight_messages " +
                  std::to_string(max_inflight) +
                  "\n"
                  "max_queued_messages 0\n"
                  "allow_anonymous false\n"
                  "plugin {PLUGIN}\n"
                  "plugin_opt_jwks_file " +
                  keys_.path() +
                  "\n"
                  "plugin_opt_issuer " +
                  harness::kIssuer +
                  "\n"
                  "plugin_opt_max_conn_per_tenant 1000000\n";
  return std::make_unique<harness::Mosquitto>(o);
}

std::string Cluster::service_token(const std::string& name, const std::string& cid) const {
  auto claims = harness::service_claims(name, cid);
  claims.exp = claims.iat + 3600;  // outlives the longest measurement; the plugin kicks at exp
  return harness::mint(claims, keys_.key());
}

std::unique_ptr<harness::Daemon> Cluster::relay(const std::string& url, int broker_port, const std::string& extra,
                                                bool wait_ready) const {
  harness::Daemon::Options o;
  o.binary = AMO_RELAY_PATH;
  o.wait_ready = wait_ready;
  o.config = "database_url = \"" + url + "\"\n" +                                         //
             "broker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker_port) + "\n" +  //
             "service_signing_key_file = \"" + keys_.private_path() + "\"\n" +              //
             "jwks_file = \"" + keys_.path() + "\"\n" +                                     //
             "issuer = \"" + std::string(harness::kIssuer) + "\"\n" + extra;
  return std::make_unique<harness::Daemon>(std::move(o));
}

pid_t relay_pid(const harness::Daemon& relay) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const pid_t pid = find_pid(relay.config_path().string());
    if (pid > 0 || std::chrono::steady_clock::now() > deadline) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

namespace {

// The job a statement belongs to (see Backend); empty for COMMIT, BEGIN and the like.
std::string job_of(const std::string& q) {
  const auto has = [&](const char* s) { return q.find(s) != std::string::npos; };
  // Marks and refusals also name the lease table (their fence): test them first.
  if (has("SET published_at") || has("SET attempts")) return "mark";
  if (has("SKIP LOCKED") || has("realtime_outbox_seq") || has("realtime_relay_")) return "claim";
  if (has("count(*)") || has("DELETE")) return "housekeeping";
  return {};
}

}  // namespace

JobSampler::JobSampler(std::string url) : url_(std::move(url)) {
  thread_ = std::thread([this] {
    try {
      pqxx::connection c(url_);
      c.prepare("active",
                "SELECT pid, query FROM pg_stat_activity WHERE application_name = 'amo-relay' "
                "AND datname = current_database() AND state = 'active'");
      while (!stop_) {
        pqxx::nontransaction t(c);
        for (const auto& r : t.exec_prepared("active")) {
          const std::string job = job_of(r[1].c_str());
          if (job.empty()) continue;
          std::lock_guard lock(mutex_);
          ++votes_[r[0].as<pid_t>()][job];
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    } catch (const std::exception&) {
      // Labels are a breakdown for the report; without them the jobs read "other".
    }
  });
}

JobSampler::~JobSampler() {
  stop_ = true;
  thread_.join();
}

std::string JobSampler::job(pid_t pid) const {
  std::lock_guard lock(mutex_);
  const auto it = votes_.find(pid);
  if (it == votes_.end()) return "other";
  return std::max_element(it->second.begin(), it->second.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

std::vector<Backend> relay_backends(const std::string& url, const JobSampler* jobs) {
  pqxx::connection c(url);
  pqxx::nontransaction t(c);
  std::vector<Backend> out;
  for (const auto& r : t.exec("SELECT pid FROM pg_stat_activity WHERE application_name = 'amo-relay' "
                              "AND datname = current_database()")) {
    const auto pid = r[0].as<pid_t>();
    out.push_back({pid, jobs ? jobs->job(pid) : std::string("other")});
  }
  return out;
}

double cpu_of(const std::vector<Backend>& backends) {
  double sum = 0;
  for (const auto& b : backends) sum += cpu_seconds(b.pid);
  return sum;
}

void fill_backlog(const std::string& url, std::int64_t rows, int tenants) {
  constexpr int kConnections = 2;  // one per core
  std::vector<std::thread> threads;
  std::exception_ptr failed;
  std::mutex failed_mutex;
  for (int k = 0; k < kConnections; ++k) {
    threads.emplace_back([&, k] {
      try {
        pqxx::connection c(url);
        pqxx::work w(c);
        const std::string amo = "'T' || lpad((g % " + std::to_string(tenants) + ")::text, 2, '0')";
        w.exec1("SELECT count(realtime_emit(" + amo + ", 'amo/' || " + amo +
                " || '/broadcast/events', 'notification', jsonb_build_object('title', 'event ' || g, 'body', 'b', "
                "'level', 'info'))) FROM generate_series(0, " +
                std::to_string(rows - 1) + ") g WHERE g % " + std::to_string(kConnections) + " = " +
                std::to_string(k));
        w.commit();
      } catch (...) {
        std::lock_guard lock(failed_mutex);
        failed = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) std::rethrow_exception(failed);
  pqxx::connection c(url);
  pqxx::nontransaction t(c);
  t.exec0("VACUUM ANALYZE realtime_outbox");
  t.exec0("CHECKPOINT");
}

std::int64_t count(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::nontransaction t(c);
  return t.exec1(sql)[0].as<std::int64_t>();
}

}  // namespace amo::bench_relay
