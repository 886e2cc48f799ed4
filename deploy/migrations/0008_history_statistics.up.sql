-- History and catch-up reads filter one tenant's rows by a handful of its topics
-- (amo_id = $1 AND topic = ANY($2)) and seek on (amo_id, seq). Without statistics on how
-- topic depends on amo_id, Postgres multiplies the two selectivities as if independent,
-- estimates a few rows, and reads and sorts the tenant's whole tail (42 ms at 5M rows,
-- bench_events); with them it walks realtime_outbox_amo_id_seq_key in order (< 1 ms).
CREATE STATISTICS realtime_outbox_amo_topic_stats (dependencies, ndistinct)
  ON amo_id, topic FROM realtime_outbox;
-- Build them now rather than at the next autovacuum analyze.
ANALYZE realtime_outbox;
