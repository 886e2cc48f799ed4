-- docs/integrating-users-and-threads.md: realtime_users and realtime_thread_members as views
-- over the portal's own tables (portal-tables.sql), run once by the database owner after
-- `amo-relay migrate up`. tests/token-service/views_test.cpp runs this file as it is.
BEGIN;

-- Our migrations created them as tables; the views take their names and columns.
DROP TABLE realtime_thread_members;
DROP TABLE realtime_users;

-- amo_id and user_id must match ^[A-Za-z0-9_-]{1,64}$ (DESIGN §2) and equal the `amo_id` and
-- `sub` claims of the portal's session token; a row that breaks the grammar never gets a token.
CREATE VIEW realtime_users AS
  SELECT o.slug                AS amo_id,
         a.id::text            AS user_id,
         NOT a.disabled        AS is_active,
         a.sessions_revoked_at AS token_revoked_at
    FROM portal_account a
    JOIN portal_org o ON o.id = a.org_id;

-- One thread per work order, "wo-<id>"; only assignees of the work order's own org.
CREATE VIEW realtime_thread_members AS
  SELECT o.slug               AS amo_id,
         'wo-' || w.id::text  AS thread_id,
         x.account_id::text   AS user_id
    FROM portal_work_order_assignee x
    JOIN portal_work_order w ON w.id = x.work_order_id
    JOIN portal_account a ON a.id = x.account_id AND a.org_id = w.org_id
    JOIN portal_org o ON o.id = w.org_id;

-- POST /api/realtime/revoke runs
--   UPDATE realtime_users SET token_revoked_at = now() WHERE amo_id = $1 AND user_id = $2
--   RETURNING ceil(extract(epoch FROM token_revoked_at))
-- A join view takes no UPDATE by itself: route it to the portal's column. SECURITY DEFINER
-- (owned by the portal's owner) so the daemons' role needs no rights on portal_account.
CREATE FUNCTION realtime_users_revoke() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NEW.token_revoked_at IS DISTINCT FROM OLD.token_revoked_at THEN
    UPDATE portal_account a SET sessions_revoked_at = NEW.token_revoked_at
      FROM portal_org o
     WHERE o.id = a.org_id AND o.slug = OLD.amo_id AND a.id::text = OLD.user_id;
  END IF;
  RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION realtime_users_revoke() FROM PUBLIC;
CREATE TRIGGER realtime_users_revoke INSTEAD OF UPDATE ON realtime_users
  FOR EACH ROW EXECUTE FUNCTION realtime_users_revoke();

-- What the token service asks through the views, indexed: one user by (amo_id, user_id) at
-- every token request, that user's threads, and every 250 ms the users that are inactive or
-- revoked (a partial index keeps that poll off the whole account table).
CREATE INDEX portal_account_id_text ON portal_account ((id::text));
CREATE INDEX portal_account_revocations ON portal_account (id) WHERE disabled OR sessions_revoked_at IS NOT NULL;
CREATE INDEX portal_work_order_assignee_account_text ON portal_work_order_assignee ((account_id::text));

-- The daemons' role (migration 0006) reads the views and updates token_revoked_at.
GRANT SELECT, UPDATE ON realtime_users TO amo_realtime_app;
GRANT SELECT ON realtime_thread_members TO amo_realtime_app;

COMMIT;
