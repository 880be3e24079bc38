-- revision: 0005_d
-- down_revision: 0004_merge
-- migrate:upgrade postgresql
CREATE TABLE t (id BIGSERIAL PRIMARY KEY, j JSONB DEFAULT '{}');
-- migrate:upgrade sqlite
CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, j TEXT);
-- migrate:downgrade
DROP TABLE t;
