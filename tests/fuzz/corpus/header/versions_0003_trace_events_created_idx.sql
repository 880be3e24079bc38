-- revision: 0003_trace_events_created_idx
-- down_revision: 0002_users_display_name
-- message: index trace_events by created_at
-- create_date: 2026-11-22T11:00:00Z
-- transactional: false
-- migrate:upgrade postgresql
-- trace_events is large and written all the time: a plain CREATE INDEX
-- would block every insert until it finished.  CONCURRENTLY does not,
-- but PostgreSQL refuses to run it inside a transaction block, hence
-- "transactional: false" above.
--
-- A non-transactional unit runs in autocommit, so nothing can roll it
-- back: if it held two statements and the second failed, the first would
-- stay applied while the version table still named the unit before.
-- Hence exactly one statement per section.  IF NOT EXISTS makes a re-run
-- safe after a crash between the index build and the version update.
--
-- If the build itself fails (cancelled, deadlock, a duplicate), it leaves
-- an INVALID index behind, which IF NOT EXISTS would then take as done:
-- check pg_index.indisvalid and drop it (the downgrade statement below)
-- before running the upgrade again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS trace_events_created_at_idx
	ON trace_events (created_at);
-- migrate:upgrade sqlite
-- SQLite has no CONCURRENTLY; a plain CREATE INDEX holds the write lock
-- while it builds.  The unit is non-transactional on SQLite as well, so
-- the same one-statement rule holds.
CREATE INDEX IF NOT EXISTS trace_events_created_at_idx
	ON trace_events (created_at);
-- migrate:downgrade postgresql
DROP INDEX CONCURRENTLY IF EXISTS trace_events_created_at_idx;
-- migrate:downgrade sqlite
DROP INDEX IF EXISTS trace_events_created_at_idx;
