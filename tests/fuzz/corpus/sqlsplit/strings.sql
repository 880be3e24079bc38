insert into t values ('a;b', 'it''s', "x""y;");
select '
;';