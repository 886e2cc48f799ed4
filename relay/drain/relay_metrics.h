#pragma once
// The outbox drain's metrics (DESIGN §5), declared once here: backlog, age of the oldest
// unpublished row, publishes, PUBACK latency, refusals, dead letters, partitions owned.
#include "daemon/metrics/registry.h"

namespace amo::relay {

struct RelayMetrics {
  explicit RelayMetrics(metrics::Registry& r)
      : backlog(r.gauge("amo_relay_backlog_rows", "Outbox rows not yet published nor dead (all tenants).")),
        oldest_age(r.gauge("amo_relay_oldest_unpublished_age_seconds",
                           "Age of the oldest outbox row not yet published nor dead, in seconds.")),
        claimed(r.counter("amo_relay_claimed_total", "Outbox rows given a seq by this relay.")),
        published(r.counter("amo_relay_published_total", "Outbox rows the broker acknowledged (PUBACK).")),
        marked(r.counter("amo_relay_marked_total", "PUBACKed rows whose published_at this relay wrote.")),
        puback_seconds(
            r.histogram("amo_relay_puback_seconds", "From publish to PUBACK, in seconds.", metrics::kLatencyBuckets)),
        refused(r.counter("amo_relay_refused_total", "Publishes the broker refused (v5 PUBACK reason >= 0x80).")),
        dead_invalid(r.counter("amo_relay_dead_letters_total",
                               "Rows given up on: moved to realtime_outbox_dead without a seq (invalid), or "
                               "dead_at after max_attempts refusals (refused).",
                               {{"reason", "invalid"}})),
        dead_refused(r.counter("amo_relay_dead_letters_total", "", {{"reason", "refused"}})),
        fenced(r.counter("amo_relay_fenced_writes_total",
                         "Marks refused because this relay no longer held the row's lease.")),
        abandoned(r.counter("amo_relay_abandoned_in_flight_total",
                            "Rows in flight when their partition's lease was lost or handed over: their PUBACK "
                            "is ignored and the next holder publishes them again.")),
        partitions(r.gauge("amo_relay_partitions_owned", "Outbox partitions this relay holds the lease of.")),
        in_flight(r.gauge("amo_relay_in_flight", "Publishes awaiting their PUBACK.")),
        queued(r.gauge("amo_relay_queued_rows", "Rows with a seq held in memory to publish.")),
        pruned(r.counter("amo_relay_pruned_rows_total", "Rows removed by retention (history_days).")) {}

  metrics::Gauge& backlog;
  metrics::Gauge& oldest_age;
  metrics::Counter& claimed;
  metrics::Counter& published;
  metrics::Counter& marked;
  metrics::Histogram& puback_seconds;
  metrics::Counter& refused;
  metrics::Counter& dead_invalid;
  metrics::Counter& dead_refused;
  metrics::Counter& fenced;
  metrics::Counter& abandoned;
  metrics::Gauge& partitions;
  metrics::Gauge& in_flight;
  metrics::Gauge& queued;
  metrics::Counter& pruned;
};

}  // namespace amo::relay
