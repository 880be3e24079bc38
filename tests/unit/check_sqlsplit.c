/*
 * check_sqlsplit.c - the SQL statement splitter, mg_sql_needs_no_tx and
 * mg_sql_pos_to_line_offset.
 *
 * The fixtures in tests/fixtures/sql/ are real output: pg_dump
 * --schema-only of a PostgreSQL 15 schema with plpgsql and BEGIN ATOMIC
 * functions, a rule, views, domains and comments, and sqlite3's .dump of a
 * schema with triggers.  Their expected statement counts were checked
 * once against the servers themselves: every statement ran alone (libpq's
 * extended protocol, which refuses several commands in one string;
 * sqlite3_prepare_v2 with an empty tail) and the databases dumped back
 * identical; psql sent the same 73 statements for the pg_dump file.
 */
#include "mg.h"
#include "suites.h"
#include "testutil.h"

#define PG MG_DIALECT_PG
#define SL MG_DIALECT_SQLITE

#define MAX_WANT 5

struct want {
	const char *text;
	unsigned line;
};

static const struct split_case {
	enum mg_dialect d;
	const char *sql;
	unsigned first_line;
	size_t n;
	struct want want[MAX_WANT];
} split_cases[] = {
	/* 0: basics, both dialects */
	{ PG, "select 1; select 2;", 1, 2,
	  { { "select 1", 1 }, { "select 2", 1 } } },
	{ SL, "select 1; select 2;", 1, 2,
	  { { "select 1", 1 }, { "select 2", 1 } } },
	{ PG, "select 1", 1, 1, { { "select 1", 1 } } },
	{ SL, "select 1\n", 1, 1, { { "select 1", 1 } } },
	{ PG, "", 1, 0, { { NULL, 0 } } },
	{ SL, " \n\t \n", 1, 0, { { NULL, 0 } } },
	{ PG, ";;", 1, 0, { { NULL, 0 } } },
	{ SL, "-- x\n;", 1, 0, { { NULL, 0 } } },
	{ PG, "-- a\n;\n/* b */;\n", 1, 0, { { NULL, 0 } } },
	{ SL, "/* only a comment */", 1, 0, { { NULL, 0 } } },
	/* 10: lines, white space, first_line */
	{ PG, "select 1;;\n;select 2", 1, 2,
	  { { "select 1", 1 }, { "select 2", 2 } } },
	{ PG, "\n\n  select 1  \n\n;\n", 10, 1, { { "select 1", 12 } } },
	{ SL, "\nselect 1;\n\nselect 2", 7, 2,
	  { { "select 1", 8 }, { "select 2", 10 } } },
	{ PG, "select 1;\r\nselect 2;\r\n", 1, 2,
	  { { "select 1", 1 }, { "select 2", 2 } } },
	{ SL, "\t\fselect\n\t1\t;", 1, 1, { { "select\n\t1", 1 } } },
	/* 15: comments: leading ones dropped, inner ones kept */
	{ PG, "-- lead\n/* c */ select 1; -- trail\n", 1, 1,
	  { { "select 1", 2 } } },
	{ PG, "select 1 /* inner; */ + 2;", 1, 1,
	  { { "select 1 /* inner; */ + 2", 1 } } },
	{ SL, "select 1 -- c;\n + 2;", 1, 1,
	  { { "select 1 -- c;\n + 2", 1 } } },
	{ PG, "select 1 -- tail\n;", 1, 1, { { "select 1", 1 } } },
	{ SL, "select 1 /* t */ ;select 2 -- end", 1, 2,
	  { { "select 1", 1 }, { "select 2", 1 } } },
	/* 20 */
	{ PG, "select 1 +--x\n 2;", 1, 1, { { "select 1 +--x\n 2", 1 } } },
	{ PG, "select 2 */* c; */ 3;", 1, 1,
	  { { "select 2 */* c; */ 3", 1 } } },
	/* strings and quoted identifiers */
	{ PG, "insert into t values ('a;b');\n\nselect 1;", 1, 2,
	  { { "insert into t values ('a;b')", 1 }, { "select 1", 3 } } },
	{ SL, "select 'it''s; ok'; select ''''", 1, 2,
	  { { "select 'it''s; ok'", 1 }, { "select ''''", 1 } } },
	{ PG, "select '' ; select 'x'", 1, 2,
	  { { "select ''", 1 }, { "select 'x'", 1 } } },
	/* 25 */
	{ PG, "select \"a;b\", \"x\"\"y;\" from t; select 2", 1, 2,
	  { { "select \"a;b\", \"x\"\"y;\" from t", 1 },
	    { "select 2", 1 } } },
	{ SL, "select 'multi\nline;\nstring';\nselect 2;", 1, 2,
	  { { "select 'multi\nline;\nstring'", 1 }, { "select 2", 4 } } },
	{ PG, "select '-- no; /* no'; select 2", 1, 2,
	  { { "select '-- no; /* no'", 1 }, { "select 2", 1 } } },
	{ PG, "select 'h\xc3\xa9llo;' as \"na\xc3\xafve;\"; select 2", 1, 2,
	  { { "select 'h\xc3\xa9llo;' as \"na\xc3\xafve;\"", 1 },
	    { "select 2", 1 } } },
	{ PG, "select \"x\";", 1, 1, { { "select \"x\"", 1 } } },
	/* 30: E'' strings (PostgreSQL only) */
	{ PG, "select E'it\\'s; here'; select 2", 1, 2,
	  { { "select E'it\\'s; here'", 1 }, { "select 2", 1 } } },
	{ PG, "select e'\\\\'; select 2", 1, 2,
	  { { "select e'\\\\'", 1 }, { "select 2", 1 } } },
	{ PG, "select E'a''b;c', E'\\n;'; select 1", 1, 2,
	  { { "select E'a''b;c', E'\\n;'", 1 }, { "select 1", 1 } } },
	{ PG, "select 'a\\'; select 2", 1, 2,
	  { { "select 'a\\'", 1 }, { "select 2", 1 } } },
	{ SL, "select E'a\\'; select 2", 1, 2,
	  { { "select E'a\\'", 1 }, { "select 2", 1 } } },
	/* 35: a word ending in e is not an E prefix */
	{ PG, "select somee'x;\\'; select 1", 1, 2,
	  { { "select somee'x;\\'", 1 }, { "select 1", 1 } } },
	{ PG, "select U&'d\\0061t;a', U&\"d;a\" from t; select 2", 1, 2,
	  { { "select U&'d\\0061t;a', U&\"d;a\" from t", 1 },
	    { "select 2", 1 } } },
	/* nested comments (PostgreSQL) against flat ones (SQLite) */
	{ PG, "/* outer /* nested; */ still; */ select 1;", 1, 1,
	  { { "select 1", 1 } } },
	{ PG, "select 1;\n/* a\n/* b\n*/ ; \n*/\nselect 2;", 1, 2,
	  { { "select 1", 1 }, { "select 2", 6 } } },
	{ SL, "/* /* */ select 1; select 2", 1, 2,
	  { { "select 1", 1 }, { "select 2", 1 } } },
	/* 40 */
	{ SL, "/* a /* b */\nselect 1;", 1, 1, { { "select 1", 2 } } },
	{ PG, "select 1 /* a /* b */ ; */ + 1; select 2", 1, 2,
	  { { "select 1 /* a /* b */ ; */ + 1", 1 }, { "select 2", 1 } } },
	/* dollar quoting (PostgreSQL) */
	{ PG, "create function f() returns int as $$\nbegin return 1; end "
	      "$$ language plpgsql;\nselect 1;", 1, 2,
	  { { "create function f() returns int as $$\nbegin return 1; end "
	      "$$ language plpgsql", 1 }, { "select 1", 3 } } },
	{ PG, "do $body$ begin raise notice 'x;'; end $body$; select 1", 1,
	  2, { { "do $body$ begin raise notice 'x;'; end $body$", 1 },
	       { "select 1", 1 } } },
	{ PG, "select $a$ $b$ ; $b$ $a$; select 2", 1, 2,
	  { { "select $a$ $b$ ; $b$ $a$", 1 }, { "select 2", 1 } } },
	/* 45 */
	{ PG, "select $fn$ a $$ ; $$ b $fn$; select 2", 1, 2,
	  { { "select $fn$ a $$ ; $$ b $fn$", 1 }, { "select 2", 1 } } },
	{ PG, "select $A$ x $a$ ; $A$; select 2", 1, 2,
	  { { "select $A$ x $a$ ; $A$", 1 }, { "select 2", 1 } } },
	{ PG, "do $$\n;\n;\n$$;\nselect 1;", 1, 2,
	  { { "do $$\n;\n;\n$$", 1 }, { "select 1", 5 } } },
	{ PG, "select $_$;$_$, $x1$'$x1$", 1, 1,
	  { { "select $_$;$_$, $x1$'$x1$", 1 } } },
	{ PG, "select $$it's$$; select $$\"$$", 1, 2,
	  { { "select $$it's$$", 1 }, { "select $$\"$$", 1 } } },
	/* 50: $1 is a parameter; a $ in an identifier belongs to it */
	{ PG, "select $1; select $2::int;", 1, 2,
	  { { "select $1", 1 }, { "select $2::int", 1 } } },
	{ PG, "select a$b$c; select 1", 1, 2,
	  { { "select a$b$c", 1 }, { "select 1", 1 } } },
	{ PG, "select x$ ; select $y; select 3", 1, 3,
	  { { "select x$", 1 }, { "select $y", 1 }, { "select 3", 1 } } },
	/* no dollar quoting, but brackets and backticks in SQLite */
	{ SL, "select $$; select $a", 1, 2,
	  { { "select $$", 1 }, { "select $a", 1 } } },
	{ SL, "select [a;b] from [t]; select 2", 1, 2,
	  { { "select [a;b] from [t]", 1 }, { "select 2", 1 } } },
	/* 55 */
	{ SL, "select `a;b``c` from t; select 2", 1, 2,
	  { { "select `a;b``c` from t", 1 }, { "select 2", 1 } } },
	{ PG, "select arr[1]; select `x`; select 3", 1, 3,
	  { { "select arr[1]", 1 }, { "select `x`", 1 }, { "select 3", 1 } } },
	/* parentheses: the actions of a CREATE RULE (PostgreSQL) */
	{ PG, "create rule r as on insert to t do instead (insert into a "
	      "values (1); insert into b values (2));\nselect 1", 1, 2,
	  { { "create rule r as on insert to t do instead (insert into a "
	      "values (1); insert into b values (2))", 1 },
	    { "select 1", 2 } } },
	{ PG, "select 1); select 2", 1, 2,
	  { { "select 1)", 1 }, { "select 2", 1 } } },
	{ SL, "select (1; select 2)", 1, 2,
	  { { "select (1", 1 }, { "select 2)", 1 } } },
	/* 60: BEGIN ATOMIC (PostgreSQL) */
	{ PG, "create function f() returns int language sql\nbegin atomic\n"
	      "  select 1;\n  select 2;\nend;\nselect 3;", 1, 2,
	  { { "create function f() returns int language sql\nbegin atomic\n"
	      "  select 1;\n  select 2;\nend", 1 }, { "select 3", 6 } } },
	{ PG, "create function f(n int) returns text language sql begin "
	      "atomic select case when n > 0 then 'p;' else 'n' end; end; "
	      "select 1", 1, 2,
	  { { "create function f(n int) returns text language sql begin "
	      "atomic select case when n > 0 then 'p;' else 'n' end; end",
	      1 }, { "select 1", 1 } } },
	{ PG, "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN /* c */ "
	      "ATOMIC SELECT CASE WHEN true THEN CASE WHEN false THEN 1 END "
	      "END; END; SELECT 2", 1, 2,
	  { { "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN /* c */ "
	      "ATOMIC SELECT CASE WHEN true THEN CASE WHEN false THEN 1 END "
	      "END; END", 1 }, { "SELECT 2", 1 } } },
	{ PG, "begin; select 1; end;", 1, 3,
	  { { "begin", 1 }, { "select 1", 1 }, { "end", 1 } } },
	{ PG, "create function f(begin int) returns int language sql return "
	      "begin + 1; select 2", 1, 2,
	  { { "create function f(begin int) returns int language sql return "
	      "begin + 1", 1 }, { "select 2", 1 } } },
	/* 65 */
	{ PG, "create function f(n int) returns int language sql return case "
	      "when n > 0 then 1 else 0 end; select 2", 1, 2,
	  { { "create function f(n int) returns int language sql return case "
	      "when n > 0 then 1 else 0 end", 1 }, { "select 2", 1 } } },
	{ PG, "create trigger t before insert on x for each row execute "
	      "function f(); select 1", 1, 2,
	  { { "create trigger t before insert on x for each row execute "
	      "function f()", 1 }, { "select 1", 1 } } },
	{ PG, "create table begin_atomic (begin int, atomic int); select 1",
	  1, 2, { { "create table begin_atomic (begin int, atomic int)", 1 },
		  { "select 1", 1 } } },
	/* SQLite CREATE TRIGGER ... BEGIN ... END */
	{ SL, "CREATE TRIGGER t AFTER INSERT ON x BEGIN\n  INSERT INTO y "
	      "VALUES (1);\n  UPDATE z SET a = 1;\nEND;\nSELECT 1;", 1, 2,
	  { { "CREATE TRIGGER t AFTER INSERT ON x BEGIN\n  INSERT INTO y "
	      "VALUES (1);\n  UPDATE z SET a = 1;\nEND", 1 },
	    { "SELECT 1", 5 } } },
	{ SL, "create trigger t after update on x begin update y set a = case "
	      "when new.a then 1 else 2 end; end; select 2", 1, 2,
	  { { "create trigger t after update on x begin update y set a = case "
	      "when new.a then 1 else 2 end; end", 1 }, { "select 2", 1 } } },
	/* 70 */
	{ SL, "create temp trigger t after insert on x begin select 1; end;"
	      "create temporary trigger if not exists u after insert on x "
	      "begin select 2; end", 1, 2,
	  { { "create temp trigger t after insert on x begin select 1; end",
	      1 }, { "create temporary trigger if not exists u after insert "
		     "on x begin select 2; end", 1 } } },
	{ SL, "create trigger t after insert on x begin select '; end;'; "
	      "end; select 2", 1, 2,
	  { { "create trigger t after insert on x begin select '; end;'; "
	      "end", 1 }, { "select 2", 1 } } },
	{ SL, "create trigger t after insert on x begin select 1; end -- c\n"
	      ";\nselect 2", 1, 2,
	  { { "create trigger t after insert on x begin select 1; end", 1 },
	    { "select 2", 3 } } },
	{ SL, "explain query plan create trigger t after insert on x begin "
	      "select 1; end; select 2", 1, 2,
	  { { "explain query plan create trigger t after insert on x begin "
	      "select 1; end", 1 }, { "select 2", 1 } } },
	{ SL, "create table trigger_log (trigger text); end; select 1", 1, 3,
	  { { "create table trigger_log (trigger text)", 1 }, { "end", 1 },
	    { "select 1", 1 } } },
	/* 75 */
	{ SL, "create trigger t after insert on x begin\n  select 1;\n  "
	      "select 2;\nend  ;\n\n\ncreate index i on x(a);", 1, 2,
	  { { "create trigger t after insert on x begin\n  select 1;\n  "
	      "select 2;\nend", 1 }, { "create index i on x(a)", 7 } } },
	{ PG, "create trigger t after insert on x begin select 1; end", 1, 2,
	  { { "create trigger t after insert on x begin select 1", 1 },
	    { "end", 1 } } },
	/* a backslash that is not at the start of a line or statement */
	{ PG, "select '\n\\connect x\n';", 1, 1,
	  { { "select '\n\\connect x\n'", 1 } } },
	{ PG, "select 1 \\ 2;", 1, 1, { { "select 1 \\ 2", 1 } } },
	{ PG, "select /*\n\\x */ 1;", 1, 1, { { "select /*\n\\x */ 1", 1 } } },
	/* 80: numbers, operators */
	{ PG, "select 1.5e-3;select .5;select 1e'x;'", 1, 3,
	  { { "select 1.5e-3", 1 }, { "select .5", 1 },
	    { "select 1e'x;'", 1 } } },
	{ SL, "select x'00;ff'; select 2", 1, 2,
	  { { "select x'00;ff'", 1 }, { "select 2", 1 } } },
};

START_TEST(split_cases_table)
{
	const struct split_case *c = &split_cases[_i];
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	size_t k;
	int rc;

	rc = mg_sql_split(c->sql, strlen(c->sql), c->d, "t.sql",
			  c->first_line, &list, &err);
	ck_assert_msg(rc == MG_OK, "case %d: %s", _i, err.msg);
	ck_assert_msg(list.n == c->n, "case %d: %zu statements, want %zu",
		      _i, list.n, c->n);
	for (k = 0; k < list.n && k < MAX_WANT; k++) {
		const struct mg_stmt *s = &list.v[k];

		ck_assert_msg(s->len == strlen(c->want[k].text) &&
			      memcmp(c->sql + s->off, c->want[k].text,
				     s->len) == 0,
			      "case %d, statement %zu: '%.*s'", _i, k,
			      (int)s->len, c->sql + s->off);
		ck_assert_msg(s->line == c->want[k].line,
			      "case %d, statement %zu: line %u, want %u", _i,
			      k, s->line, c->want[k].line);
	}
	mg_stmt_list_release(&list);
}
END_TEST

static const struct error_case {
	enum mg_dialect d;
	const char *sql;
	unsigned first_line;
	unsigned line;
	const char *msg;
} error_cases[] = {
	{ PG, "select 'abc", 1, 1, "unterminated quoted string" },
	{ SL, "select 'abc", 1, 1, "unterminated quoted string" },
	{ PG, "select 1;\n\nselect 'a\nb\nc", 1, 3,
	  "unterminated quoted string" },
	{ PG, "select E'abc\\'", 1, 1, "unterminated quoted string" },
	{ PG, "select 1;\n e'x\\\\\\'\n;", 1, 2, "unterminated quoted string" },
	/* 5 */
	{ PG, "select \"abc\n;", 1, 1, "unterminated quoted identifier" },
	{ SL, "select 1;\nselect [abc;\n", 1, 2,
	  "unterminated quoted identifier" },
	{ SL, "select `abc", 1, 1, "unterminated quoted identifier" },
	{ PG, "select 1; /* abc\n\n", 1, 1, "unterminated /* comment" },
	{ PG, "/* a /* b */\nselect 1;", 1, 1, "unterminated /* comment" },
	/* 10 */
	{ SL, "select 1;\n\n/* a\n", 5, 7, "unterminated /* comment" },
	{ PG, "select 1;\ncreate function f() returns int as $fn$\nbegin\n",
	  1, 2, "unterminated dollar-quoted string '$fn$'" },
	{ PG, "select $$abc$", 1, 1, "unterminated dollar-quoted string '$$'" },
	{ PG, "select $a$ x $A$;", 1, 1,
	  "unterminated dollar-quoted string '$a$'" },
	{ PG, "select 1;\ncreate function f() returns int language sql\n"
	      "begin atomic\nselect 1;\n", 1, 3,
	  "unterminated BEGIN ATOMIC body" },
	/* 15 */
	{ PG, "create procedure p() language sql begin atomic select case "
	      "when true then 1 end; ", 10, 10,
	  "unterminated BEGIN ATOMIC body" },
	{ SL, "create trigger t after insert on x\nbegin\n select 1;\n", 1, 2,
	  "unterminated CREATE TRIGGER body" },
	{ SL, "select 1;\ncreate\ntrigger t after insert on x;", 1, 2,
	  "unterminated CREATE TRIGGER body" },
	{ SL, "create trigger t after insert on x begin select 'a\n;end;", 1,
	  1, "unterminated quoted string" },
	{ PG, "select 1;\n  \\connect other\nselect 2;", 1, 2,
	  "psql meta-command '\\connect' is not SQL" },
	/* 20 */
	{ PG, "select 1; \\x", 1, 1, "psql meta-command '\\x' is not SQL" },
	{ PG, "select\n\t\\gset\n", 1, 2,
	  "psql meta-command '\\gset' is not SQL" },
	{ PG, "\\! ls", 1, 1, "psql meta-command '\\!' is not SQL" },
	{ SL, "select 1;\n\n\\connect x", 20, 22,
	  "psql meta-command '\\connect' is not SQL" },
	{ PG, "create function f() returns int language sql begin atomic\n"
	      "\\i other.sql\nend;", 1, 2,
	  "psql meta-command '\\i' is not SQL" },
};

START_TEST(split_errors)
{
	const struct error_case *c = &error_cases[_i];
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	int rc;

	rc = mg_sql_split(c->sql, strlen(c->sql), c->d, "v/0001_x.sql",
			  c->first_line, &list, &err);
	ck_assert_msg(rc == MG_ECONFIG, "case %d: rc %d", _i, rc);
	ck_assert_int_eq(err.code, MG_ECONFIG);
	ck_assert_str_eq(err.msg, c->msg);
	ck_assert_str_eq(err.file, "v/0001_x.sql");
	ck_assert_msg(err.line == c->line, "case %d: line %u, want %u", _i,
		      err.line, c->line);
	ck_assert_uint_eq(list.n, 0);
	mg_stmt_list_release(&list);
}
END_TEST

/* New statements are appended; on error the list is left as it was. */
START_TEST(split_appends_and_keeps_on_error)
{
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	const char *a = "select 1; select 2", *b = "select 3; select 'x";

	ck_assert_int_eq(mg_sql_split(a, strlen(a), PG, "a.sql", 1, &list,
				      &err), MG_OK);
	ck_assert_int_eq(mg_sql_split(a, strlen(a), SL, "a.sql", 4, &list,
				      &err), MG_OK);
	ck_assert_uint_eq(list.n, 4);
	ck_assert_uint_eq(list.v[3].off, 10);
	ck_assert_uint_eq(list.v[3].line, 4);
	ck_assert_int_eq(mg_sql_split(b, strlen(b), PG, "b.sql", 1, &list,
				      &err), MG_ECONFIG);
	ck_assert_uint_eq(list.n, 4);
	/* a NULL text of length 0 is empty */
	ck_assert_int_eq(mg_sql_split(NULL, 0, PG, "c.sql", 1, &list, &err),
			 MG_OK);
	ck_assert_uint_eq(list.n, 4);
	mg_stmt_list_release(&list);
	ck_assert_ptr_null(list.v);
	ck_assert_uint_eq(list.n, 0);
	mg_stmt_list_release(&list);
}
END_TEST

/* Only `len` bytes are read: a NUL or more text after them is ignored. */
START_TEST(split_honours_len)
{
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	const char *s = "select 1; select 'unterminated";

	ck_assert_int_eq(mg_sql_split(s, 9, PG, "t.sql", 1, &list, &err),
			 MG_OK);
	ck_assert_uint_eq(list.n, 1);
	ck_assert_uint_eq(list.v[0].len, 8);
	mg_stmt_list_release(&list);
	ck_assert_int_eq(mg_sql_split("select '\0;'; x", 15, SL, "t.sql", 1,
				      &list, &err), MG_OK);
	ck_assert_uint_eq(list.n, 2);
	ck_assert_uint_eq(list.v[0].len, 11);
	mg_stmt_list_release(&list);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */

struct fixture {
	char *text;
	size_t len;
	struct mg_stmt_list list;
};

static void split_file(struct fixture *f, const char *path,
		       enum mg_dialect d)
{
	struct mg_error err = MG_ERROR_INIT;
	int rc;

	f->list = (struct mg_stmt_list)MG_STMT_LIST_INIT;
	rc = mg_read_file(path, &f->text, &f->len, &err);
	ck_assert_msg(rc == MG_OK, "%s: %s", path, err.msg);
	rc = mg_sql_split(f->text, f->len, d, path, 1, &f->list, &err);
	ck_assert_msg(rc == MG_OK, "%s:%u: %s", err.file, err.line, err.msg);
}

static void fixture_release(struct fixture *f)
{
	mg_stmt_list_release(&f->list);
	free(f->text);
}

static int stmt_eq(const struct fixture *f, size_t i, const char *want)
{
	return f->list.v[i].len == strlen(want) &&
	       memcmp(f->text + f->list.v[i].off, want, strlen(want)) == 0;
}

/*
 * What holds for every statement of a fixture: its line is the line of
 * its first byte; it starts and ends with neither white space nor a
 * semicolon; and, split again on its own, it is one statement, itself.
 */
static void check_invariants(const struct fixture *f, enum mg_dialect d)
{
	size_t i, j;
	unsigned line = 1;
	size_t pos = 0;

	for (i = 0; i < f->list.n; i++) {
		const struct mg_stmt *s = &f->list.v[i];
		const char *t = f->text + s->off;
		struct mg_stmt_list again = MG_STMT_LIST_INIT;
		struct mg_error err = MG_ERROR_INIT;

		ck_assert(s->off >= pos && s->len > 0);
		for (j = pos; j < s->off; j++)
			line += f->text[j] == '\n';
		pos = s->off;
		ck_assert_msg(s->line == line,
			      "statement %zu: line %u, want %u", i, s->line,
			      line);
		ck_assert(!strchr(" \t\r\n;", t[0]));
		ck_assert(!strchr(" \t\r\n;", t[s->len - 1]));
		ck_assert_int_eq(mg_sql_split(t, s->len, d, "x", s->line,
					      &again, &err), MG_OK);
		ck_assert_uint_eq(again.n, 1);
		ck_assert_uint_eq(again.v[0].off, 0);
		ck_assert_uint_eq(again.v[0].len, s->len);
		ck_assert_uint_eq(again.v[0].line, s->line);
		mg_stmt_list_release(&again);
	}
}

static const unsigned pg_dump_lines[] = {
	9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 24, 27, 33, 40, 44, 50, 58,
	64, 70, 76, 80, 86, 91, 93, 95, 101, 109, 115, 123, 129, 143, 149,
	161, 167, 179, 185, 200, 206, 213, 221, 227, 234, 242, 248, 255, 261,
	273, 279, 286, 293, 301, 307, 315, 321, 329, 335, 344, 350, 358, 364,
	371, 378, 385, 392, 400, 408, 416, 423, 435, 443, 450, 458, 465,
};

START_TEST(fixture_pg_dump)
{
	struct fixture f;
	size_t i;

	split_file(&f, FIX "sql/pg_dump_schema.sql", PG);
	ck_assert_uint_eq(f.list.n, MG_ARRAY_SIZE(pg_dump_lines));
	for (i = 0; i < f.list.n; i++)
		ck_assert_msg(f.list.v[i].line == pg_dump_lines[i],
			      "statement %zu: line %u, want %u", i,
			      f.list.v[i].line, pg_dump_lines[i]);
	ck_assert(stmt_eq(&f, 0, "SET statement_timeout = 0"));
	ck_assert(stmt_eq(&f, 29,
		"CREATE PROCEDURE app.archive(IN cutoff timestamp with time "
		"zone)\n"
		"    LANGUAGE sql\n"
		"    BEGIN ATOMIC\n"
		" INSERT INTO app.audit_archive (id, user_id, action, at)  "
		"SELECT audit_log.id,\n"
		"             audit_log.user_id,\n"
		"             audit_log.action,\n"
		"             audit_log.at\n"
		"            FROM app.audit_log\n"
		"           WHERE (audit_log.at < archive.cutoff);\n"
		" DELETE FROM app.audit_log\n"
		"   WHERE (audit_log.at < archive.cutoff);\n"
		"END"));
	ck_assert(stmt_eq(&f, 31,
		"CREATE FUNCTION app.classify(n integer) RETURNS text\n"
		"    LANGUAGE sql IMMUTABLE\n"
		"    BEGIN ATOMIC\n"
		" SELECT\n"
		"         CASE\n"
		"             WHEN (n < 0) THEN 'neg;'::text\n"
		"             WHEN (n = 0) THEN 'zero'::text\n"
		"             ELSE 'pos'::text\n"
		"         END AS \"case\";\n"
		"END"));
	ck_assert(stmt_eq(&f, 35,
		"CREATE FUNCTION app.weird(x integer) RETURNS text\n"
		"    LANGUAGE plpgsql\n"
		"    AS $_$\n"
		"DECLARE\n"
		"    s text := $$dollar $inner$ text; $$;\n"
		"BEGIN\n"
		"    IF x > 0 THEN\n"
		"        RETURN s || 'positive;';\n"
		"    ELSE\n"
		"        RETURN $q$it's 'quoted'; $q$;\n"
		"    END IF;\n"
		"END\n"
		"$_$"));
	ck_assert(stmt_eq(&f, 67,
		"CREATE RULE log_view_insert AS\n"
		"    ON INSERT TO app.happy_users DO INSTEAD ( INSERT INTO "
		"app.users (email, \"Display Name\", mood)\n"
		"  VALUES (new.email, new.\"Display Name\", "
		"'happy;yes'::app.mood);\n"
		" INSERT INTO app.audit_log (action)\n"
		"  VALUES ('view insert'::text);\n"
		")"));
	ck_assert(stmt_eq(&f, 72,
		"ALTER TABLE app.users ENABLE ROW LEVEL SECURITY"));
	check_invariants(&f, PG);
	for (i = 0; i < f.list.n; i++)
		ck_assert_ptr_null(mg_sql_needs_no_tx(f.text + f.list.v[i].off,
						      f.list.v[i].len));
	fixture_release(&f);
}
END_TEST

/* pg_dump 15.14 and later writes \restrict: the real header, kept. */
START_TEST(fixture_pg_dump_restrict)
{
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	const char *path = FIX "sql/pg_dump_restrict.sql";
	char *text;
	size_t len;

	ck_assert_int_eq(mg_read_file(path, &text, &len, &err), MG_OK);
	ck_assert_int_eq(mg_sql_split(text, len, PG, path, 1, &list, &err),
			 MG_ECONFIG);
	ck_assert_str_eq(err.msg, "psql meta-command '\\restrict' is not SQL");
	ck_assert_str_eq(err.file, path);
	ck_assert_uint_eq(err.line, 5);
	ck_assert_uint_eq(list.n, 0);
	mg_stmt_list_release(&list);
	free(text);
}
END_TEST

static const unsigned sqlite_dump_lines[] = {
	1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 26, 33, 34, 39,
};

START_TEST(fixture_sqlite_dump)
{
	struct fixture f;
	size_t i;

	split_file(&f, FIX "sql/sqlite_dump.sql", SL);
	ck_assert_uint_eq(f.list.n, MG_ARRAY_SIZE(sqlite_dump_lines));
	for (i = 0; i < f.list.n; i++)
		ck_assert_uint_eq(f.list.v[i].line, sqlite_dump_lines[i]);
	/* sqlite3 writes "END\n;" after a body that ends in a comment */
	ck_assert(stmt_eq(&f, 12,
		"CREATE TRIGGER users_ai AFTER INSERT ON users\n"
		"BEGIN\n"
		"    INSERT INTO audit_log(user_id, action) VALUES (new.id, "
		"'insert; END;');\n"
		"    -- a comment ; END ;\n"
		"    UPDATE counters SET n = n + 1 WHERE \"name;x\" = "
		"'users';\n"
		"END"));
	ck_assert(stmt_eq(&f, 5, "INSERT INTO audit_log VALUES(1,1,'insert; "
			  "END;','2026-11-22 05:15:05')"));
	ck_assert(stmt_eq(&f, 16, "COMMIT"));
	check_invariants(&f, SL);
	fixture_release(&f);
}
END_TEST

static const unsigned sqlite_trigger_lines[] = {
	1, 8, 9, 10, 12, 18, 25, 30, 31, 36, 37,
};

START_TEST(fixture_sqlite_triggers)
{
	struct fixture f;
	size_t i;

	split_file(&f, FIX "sql/sqlite_triggers.sql", SL);
	ck_assert_uint_eq(f.list.n, MG_ARRAY_SIZE(sqlite_trigger_lines));
	for (i = 0; i < f.list.n; i++)
		ck_assert_uint_eq(f.list.v[i].line, sqlite_trigger_lines[i]);
	ck_assert(stmt_eq(&f, 5,
		"CREATE TRIGGER users_au AFTER UPDATE OF email ON users\n"
		"WHEN old.email <> new.email\n"
		"BEGIN\n"
		"    INSERT INTO audit_log(user_id, action)\n"
		"        VALUES (new.id, CASE WHEN new.email LIKE "
		"'%@example.com' THEN 'internal' ELSE 'external' END);\n"
		"    UPDATE counters SET n = CASE WHEN n > 100 THEN 0 ELSE "
		"n + 1 END WHERE \"name;x\" = 'updates';\n"
		"END"));
	ck_assert(stmt_eq(&f, 6,
		"CREATE TEMP TRIGGER IF NOT EXISTS users_bd BEFORE DELETE ON "
		"users\n"
		"FOR EACH ROW WHEN (SELECT count(*) FROM audit_log WHERE "
		"user_id = old.id) > 0\n"
		"BEGIN\n"
		"    SELECT RAISE(ABORT, 'has audit rows; cannot delete');\n"
		"END"));
	check_invariants(&f, SL);
	fixture_release(&f);
}
END_TEST

/* ------------------------------------------------------------------ */

static const struct no_tx_case {
	const char *sql;
	const char *want;
} no_tx_cases[] = {
	{ "CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX CONCURRENTLY" },
	{ "create unique index concurrently if not exists i on t (a)",
	  "CREATE INDEX CONCURRENTLY" },
	{ "  -- why\n/* x /* y */ */ Create\tIndex\nConcurrently i on t(a)",
	  "CREATE INDEX CONCURRENTLY" },
	{ "CREATE INDEX i ON t (a)", NULL },
	{ "CREATE INDEX concurrently_i ON t (a)", NULL },
	{ "CREATE INDEX \"concurrently\" ON t (a)", NULL },
	{ "DROP INDEX CONCURRENTLY IF EXISTS i", "DROP INDEX CONCURRENTLY" },
	{ "DROP INDEX i", NULL },
	{ "REINDEX INDEX CONCURRENTLY i", "REINDEX CONCURRENTLY" },
	{ "reindex table concurrently t", "REINDEX CONCURRENTLY" },
	{ "REINDEX (VERBOSE, CONCURRENTLY) TABLE t", "REINDEX CONCURRENTLY" },
	{ "REINDEX (CONCURRENTLY on) INDEX i", "REINDEX CONCURRENTLY" },
	{ "REINDEX (CONCURRENTLY false) TABLE t", NULL },
	{ "REINDEX (CONCURRENTLY 0, VERBOSE) TABLE t", NULL },
	{ "REINDEX TABLE t", NULL },
	{ "REINDEX SCHEMA public", "REINDEX SCHEMA" },
	{ "REINDEX DATABASE d", "REINDEX DATABASE" },
	{ "REINDEX (VERBOSE) SYSTEM d", "REINDEX SYSTEM" },
	{ "VACUUM", "VACUUM" },
	{ "vacuum (analyze, verbose) t", "VACUUM" },
	{ "ANALYZE t", NULL },
	{ "CREATE DATABASE d", "CREATE DATABASE" },
	{ "DROP DATABASE IF EXISTS d", "DROP DATABASE" },
	{ "CREATE TABLESPACE ts LOCATION '/x'", "CREATE TABLESPACE" },
	{ "DROP TABLESPACE ts", "DROP TABLESPACE" },
	{ "ALTER SYSTEM SET work_mem = '4MB'", "ALTER SYSTEM" },
	{ "ALTER DATABASE d SET TABLESPACE x",
	  "ALTER DATABASE SET TABLESPACE" },
	{ "ALTER DATABASE \"my db\" SET TABLESPACE x",
	  "ALTER DATABASE SET TABLESPACE" },
	{ "ALTER DATABASE d SET work_mem = '4MB'", NULL },
	{ "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY",
	  "ALTER TABLE DETACH PARTITION CONCURRENTLY" },
	{ "ALTER TABLE s.p DETACH PARTITION s.p1", NULL },
	{ "ALTER TABLE t ADD COLUMN concurrently int", NULL },
	{ "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p",
	  "CREATE SUBSCRIPTION" },
	{ "DROP SUBSCRIPTION s", "DROP SUBSCRIPTION" },
	{ "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
	  "ALTER SUBSCRIPTION REFRESH PUBLICATION" },
	{ "ALTER SUBSCRIPTION s DISABLE", NULL },
	{ "COMMIT PREPARED 'x'", "COMMIT PREPARED" },
	{ "ROLLBACK PREPARED 'x'", "ROLLBACK PREPARED" },
	{ "COMMIT", NULL },
	{ "DISCARD ALL", "DISCARD ALL" },
	{ "DISCARD PLANS", NULL },
	{ "ALTER TYPE e ADD VALUE 'b'", NULL },
	{ "CLUSTER", NULL },
	{ "REFRESH MATERIALIZED VIEW CONCURRENTLY m", NULL },
	{ "SELECT 'VACUUM'", NULL },
	{ "CREATE TABLE vacuum (a int)", NULL },
	{ "/* VACUUM */ SELECT 1", NULL },
	{ "", NULL },
	{ "-- only a comment", NULL },
	{ "/* unterminated", NULL },
};

START_TEST(needs_no_tx)
{
	const struct no_tx_case *c = &no_tx_cases[_i];
	const char *got = mg_sql_needs_no_tx(c->sql, strlen(c->sql));

	if (c->want)
		ck_assert_msg(got && strcmp(got, c->want) == 0,
			      "'%s': got %s", c->sql, got ? got : "NULL");
	else
		ck_assert_msg(got == NULL, "'%s': got %s", c->sql, got);
}
END_TEST

START_TEST(needs_no_tx_honours_len)
{
	const char *s = "CREATE INDEX CONCURRENTLY i ON t (a)";

	ck_assert_ptr_null(mg_sql_needs_no_tx(s, 12));
	ck_assert_str_eq(mg_sql_needs_no_tx(s, 25),
			 "CREATE INDEX CONCURRENTLY");
	ck_assert_ptr_null(mg_sql_needs_no_tx("VACUUM", 0));
	ck_assert_ptr_null(mg_sql_needs_no_tx(NULL, 0));
}
END_TEST

static const struct pos_case {
	const char *stmt;
	unsigned long pos;
	unsigned want;
} pos_cases[] = {
	{ "select 1", 1, 0 },
	{ "select\n1", 8, 1 },
	{ "select\n1", 7, 0 },     /* the newline itself */
	{ "a\nb\nc", 5, 2 },
	{ "a\nb\nc", 100, 2 },     /* past the end: all of them */
	{ "a\nb\nc", 0, 0 },
	{ "", 1, 0 },
	{ "\xc3\xa9\nx", 3, 1 },   /* é is one character */
	{ "\xc3\xa9\nx", 2, 0 },
	/* '日本語' is 5 characters but 11 bytes */
	{ "'\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e'\n\nx", 8, 2 },
	{ "'\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e'\n\nx", 7, 1 },
	{ "'\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e'\n\nx", 6, 0 },
	/* four-byte characters */
	{ "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\n\xf0\x9f\x98\x80 x", 5, 1 },
	{ "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\n\xf0\x9f\x98\x80 x", 2, 0 },
};

START_TEST(pos_to_line_offset)
{
	const struct pos_case *c = &pos_cases[_i];

	ck_assert_msg(mg_sql_pos_to_line_offset(c->stmt, strlen(c->stmt),
						c->pos) == c->want,
		      "case %d", _i);
}
END_TEST

Suite *sqlsplit_suite(void)
{
	Suite *s = suite_create("sqlsplit");
	TCase *tc = tcase_create("split");

	tcase_add_loop_test(tc, split_cases_table, 0,
			    (int)MG_ARRAY_SIZE(split_cases));
	tcase_add_loop_test(tc, split_errors, 0,
			    (int)MG_ARRAY_SIZE(error_cases));
	tcase_add_test(tc, split_appends_and_keeps_on_error);
	tcase_add_test(tc, split_honours_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("fixtures");
	tcase_add_test(tc, fixture_pg_dump);
	tcase_add_test(tc, fixture_pg_dump_restrict);
	tcase_add_test(tc, fixture_sqlite_dump);
	tcase_add_test(tc, fixture_sqlite_triggers);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_loop_test(tc, needs_no_tx, 0,
			    (int)MG_ARRAY_SIZE(no_tx_cases));
	tcase_add_test(tc, needs_no_tx_honours_len);
	tcase_add_loop_test(tc, pos_to_line_offset, 0,
			    (int)MG_ARRAY_SIZE(pos_cases));
	suite_add_tcase(s, tc);
	return s;
}
