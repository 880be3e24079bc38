create function f() returns int as $$
begin return 1; end $$ language plpgsql;
do $body$ begin raise notice 'x;'; end $body$;