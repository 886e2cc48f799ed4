-- Drops realtime_relay_instances, the claim index and the optional NOTIFY trigger (running
-- relays must be stopped first). Keeps every outbox row and lease.
DROP TRIGGER realtime_outbox_notify ON realtime_outbox;
DROP FUNCTION realtime_outbox_notify();
DROP INDEX realtime_outbox_unclaimed_idx;
DROP TABLE realtime_relay_instances;
