-- revision: 0010
-- down_revision: 0009_c
-- migrate:upgrade
select 1;
-- migrate:downgrade
