-- revision: 0008
select 1;
-- migrate:upgrade
-- migrate:downgrade
