-- Drops realtime_outbox, realtime_outbox_dead and realtime_outbox_seq with every row in them:
-- undelivered events, history and the per-tenant seq counters are lost. Keeps nothing.
DROP TABLE realtime_outbox_seq;
DROP TABLE realtime_outbox_dead;
DROP TABLE realtime_outbox;
