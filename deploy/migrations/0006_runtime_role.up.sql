-- Least privilege (DESIGN §8): the daemons connect as a login role that operators GRANT
-- amo_realtime_app to; it gets DML on exactly our tables and nothing else (no CREATE, no
-- ALTER, no DROP, not realtime_schema_migrations), so a compromised daemon cannot change the
-- schema. NOLOGIN: a group role, never a session user. Creating it needs CREATEROLE.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'amo_realtime_app') THEN
    CREATE ROLE amo_realtime_app NOLOGIN;
  END IF;
END;
$$;

GRANT USAGE ON SCHEMA public TO amo_realtime_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON
  realtime_outbox,
  realtime_outbox_dead,
  realtime_outbox_seq,
  realtime_users,
  realtime_thread_members,
  realtime_chat_messages,
  realtime_chat_reads,
  realtime_relay_leases
TO amo_realtime_app;

GRANT USAGE, SELECT ON SEQUENCE
  realtime_outbox_id_seq,
  realtime_chat_messages_id_seq,
  realtime_chat_reads_id_seq
TO amo_realtime_app;

GRANT EXECUTE ON FUNCTION realtime_emit(text, text, text, jsonb) TO amo_realtime_app;
