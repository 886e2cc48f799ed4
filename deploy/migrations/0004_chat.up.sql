-- Chat ingest (DESIGN §7): one row per accepted message and read receipt, written in the
-- same transaction as its fan-out outbox row. The unique (amo_id, sender_id, client_msg_id)
-- makes a resent message a no-op; event_id is the envelope id the outbox row carries.
CREATE TABLE realtime_chat_messages (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  amo_id        text NOT NULL,
  thread_id     text NOT NULL,
  sender_id     text NOT NULL,
  client_msg_id text NOT NULL,
  event_id      uuid NOT NULL UNIQUE,
  text          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT realtime_chat_messages_dedupe_key UNIQUE (amo_id, sender_id, client_msg_id)
);

CREATE TABLE realtime_chat_reads (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  amo_id        text NOT NULL,
  thread_id     text NOT NULL,
  sender_id     text NOT NULL,
  client_msg_id text NOT NULL,
  event_id      uuid NOT NULL UNIQUE,
  up_to_seq     bigint NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT realtime_chat_reads_dedupe_key UNIQUE (amo_id, sender_id, client_msg_id)
);
