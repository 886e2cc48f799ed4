-- Drops the function realtime_emit only; keeps realtime_outbox and every row it inserted.
DROP FUNCTION realtime_emit(text, text, text, jsonb);
