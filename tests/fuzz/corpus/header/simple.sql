-- revision: 0001_x
-- down_revision: null
-- message: first
-- migrate:upgrade
CREATE TABLE t (a int);
-- migrate:downgrade
DROP TABLE t;
