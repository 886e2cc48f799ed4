-- Drops realtime_relay_instances and the claim index (running relays must be stopped first).
-- Keeps every outbox row and lease.
DROP INDEX realtime_outbox_unclaimed_idx;
DROP TABLE realtime_relay_instances;
