-- Drops realtime_relay_leases (leases only: running relays lose their partitions and must be
-- stopped first). Keeps every outbox row and its seq.
DROP TABLE realtime_relay_leases;
