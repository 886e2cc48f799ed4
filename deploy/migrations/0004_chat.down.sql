-- Drops realtime_chat_messages and realtime_chat_reads with every row in them. Keeps the
-- fan-out copies already in realtime_outbox (history still serves them).
DROP TABLE realtime_chat_reads;
DROP TABLE realtime_chat_messages;
