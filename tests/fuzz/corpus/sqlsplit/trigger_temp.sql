create temp trigger t after insert on x begin select '; end;'; end -- c
;
create temporary trigger if not exists u after insert on x begin select 2; end