-- What the outbox drain needs beside its leases (DESIGN §5).

-- Relay instances that are alive: each running relay writes seen_at here every third of a
-- lease period, so every instance can tell how many share the partitions and hold a fair
-- share of them (ceil(partitions / live instances)); a stopped or paused relay stops being
-- counted once its seen_at is older than one lease period. Leases, not this table, fence
-- what a relay may claim or mark.
CREATE TABLE realtime_relay_instances (
  owner   text PRIMARY KEY,
  seen_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE, DELETE ON realtime_relay_instances TO amo_realtime_app;

-- The claim reads rows that have no seq yet, in id order: rows already claimed but awaiting
-- their PUBACK (up to the relays' in-memory window) would otherwise be scanned past at
-- every claim.
CREATE INDEX realtime_outbox_unclaimed_idx ON realtime_outbox (id) WHERE seq IS NULL;

-- Optional wake-up of idle relays (`notify = true`): one NOTIFY per inserting statement.
-- Created disabled, because NOTIFY takes a global lock at every producer's commit (about
-- half the insert rate here, FACTS.md); an operator who wants it runs, as the owner,
--   ALTER TABLE realtime_outbox ENABLE TRIGGER realtime_outbox_notify;
CREATE FUNCTION realtime_outbox_notify() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('realtime_outbox', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER realtime_outbox_notify AFTER INSERT ON realtime_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_outbox_notify();
ALTER TABLE realtime_outbox DISABLE TRIGGER realtime_outbox_notify;
