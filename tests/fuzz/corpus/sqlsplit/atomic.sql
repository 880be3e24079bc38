create function f(n int) returns text language sql
begin atomic
  select case when n > 0 then 'p;' else 'n' end;
  select 2;
end;
select 3;