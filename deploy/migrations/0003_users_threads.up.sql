-- Users and thread membership (DESIGN §7): the token service and the relay's cookie path
-- read them; revocation polls them. Integrators may replace both tables by views over the
-- portal's own tables, so no NOT NULL column without a default beyond the key.
CREATE TABLE realtime_users (
  amo_id           text NOT NULL,
  user_id          text NOT NULL,
  is_active        boolean NOT NULL DEFAULT true,
  token_revoked_at timestamptz NULL,
  PRIMARY KEY (amo_id, user_id)
);

CREATE TABLE realtime_thread_members (
  amo_id    text NOT NULL,
  thread_id text NOT NULL,
  user_id   text NOT NULL,
  PRIMARY KEY (amo_id, thread_id, user_id)
);

-- A user's threads (token issue, cookie auth), answered from the index alone.
CREATE INDEX realtime_thread_members_user_idx ON realtime_thread_members (amo_id, user_id, thread_id);
