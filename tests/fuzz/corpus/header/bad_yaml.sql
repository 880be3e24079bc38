-- revision: [unclosed
-- migrate:upgrade
select 1;
