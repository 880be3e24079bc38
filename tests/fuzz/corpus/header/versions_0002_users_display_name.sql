-- revision: 0002_users_display_name
-- down_revision: 0001_raptor_baseline
-- message: add users display name
-- create_date: 2026-11-22T10:00:00Z
-- transactional: true
-- migrate:upgrade
-- One section for both dialects: this SQL means the same on each.
-- Support searches customers by name, case-insensitively; most accounts
-- have no display name, so the index leaves those rows out.
ALTER TABLE users ADD COLUMN display_name TEXT;
CREATE INDEX users_display_name_idx ON users (lower(display_name))
	WHERE display_name IS NOT NULL;
-- migrate:downgrade
-- The index first: SQLite refuses to drop a column an index uses.
-- (SQLite has ALTER TABLE ... DROP COLUMN since 3.35.)
DROP INDEX users_display_name_idx;
ALTER TABLE users DROP COLUMN display_name;
