-- Drops realtime_users and realtime_thread_members with every row in them (users, revocation
-- stamps, memberships). Keeps nothing. If an integrator replaced them by views, drop those
-- views by hand first: this step drops tables only and fails on a view.
DROP TABLE realtime_thread_members;
DROP TABLE realtime_users;
