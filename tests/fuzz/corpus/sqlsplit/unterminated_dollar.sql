select 1;
create function f() as $fn$
begin
