-- Revokes every grant the up step made to amo_realtime_app, then drops the role (its members
-- lose it). Keeps every table and row. The role is cluster-wide: if it still holds
-- privileges or owns objects elsewhere (another database migrated too), it is kept.
REVOKE EXECUTE ON FUNCTION realtime_emit(text, text, text, jsonb) FROM amo_realtime_app;

REVOKE ALL ON SEQUENCE
  realtime_outbox_id_seq,
  realtime_chat_messages_id_seq,
  realtime_chat_reads_id_seq
FROM amo_realtime_app;

REVOKE ALL ON
  realtime_outbox,
  realtime_outbox_dead,
  realtime_outbox_seq,
  realtime_users,
  realtime_thread_members,
  realtime_chat_messages,
  realtime_chat_reads,
  realtime_relay_leases
FROM amo_realtime_app;

REVOKE USAGE ON SCHEMA public FROM amo_realtime_app;

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM pg_catalog.pg_shdepend d JOIN pg_catalog.pg_roles r ON d.refobjid = r.oid
    WHERE d.refclassid = 'pg_catalog.pg_authid'::regclass AND r.rolname = 'amo_realtime_app'
  ) THEN
    DROP ROLE amo_realtime_app;
  ELSE
    RAISE NOTICE 'amo_realtime_app still holds privileges or objects elsewhere; kept';
  END IF;
END;
$$;
