-- Drops the extended statistics on (amo_id, topic); no row changes.
DROP STATISTICS realtime_outbox_amo_topic_stats;
