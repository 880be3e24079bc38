create rule r as on insert to t do instead (insert into a values (1); insert into b values (2));
select 1); select (2;