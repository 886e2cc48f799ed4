-- Fenced partition leases (DESIGN §5): relay instances split tenants by hash into
-- partitions; the holder of a row's lease is the only one that may claim or mark its rows,
-- and generation grows with each new holder so a stale instance's writes can be refused.
CREATE TABLE realtime_relay_leases (
  partition  int PRIMARY KEY,
  owner      text NULL,
  generation bigint NOT NULL DEFAULT 0,
  expires_at timestamptz NULL
);
