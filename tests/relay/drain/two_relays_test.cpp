// Fault test 4 (DESIGN §5): two relays share the partitions; one is SIGSTOPped past its lease
// (the other takes its partitions over) and then resumed. Per tenant the subscriber sees seq
// strictly increasing and gap-free apart from redeliveries of a seq, and the resumed relay's
// stale marks and claims change no row: its marks are refused by the fence, its claims find
// nothing, and every row's seq is its tenant's next, once.
#include <doctest/doctest.h>
#include <signal.h>

#include <thread>

#include "tests/relay/drain/drain_fixture.h"

using namespace amo::drain_test;
using namespace amo::harness;

TEST_CASE("4: two relays, one SIGSTOPped past its lease and resumed") {
  Stack stack;
  auto sub = stack.subscribe();
  emit(stack.pg, 40, 1500, 4);
  const std::string common = "lease_seconds = 3\npartitions = 16\n";
  auto b = stack.start_relay(common + "instance_id = \"relay-b\"\n");
  auto a = stack.start_relay(common + "instance_id = \"relay-a\"\n");
  // Both hold a fair share once the first one handed half over.
  REQUIRE(wait_until([&] { return metric(*a, "amo_relay_partitions_owned") == 8; }, 20s));
  REQUIRE(wait_until([&] { return metric(*a, "amo_relay_published_total") >= 1000; }, 30s));

  a->signal(SIGSTOP);
  const long b_marked_before = static_cast<long>(metric(*b, "amo_relay_marked_total"));
  // B takes A's partitions over once A's lease and heartbeat are older than a lease period.
  REQUIRE(wait_until([&] { return metric(*b, "amo_relay_partitions_owned") == 16; }, 30s));
  CHECK(stack.count("SELECT count(*) FROM realtime_relay_leases WHERE owner = 'relay-b'") == 16);
  // More rows while A sleeps: B alone publishes them.
  emit(stack.pg, 40, 50, 2);
  REQUIRE(wait_until([&] { return metric(*b, "amo_relay_marked_total") > b_marked_before; }, 30s));

  a->signal(SIGCONT);
  // A notices it lost its leases, refuses its stale marks, and gets a fair share back.
  REQUIRE(wait_until([&] { return a->log().find("relay lease lost") != std::string::npos; }, 20s));
  CHECK(wait_until([&] { return metric(*a, "amo_relay_partitions_owned") == 8; }, 30s));
  // A had rows in flight when it stopped. Whether their PUBACKs reach its marker before its
  // lease check drops them is a race; either way none of them may count as A's: each is a mark
  // refused by the fence or an in-flight row given up.
  const double fenced = metric(*a, "amo_relay_fenced_writes_total");
  const double abandoned = metric(*a, "amo_relay_abandoned_in_flight_total");
  MESSAGE("stale marks refused by the fence: " << fenced << ", in-flight rows given up: " << abandoned);
  CHECK(fenced + abandoned >= 1);

  REQUIRE(wait_until(
      [&] { return stack.count("SELECT count(*) FROM realtime_outbox WHERE published_at IS NULL") == 0; }, 120s));
  // No broker went down here: the subscriber must get every row live.
  wait_until([&] { return sub->ids().size() >= 62000; }, 60s);
  const auto rows = outbox(stack.pg);
  CHECK(rows.size() == 62000);
  check_seq_gap_free(rows);
  check_delivery_order(sub->records());
  const auto c = count_delivery(rows, sub->ids());
  MESSAGE("delivered " << c.delivered << ", recovered " << c.recovered << ", deliveries " << sub->records().size());
  CHECK(c.delivered == 62000);
  CHECK(c.missing == 0);
  // The counters hold exactly one seq per row.
  CHECK(stack.count("SELECT sum(last_seq) FROM realtime_outbox_seq") == 62000);
  CHECK(a->running());
  CHECK(b->running());
}
