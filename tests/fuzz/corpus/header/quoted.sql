-- revision: '0006_q'
-- down_revision: "0005_d"
-- message: 'it''s: quoted # not a comment'
-- transactional: false
-- migrate:upgrade
CREATE INDEX CONCURRENTLY i ON t (a);
-- migrate:downgrade
DROP INDEX CONCURRENTLY i;
