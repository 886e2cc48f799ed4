-- The durable outbox (DESIGN §5): backends insert rows, the relay gives each valid row its
-- tenant's next seq, publishes it and marks it; history and SSE read it by (amo_id, seq).
-- No CHECK on topic: rows inserted directly are checked by the relay, which dead-letters a
-- bad one instead of failing the backend's transaction.
CREATE TABLE realtime_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  amo_id          text NOT NULL,
  topic           text NOT NULL,
  envelope        jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  seq             bigint NULL,
  attempts        int NOT NULL DEFAULT 0,
  last_error      text NULL,
  published_at    timestamptz NULL,
  next_attempt_at timestamptz NULL,
  dead_at         timestamptz NULL,
  -- Also the history seek index: WHERE amo_id = $1 AND seq > $2 ORDER BY seq.
  CONSTRAINT realtime_outbox_amo_id_seq_key UNIQUE (amo_id, seq)
);

-- The claim scans only rows still to publish; published and dead rows drop out of it.
CREATE INDEX realtime_outbox_pending_idx ON realtime_outbox (id)
  WHERE published_at IS NULL AND dead_at IS NULL;

-- Retention deletes by age (history_days).
CREATE INDEX realtime_outbox_created_at_idx ON realtime_outbox (created_at);

-- Rows that never got a seq (bad topic, envelope failing the schema, over 64 KiB), moved here
-- by the relay with the reason. Columns are loose on purpose: they hold whatever was there.
CREATE TABLE realtime_outbox_dead (
  id         bigint PRIMARY KEY,
  event_id   uuid NULL,
  amo_id     text NULL,
  topic      text NULL,
  envelope   jsonb NULL,
  created_at timestamptz NULL,
  error      text NOT NULL,
  dead_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX realtime_outbox_dead_dead_at_idx ON realtime_outbox_dead (dead_at);

-- One row per tenant, locked by the claim transaction: seq values become visible in
-- increasing order with no gaps, whichever relay claims.
CREATE TABLE realtime_outbox_seq (
  amo_id   text PRIMARY KEY,
  last_seq bigint NOT NULL DEFAULT 0
);
