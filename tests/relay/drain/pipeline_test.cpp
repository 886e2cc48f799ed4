// The publishing state machine (relay/drain/pipeline.h) with a recording send: one row in
// flight per tenant, seq order across acks, refusals, lost connections and dropped leases.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "relay/drain/pipeline.h"

using namespace amo::relay;
using namespace std::chrono_literals;

namespace {

struct Sent {
  std::int64_t id;
  std::uint64_t key;
};

struct Harness {
  std::vector<Sent> sent;
  bool up = true;
  Pipeline pipeline;

  explicit Harness(Pipeline::Options o = {})
      : pipeline(o, [this](const Row& r, int, std::uint64_t key) {
          if (!up) return false;
          sent.push_back({r.id, key});
          return true;
        }) {}

  std::uint64_t key_of(std::int64_t id) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (it->id == id) return it->key;
    FAIL("row " << id << " was never sent");
    return 0;
  }
};

Row row(std::int64_t id, std::string amo, std::int64_t seq, int partition = 0) {
  Row r;
  r.id = id;
  r.amo_id = std::move(amo);
  r.seq = seq;
  r.partition = partition;
  r.topic = "amo/" + r.amo_id + "/broadcast/events";
  return r;
}

std::vector<std::int64_t> ids(const std::vector<Sent>& s) {
  std::vector<std::int64_t> out;
  for (const auto& x : s) out.push_back(x.id);
  return out;
}

}  // namespace

TEST_CASE("one row in flight per tenant; the next goes on its PUBACK, tenants in parallel") {
  Harness h;
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1), row(2, "A", 2), row(3, "B", 1), row(4, "A", 3)});
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 3});
  CHECK(h.pipeline.in_flight() == 2);
  h.pipeline.acked(h.key_of(1), true, 0);
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 3, 2});
  h.pipeline.acked(h.key_of(2), true, 0x10);  // "no matching subscribers" is still a success
  h.pipeline.acked(h.key_of(3), true, 0);
  h.pipeline.acked(h.key_of(4), true, 0);
  CHECK(h.pipeline.take().published == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK(h.pipeline.queued() == 0);
  CHECK(h.pipeline.in_flight() == 0);
}

TEST_CASE("a lost connection sends the same rows again after the reconnect; late acks are ignored") {
  Harness h;
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1), row(2, "A", 2)});
  const auto old_key = h.key_of(1);
  h.pipeline.lost();
  h.up = false;
  h.pipeline.acked(old_key, true, 0);  // from the old connection: nothing changes
  CHECK(h.pipeline.take().published.empty());
  h.up = true;
  h.pipeline.connected();
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 1});
  h.pipeline.acked(h.key_of(1), true, 0);
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 1, 2});
}

TEST_CASE("a refused row holds its tenant back with backoff, dies after max_attempts, then the tenant flows") {
  Pipeline::Options o;
  o.max_attempts = 3;
  Harness h(o);
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1), row(2, "A", 2), row(3, "B", 1)});
  h.pipeline.acked(h.key_of(1), false, 0x87);
  auto out = h.pipeline.take();
  REQUIRE(out.refusals.size() == 1);
  CHECK(out.refusals[0].attempts == 1);
  CHECK(out.refusals[0].backoff == refusal_backoff(1));
  CHECK_FALSE(out.refusals[0].dead);
  CHECK(out.refusals[0].error == "broker refused: reason 135");
  h.pipeline.retry_due();  // too early
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 3});
  h.pipeline.acked(h.key_of(3), true, 0);  // B is not held back
  std::this_thread::sleep_for(refusal_backoff(1) + 20ms);
  h.pipeline.retry_due();
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 3, 1});
  h.pipeline.acked(h.key_of(1), false, 0x87);
  std::this_thread::sleep_for(refusal_backoff(2) + 20ms);
  h.pipeline.retry_due();
  h.pipeline.acked(h.key_of(1), false, 0x87);
  out = h.pipeline.take();
  REQUIRE(out.refusals.size() == 2);
  CHECK(out.refusals[1].dead);
  CHECK(out.refusals[1].attempts == 3);
  CHECK(out.published == std::vector<std::int64_t>{3});
  // Row 2 goes at once after the dead one.
  CHECK(ids(h.sent).back() == 2);
}

TEST_CASE("a failure that is not a refusal is retried without counting an attempt") {
  Pipeline::Options o;
  o.transient_retry = 1ms;
  Harness h(o);
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1)});
  h.pipeline.acked(h.key_of(1), false, 0);
  CHECK(h.pipeline.take().refusals.empty());
  std::this_thread::sleep_for(5ms);
  h.pipeline.retry_due();
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 1});
}

TEST_CASE("rows of a dropped partition are forgotten and their acks ignored") {
  Harness h;
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1, 3), row(2, "A", 2, 3), row(3, "B", 1, 5)});
  const std::vector<int> gone{3};
  const auto key = h.key_of(1);
  h.pipeline.drop(gone);
  h.pipeline.acked(key, true, 0);
  CHECK(h.pipeline.take().published.empty());
  CHECK(h.pipeline.queued() == 1);
  CHECK(h.pipeline.in_flight() == 1);
}

TEST_CASE("the window bounds rows sent but not yet written back; waiting tenants go as it moves") {
  Pipeline::Options o;
  o.window = 2;
  Harness h(o);
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1), row(2, "B", 1), row(3, "C", 1), row(4, "D", 1)});
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 2});
  h.pipeline.acked(h.key_of(1), true, 0);
  // Acked is not enough: the row stays in the window until its mark is confirmed.
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 2});
  auto out = h.pipeline.take();
  CHECK(out.published == std::vector<std::int64_t>{1});
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 2});
  h.pipeline.confirm(1);
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 2, 3});
  h.pipeline.acked(h.key_of(2), true, 0);
  h.pipeline.acked(h.key_of(3), true, 0);
  h.pipeline.confirm(h.pipeline.take().published.size());
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 2, 3, 4});
}

TEST_CASE("paused: rows in flight complete, nothing new is sent; a failed send waits for connected()") {
  Harness h;
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1), row(2, "A", 2)});
  h.pipeline.pause();
  h.pipeline.acked(h.key_of(1), true, 0);
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1});

  Harness g;
  g.up = false;
  g.pipeline.connected();
  g.pipeline.add({row(1, "A", 1)});
  CHECK(g.pipeline.in_flight() == 0);
  g.up = true;
  g.pipeline.connected();
  CHECK(ids(g.sent) == std::vector<std::int64_t>{1});
}

TEST_CASE("past the lease deadline nothing is sent until the leases are renewed") {
  Harness h;
  h.pipeline.connected();
  h.pipeline.lease_valid_until(Pipeline::Clock::now() - 1ms);
  h.pipeline.add({row(1, "A", 1), row(2, "B", 1)});
  CHECK(h.sent.empty());
  h.pipeline.lease_valid_until(Pipeline::Clock::now() + 10s);
  auto sent = ids(h.sent);
  std::sort(sent.begin(), sent.end());
  CHECK(sent == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("a tenant past max_rows_per_tenant spills; reloads bring its later rows in seq order") {
  Pipeline::Options o;
  o.max_rows_per_tenant = 2;
  Harness h(o);
  h.pipeline.connected();
  h.pipeline.add({row(1, "A", 1), row(2, "A", 2), row(3, "A", 3), row(4, "A", 4)});
  CHECK(h.pipeline.queued() == 2);
  CHECK(h.pipeline.reloads().empty());  // still holds 2
  h.pipeline.add({row(5, "A", 5)});     // spilled: not kept
  CHECK(h.pipeline.queued() == 2);
  h.pipeline.acked(h.key_of(1), true, 0);
  const auto r = h.pipeline.reloads();
  REQUIRE(r.size() == 1);
  CHECK(r[0] == std::pair<std::string, std::int64_t>{"A", 2});
  // What Postgres returns after seq 2 (max_rows_per_tenant + 1 asked): 3 fits, 4 spills again.
  h.pipeline.reloaded("A", {row(3, "A", 3), row(4, "A", 4), row(5, "A", 5)});
  CHECK(h.pipeline.queued() == 2);
  h.pipeline.acked(h.key_of(2), true, 0);
  h.pipeline.acked(h.key_of(3), true, 0);
  REQUIRE(h.pipeline.reloads().size() == 1);
  h.pipeline.reloaded("A", {row(4, "A", 4), row(5, "A", 5)});
  h.pipeline.acked(h.key_of(4), true, 0);
  h.pipeline.acked(h.key_of(5), true, 0);
  CHECK(ids(h.sent) == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  CHECK(h.pipeline.reloads().empty());
  CHECK(h.pipeline.queued() == 0);
}

TEST_CASE("shards: each row goes to its tenant's shard as the map says at send; one shard's outage holds only its tenants") {
  std::map<std::string, int> map{{"A", 0}, {"B", 1}};
  std::vector<std::pair<std::int64_t, int>> sent;  // (id, shard)
  std::map<std::int64_t, std::uint64_t> keys;
  Pipeline::Options o;
  o.shards = 2;
  o.shard_of = [&](std::string_view amo) { return map.at(std::string(amo)); };
  Pipeline p(o, [&](const Row& r, int shard, std::uint64_t key) {
    sent.emplace_back(r.id, shard);
    keys[r.id] = key;
    return true;
  });
  p.connected(0);
  p.add({row(1, "A", 1), row(2, "B", 1), row(3, "B", 2)});
  // Shard 1 is not up yet: B waits, A goes.
  CHECK(sent == std::vector<std::pair<std::int64_t, int>>{{1, 0}});
  p.connected(1);
  CHECK(sent == std::vector<std::pair<std::int64_t, int>>{{1, 0}, {2, 1}});
  // Shard 1 goes away: B's row in flight is unacked there, A's on shard 0 is not touched.
  p.lost(1);
  CHECK(p.in_flight() == 1);
  p.acked(keys[2], true, 0);  // a late ack from the lost connection: ignored
  p.acked(keys[1], true, 0);
  CHECK(p.take().published == std::vector<std::int64_t>{1});
  // B moves to shard 0 meanwhile: its unacked row and the next go there, same ids.
  map["B"] = 0;
  p.retry_due();
  p.connected(0);
  CHECK(sent.back() == std::pair<std::int64_t, int>{2, 0});
  p.acked(keys[2], true, 0);
  CHECK(sent.back() == std::pair<std::int64_t, int>{3, 0});
  p.acked(keys[3], true, 0);
  CHECK(p.take().published == std::vector<std::int64_t>{2, 3});
  CHECK(p.in_flight() == 0);
}
