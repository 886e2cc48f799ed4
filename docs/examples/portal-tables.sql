-- The worked example of docs/integrating-users-and-threads.md: a portal's own tables, as an
-- integrator might already have them. Not ours to create in production — shown (and used by
-- tests/token-service/views_test.cpp) so that portal-views.sql has something to map.
CREATE TABLE portal_org (
  id   bigint PRIMARY KEY,
  slug text NOT NULL UNIQUE  -- "acme-mro": becomes the tenant id (amo_id)
);

CREATE TABLE portal_account (
  id                  bigint PRIMARY KEY,
  org_id              bigint NOT NULL REFERENCES portal_org,
  email               text NOT NULL,
  disabled            boolean NOT NULL DEFAULT false,
  sessions_revoked_at timestamptz  -- "log out everywhere" / password change
);

CREATE TABLE portal_work_order (
  id     bigint PRIMARY KEY,
  org_id bigint NOT NULL REFERENCES portal_org,
  title  text NOT NULL
);

-- Who works on (and so may chat about) a work order.
CREATE TABLE portal_work_order_assignee (
  work_order_id bigint NOT NULL REFERENCES portal_work_order,
  account_id    bigint NOT NULL REFERENCES portal_account,
  PRIMARY KEY (work_order_id, account_id)
);
