#include "tests/relay/drain/drain_fixture.h"

#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace amo::drain_test {

using harness::Daemon;
using harness::DurableSubscriber;
using harness::Mosquitto;
using harness::Postgres;

std::string tenant(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%02d", i);
  return buf;
}

std::string events_topic(const std::string& amo) {
  return "amo/" + amo + "/broadcast/events";
}

Stack::Stack() : Stack(Options{}) {}

Stack::Stack(Options options) : pg(options.pg) {
  harness::migrate_up(pg, AMO_RELAY_PATH);
  Mosquitto::Options o;
  o.websockets = false;
  o.allow_anonymous = options.allow_anonymous;
  if (options.plugin) {
    const char* override_path = std::getenv("AMO_TEST_PLUGIN");  // a plugin built elsewhere
    o.plugin_path = override_path && *override_path ? override_path : AMO_PLUGIN_PATH;
    o.plugin_opts = {{"jwks_file", keys.path()}, {"issuer", harness::kIssuer}};
  }
  // The counting subscriber must not lose a row to the broker's per-client queue limit (2.0.11
  // drops QoS 1 messages past 1,000 queued for a slow client): the tests count what the relay
  // delivered, not how fast the subscriber's thread keeps up.
  o.extra_config = "max_queued_messages 0\n" + options.broker_extra;
  broker = std::make_unique<Mosquitto>(o);
}

std::string Stack::relay_config(const std::string& extra) const {
  return "database_url = \"" + pg.url() + "\"\n" +  //
         "broker_host = \"127.0.0.1\"\nbroker_port = " + std::to_string(broker->port()) + "\n" +
         "service_signing_key_file = \"" + keys.private_path() + "\"\n" +  //
         "jwks_file = \"" + keys.path() + "\"\n" +                         //
         "issuer = \"" + std::string(harness::kIssuer) + "\"\n" + extra;
}

std::unique_ptr<Daemon> Stack::start_relay(const std::string& extra) const {
  return std::make_unique<Daemon>(Daemon::Options{.binary = AMO_RELAY_PATH, .config = relay_config(extra)});
}

std::unique_ptr<DurableSubscriber> Stack::subscribe(const std::string& name) const {
  const std::string cid = "system:" + name + ":1";
  DurableSubscriber::Options o;
  o.port = broker->port();
  o.client_id = cid;
  o.password = [this, name, cid] { return harness::mint(harness::service_claims(name, cid), keys.key()); };
  o.filters = {"amo/#"};
  auto sub = std::make_unique<DurableSubscriber>(o);
  REQUIRE(sub->wait_connected(10s));
  return sub;
}

std::string Stack::scalar(const std::string& sql) const {
  pqxx::connection c(pg.url());
  pqxx::nontransaction t(c);
  const auto r = t.exec1(sql);
  return r[0].is_null() ? std::string() : r[0].c_str();
}

void emit(const Postgres& pg, int tenants, int per_tenant, int producers, int batch) {
  // Producer p takes every producers-th slot of the interleaved order (tenant by tenant, round
  // by round), so every tenant's rows come from several connections at once.
  const long total = static_cast<long>(tenants) * per_tenant;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      pqxx::connection c(pg.url());
      c.prepare("emit",
                "SELECT realtime_emit($1, 'amo/' || $1 || '/broadcast/events', 'notification', "
                "jsonb_build_object('title', 'event ' || $2::text, 'body', 'b', 'level', 'info'))");
      long slot = p;
      while (slot < total) {
        pqxx::work w(c);
        for (int i = 0; i < batch && slot < total; ++i, slot += producers)
          w.exec_prepared("emit", tenant(static_cast<int>(slot % tenants)), slot);
        w.commit();
      }
    });
  }
  for (auto& t : threads) t.join();
}

std::vector<OutboxRow> outbox(const Postgres& pg) {
  pqxx::connection c(pg.url());
  pqxx::nontransaction t(c);
  std::vector<OutboxRow> out;
  for (const auto& r :
       t.exec("SELECT id, event_id::text, amo_id, seq, published_at IS NOT NULL, "
              "dead_at IS NOT NULL, attempts, COALESCE(last_error, '') FROM realtime_outbox ORDER BY id")) {
    OutboxRow row;
    row.id = r[0].as<std::int64_t>();
    row.event_id = r[1].c_str();
    row.amo_id = r[2].c_str();
    row.seq = r[3].is_null() ? -1 : r[3].as<std::int64_t>();
    row.published = r[4].as<bool>();
    row.dead = r[5].as<bool>();
    row.attempts = r[6].as<int>();
    row.last_error = r[7].c_str();
    out.push_back(std::move(row));
  }
  return out;
}

void check_seq_gap_free(const std::vector<OutboxRow>& rows) {
  // seq follows claim order, which is commit order: a row whose producer committed late gets
  // a later seq than rows with higher ids. What must hold is 1..N per tenant, each once.
  std::map<std::string, std::vector<std::int64_t>> seqs;
  for (const auto& r : rows)
    if (r.seq >= 0) seqs[r.amo_id].push_back(r.seq);
  bool ok = true;
  for (auto& [amo, list] : seqs) {
    std::sort(list.begin(), list.end());
    for (std::size_t i = 0; i < list.size() && ok; ++i) {
      if (list[i] != static_cast<std::int64_t>(i) + 1) {
        ok = false;
        FAIL_CHECK("tenant " << amo << ": seq " << list[i] << " where " << i + 1 << " was due");
      }
    }
  }
  CHECK(ok);
}

void check_delivery_order(const std::vector<DurableSubscriber::Record>& records) {
  std::map<std::string, std::int64_t> highest;
  std::map<std::string, std::int64_t> seq_of_id;
  std::size_t backwards = 0, changed_seq = 0;
  for (const auto& r : records) {
    const auto from = r.topic.find('/') + 1;
    const std::string amo = r.topic.substr(from, r.topic.find('/', from) - from);
    auto [it, first] = seq_of_id.emplace(r.id, r.seq);
    if (!first) {
      if (it->second != r.seq) ++changed_seq;  // a redelivery must keep its seq
      continue;
    }
    if (r.seq <= highest[amo]) ++backwards;
    highest[amo] = std::max(highest[amo], r.seq);
  }
  CHECK(backwards == 0);
  CHECK(changed_seq == 0);
}

Count count_delivery(const std::vector<OutboxRow>& rows, const std::set<std::string>& delivered_ids) {
  Count c;
  for (const auto& r : rows) {
    if (r.dead) continue;
    ++c.inserted;
    if (delivered_ids.count(r.event_id))
      ++c.delivered;
    else if (r.published && r.seq > 0)
      ++c.recovered;
    else
      ++c.missing;
  }
  return c;
}

double metric(const Daemon& relay, const std::string& series) {
  return harness::scrape_metric(relay.http_port(), series);
}

}  // namespace amo::drain_test
