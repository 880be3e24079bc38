/*
 * check_schema_pg.c - the normalised schema dump (lib/schema.c) on a
 * real, throwaway PostgreSQL server (pg_harness.c), through the backend
 * vtable only.
 *
 * Each test gets a fresh database.  Without initdb the suite has no
 * tests and says SKIPPED on stderr.
 */
#define _DEFAULT_SOURCE
#include "mg.h"
#include "pg_harness.h"
#include "schema.h"
#include "suites.h"
#include "testutil.h"

#define OPS (&mg_db_pg_ops)

static const char *const exclude[] = { "alembic_version", "migrate_history" };

static char *db_url; /* this test's database, over the socket */
static char *db_name;

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static void cluster_setup(void)
{
	/* unchecked: runs in the runner's process, must not assert */
	pg_harness_start();
}

static void db_setup(void)
{
	ck_assert_msg(pg_harness_start() == 0,
		      "the PostgreSQL cluster did not start (log printed "
		      "above)");
	db_url = pg_harness_new_db("schema", &db_name);
	ck_assert_msg(db_url != NULL, "cannot create a test database");
}

static void db_teardown(void)
{
	pg_harness_drop_db(db_name);
	free(db_url);
	free(db_name);
	db_url = db_name = NULL;
}

/* A new connection to `url`; asserts success. */
static struct mg_db *open_url(const char *url)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_url u;
	struct mg_db *db = NULL;

	ck_assert_msg(mg_url_parse(&u, url, &err) == MG_OK, "%s", err.msg);
	ck_assert_msg(OPS->open(&db, &u, NULL, &err) == MG_OK, "open: %s",
		      err.msg);
	mg_url_release(&u);
	return db;
}

/* Run every statement of a script; asserts success. */
static void run(struct mg_db *db, const char *sql)
{
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	size_t i;

	ck_assert_msg(mg_sql_split(sql, strlen(sql), MG_DIALECT_PG,
				   "script.sql", 1, &list, &err) == MG_OK,
		      "split: %s", err.msg);
	for (i = 0; i < list.n; i++)
		ck_assert_msg(OPS->exec(db, sql + list.v[i].off,
					list.v[i].len, NULL, &err) == MG_OK,
			      "%.*s: %s", (int)list.v[i].len,
			      sql + list.v[i].off, err.msg);
	mg_stmt_list_release(&list);
}

/* How many queries the dump ran (counted by a wrapping vtable). */
static unsigned nqueries;

static int counting_query(struct mg_db *db, const char *sql, int n,
			  const char *const *values, mg_row_fn row,
			  void *user, struct mg_error *err)
{
	nqueries++;
	return OPS->query(db, sql, n, values, row, user, err);
}

/* The dump of db (text or JSON); asserts success. */
static char *dump(struct mg_db *db, int json)
{
	struct mg_db_ops ops = *OPS;
	struct mg_error err = MG_ERROR_INIT;
	char *out = NULL;

	ops.query = counting_query;
	nqueries = 0;
	ck_assert_msg(mg_schema_dump(&ops, db, MG_DIALECT_PG, exclude,
				     MG_ARRAY_SIZE(exclude), json, &out,
				     &err) == MG_OK, "dump: %s", err.msg);
	ck_assert_ptr_nonnull(out);
	return out;
}

/* The text dump of this test's database after `sql`. */
static char *dump_after(const char *sql)
{
	struct mg_db *db = open_url(db_url);
	char *out;

	run(db, sql);
	out = dump(db, 0);
	OPS->close(db);
	return out;
}

/* The text dump of a second, fresh database after `sql`. */
static char *dump_fresh(const char *tag, const char *sql)
{
	char *name = NULL, *url = pg_harness_new_db(tag, &name), *out;
	struct mg_db *db;

	ck_assert_msg(url != NULL, "cannot create a test database");
	db = open_url(url);
	run(db, sql);
	out = dump(db, 0);
	OPS->close(db);
	pg_harness_drop_db(name);
	free(name);
	free(url);
	return out;
}

/* Assert two strings are equal, showing their diff when not. */
static void assert_same(const char *want, const char *have)
{
	char *d = mg_text_diff(want, have, "want", "have");

	ck_assert_msg(d == NULL, "dumps differ:\n%s", d ? d : "");
}

/* ------------------------------------------------------------------ */
/* Every kind of element, exactly                                       */

static const char every_kind_sql[] =
	"CREATE SCHEMA billing;\n"
	"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n"
	"CREATE DOMAIN posint AS integer NOT NULL DEFAULT 1\n"
	"\tCONSTRAINT posint_positive CHECK (VALUE > 0);\n"
	"CREATE TYPE pair AS (a integer, b text);\n"
	"CREATE TABLE users (\n"
	"\tid bigserial PRIMARY KEY,\n"
	"\temail text NOT NULL UNIQUE,\n"
	"\tname text COLLATE \"C\",\n"
	"\tactive boolean NOT NULL DEFAULT true,\n"
	"\tscore posint,\n"
	"\tfeeling mood,\n"
	"\tn integer GENERATED ALWAYS AS IDENTITY,\n"
	"\ttwice integer GENERATED ALWAYS AS (n * 2) STORED,\n"
	"\tdeleted_at timestamptz,\n"
	"\tCONSTRAINT users_email_check CHECK (email LIKE '%@%')\n"
	");\n"
	"CREATE INDEX users_email_live_idx ON users (lower(email) DESC)\n"
	"\tINCLUDE (name) WHERE deleted_at IS NULL;\n"
	"CREATE TABLE billing.invoices (\n"
	"\tid integer PRIMARY KEY,\n"
	"\tuser_id bigint REFERENCES users (id) ON DELETE SET NULL\n"
	"\t\tON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,\n"
	"\tduring tstzrange,\n"
	"\tEXCLUDE USING gist (during WITH &&)\n"
	");\n"
	"CREATE INDEX invoices_during_idx ON billing.invoices USING gist "
	"(during);\n"
	"CREATE UNLOGGED TABLE scratch (k text);\n"
	"CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE "
	"(at);\n"
	"CREATE TABLE events_2026 PARTITION OF events\n"
	"\tFOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
	"CREATE SEQUENCE billing.invoice_no AS integer START 1000 INCREMENT "
	"10\n"
	"\tCACHE 5 CYCLE;\n"
	"CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"begin\n"
	"\tnew.deleted_at := null;\n"
	"\treturn new;\n"
	"end\n"
	"$$;\n"
	"CREATE TRIGGER users_touch BEFORE UPDATE ON users\n"
	"\tFOR EACH ROW EXECUTE FUNCTION touch();\n"
	"CREATE VIEW live_users AS\n"
	"\tSELECT id, email FROM users WHERE deleted_at IS NULL;\n"
	"CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM "
	"users;\n";

static const char every_kind_dump[] =
	"table events\n"
	"  partition by RANGE (at)\n"
	"  column at date not null\n"
	"  column id bigint\n"
	"\n"
	"table events_2026\n"
	"  partition of events FOR VALUES FROM ('2026-01-01') TO "
	"('2027-01-01')\n"
	"  column at date not null\n"
	"  column id bigint\n"
	"\n"
	"table scratch\n"
	"  unlogged\n"
	"  column k text\n"
	"\n"
	"table users\n"
	"  column active boolean not null default true\n"
	"  column deleted_at timestamp with time zone\n"
	"  column email text not null\n"
	"  column feeling mood\n"
	"  column id bigint not null default "
	"nextval('users_id_seq'::regclass)\n"
	"  column n integer not null generated always as identity\n"
	"  column name text collate \"C\"\n"
	"  column score posint\n"
	"  column twice integer generated always as (n * 2) stored\n"
	"  primary key users_pkey (id)\n"
	"  unique users_email_key (email)\n"
	"  check users_email_check (email ~~ '%@%'::text)\n"
	"  index users_email_live_idx on (lower(email) DESC) INCLUDE (name) "
	"where (deleted_at IS NULL)\n"
	"  trigger users_touch BEFORE UPDATE ON public.users FOR EACH ROW "
	"EXECUTE FUNCTION touch()\n"
	"\n"
	"table billing.invoices\n"
	"  column during tstzrange\n"
	"  column id integer not null\n"
	"  column user_id bigint\n"
	"  primary key invoices_pkey (id)\n"
	"  foreign key invoices_user_id_fkey (user_id) references users (id) "
	"on update cascade on delete set null deferrable initially deferred\n"
	"  exclude invoices_during_excl USING gist (during WITH &&)\n"
	"  index invoices_during_idx on (during) using gist\n"
	"\n"
	"view live_users\n"
	"  as SELECT users.id, users.email FROM users WHERE (users.deleted_at "
	"IS NULL)\n"
	"\n"
	"materialized view user_count\n"
	"  as SELECT count(*) AS n FROM users\n"
	"\n"
	"sequence users_id_seq bigint start 1 increment 1 owned by users.id\n"
	"sequence billing.invoice_no integer start 1000 increment 10 cache 5 "
	"cycle\n"
	"\n"
	"type mood enum ('sad', 'ok', 'happy')\n"
	"type pair composite (a integer, b text)\n"
	"type posint domain integer not null default 1 check posint_positive "
	"(VALUE > 0)\n"
	"\n"
	"function touch()\n"
	"  CREATE OR REPLACE FUNCTION public.touch()\n"
	"   RETURNS trigger\n"
	"   LANGUAGE plpgsql\n"
	"  AS $function$\n"
	"  begin\n"
	"  \tnew.deleted_at := null;\n"
	"  \treturn new;\n"
	"  end\n"
	"  $function$\n";

START_TEST(every_kind)
{
	char *out = dump_after(every_kind_sql);

	assert_same(every_kind_dump, out);
	/* one query per kind of object, however many tables */
	ck_assert_uint_eq(nqueries, 9);
	free(out);
}
END_TEST

/* The same schema, built in another order and by other means. */
static const char every_kind_reordered_sql[] =
	"CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"begin\n"
	"\tnew.deleted_at := null;\n"
	"\treturn new;\n"
	"end\n"
	"$$;\n"
	"CREATE TYPE pair AS (a integer, b text);\n"
	"CREATE TABLE events (at date NOT NULL, id bigint) PARTITION BY RANGE "
	"(at);\n"
	"CREATE TABLE events_2026 PARTITION OF events\n"
	"\tFOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
	"CREATE DOMAIN posint AS integer DEFAULT 1 NOT NULL;\n"
	"ALTER DOMAIN posint ADD CONSTRAINT posint_positive CHECK (VALUE > "
	"0);\n"
	"CREATE TYPE mood AS ENUM ('sad', 'happy');\n"
	"ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';\n"
	"CREATE SEQUENCE users_id_seq;\n"
	"CREATE TABLE users (\n"
	"\tn integer GENERATED ALWAYS AS IDENTITY,\n"
	"\ttwice integer GENERATED ALWAYS AS (n * 2) STORED,\n"
	"\tid bigint NOT NULL DEFAULT nextval('users_id_seq'),\n"
	"\tdeleted_at timestamptz\n"
	");\n"
	"ALTER SEQUENCE users_id_seq OWNED BY users.id;\n"
	"ALTER TABLE users ADD COLUMN name text COLLATE \"C\",\n"
	"\tADD COLUMN email text NOT NULL, ADD COLUMN feeling mood,\n"
	"\tADD COLUMN score posint, ADD COLUMN active boolean DEFAULT true;\n"
	"ALTER TABLE users ALTER COLUMN active SET NOT NULL;\n"
	"CREATE TRIGGER users_touch BEFORE UPDATE ON users\n"
	"\tFOR EACH ROW EXECUTE FUNCTION touch();\n"
	"CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM "
	"users;\n"
	"CREATE VIEW live_users AS SELECT id, email\n"
	"\tFROM users WHERE deleted_at IS NULL;\n"
	"CREATE INDEX users_email_live_idx ON users (lower(email) DESC)\n"
	"\tINCLUDE (name) WHERE deleted_at IS NULL;\n"
	"ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email LIKE "
	"'%@%'),\n"
	"\tADD CONSTRAINT users_email_key UNIQUE (email),\n"
	"\tADD CONSTRAINT users_pkey PRIMARY KEY (id);\n"
	"CREATE SCHEMA billing;\n"
	"CREATE SEQUENCE billing.invoice_no AS integer INCREMENT 10 START "
	"1000\n"
	"\tCYCLE CACHE 5;\n"
	"CREATE TABLE billing.invoices (during tstzrange, user_id bigint,\n"
	"\tid integer PRIMARY KEY);\n"
	"CREATE INDEX invoices_during_idx ON billing.invoices USING gist "
	"(during);\n"
	"ALTER TABLE billing.invoices ADD CONSTRAINT invoices_during_excl\n"
	"\tEXCLUDE USING gist (during WITH &&);\n"
	"ALTER TABLE billing.invoices ADD CONSTRAINT invoices_user_id_fkey\n"
	"\tFOREIGN KEY (user_id) REFERENCES users (id) ON UPDATE CASCADE\n"
	"\tON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;\n"
	"CREATE UNLOGGED TABLE scratch (k text);\n";

START_TEST(order_does_not_matter)
{
	char *a = dump_after(every_kind_sql);
	char *b = dump_fresh("schema_b", every_kind_reordered_sql);

	assert_same(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(empty_database)
{
	char *out = dump_after("");

	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

/* The tool's own tables, as it creates them, in public and elsewhere. */
START_TEST(excluded_tables_left_out)
{
	struct mg_db *db = open_url(db_url);
	struct mg_buf sql = MG_BUF_INIT;
	char *out;

	mg_version_create_sql(&sql, MG_DIALECT_PG, NULL, "alembic_version");
	mg_buf_puts(&sql, ";\n");
	mg_history_create_sql(&sql, MG_DIALECT_PG, NULL, "migrate_history");
	mg_buf_puts(&sql, ";\nCREATE SCHEMA tool;\n");
	mg_version_create_sql(&sql, MG_DIALECT_PG, "tool", "alembic_version");
	mg_buf_puts(&sql, ";\n");
	mg_history_create_sql(&sql, MG_DIALECT_PG, "tool", "migrate_history");
	mg_buf_puts(&sql, ";\n");
	run(db, mg_buf_str(&sql));
	out = dump(db, 0);
	ck_assert_str_eq(out, "");
	free(out);
	run(db, "CREATE TABLE t (v varchar(32) "
		"REFERENCES alembic_version (version_num));");
	out = dump(db, 0);
	ck_assert_str_eq(out,
			 "table t\n"
			 "  column v character varying(32)\n"
			 "  foreign key t_v_fkey (v) references "
			 "alembic_version (version_num)\n");
	free(out);
	mg_buf_release(&sql);
	OPS->close(db);
}
END_TEST

START_TEST(add_then_drop_column)
{
	struct mg_db *db = open_url(db_url);
	char *before, *after;

	run(db, every_kind_sql);
	before = dump(db, 0);
	run(db, "ALTER TABLE users ADD COLUMN display_name text;\n"
		"CREATE INDEX users_display_name_idx ON users "
		"(lower(display_name)) WHERE display_name IS NOT NULL;\n"
		"ALTER TABLE users DROP COLUMN display_name;\n");
	after = dump(db, 0);
	assert_same(before, after);
	free(before);
	free(after);
	OPS->close(db);
}
END_TEST

/* Objects an extension owns are its own business: only its name shows. */
START_TEST(extension_members_left_out)
{
	char *out = dump_after("CREATE EXTENSION citext;\n"
			       "CREATE TABLE t (c citext);\n");

	ck_assert_str_eq(out,
			 "table t\n"
			 "  column c citext\n"
			 "\n"
			 "extension citext\n");
	free(out);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Changes show up in the diff                                          */

static const struct change_case {
	const char *name, *before, *after, *diff;
} change_cases[] = {
	{ "default",
	  "CREATE TABLE t (n int DEFAULT 0);",
	  "CREATE TABLE t (n int DEFAULT 1);",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -1,2 +1,2 @@\n"
	  " table t\n"
	  "-  column n integer default 0\n"
	  "+  column n integer default 1\n" },
	{ "nullability",
	  "CREATE TABLE t (n int);",
	  "CREATE TABLE t (n int NOT NULL);",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -1,2 +1,2 @@\n"
	  " table t\n"
	  "-  column n integer\n"
	  "+  column n integer not null\n" },
	{ "index predicate",
	  "CREATE TABLE t (a int, b int);\n"
	  "CREATE INDEX t_a ON t (a) WHERE b IS NULL;",
	  "CREATE TABLE t (a int, b int);\n"
	  "CREATE INDEX t_a ON t (a) WHERE b > 0;",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -1,4 +1,4 @@\n"
	  " table t\n"
	  "   column a integer\n"
	  "   column b integer\n"
	  "-  index t_a on (a) where (b IS NULL)\n"
	  "+  index t_a on (a) where (b > 0)\n" },
	{ "sequence left behind",
	  "CREATE TABLE t (id serial PRIMARY KEY);",
	  "CREATE TABLE t (id serial PRIMARY KEY);\n"
	  "CREATE SEQUENCE s START 5;",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -2,4 +2,5 @@\n"
	  "   column id integer not null default "
	  "nextval('t_id_seq'::regclass)\n"
	  "   primary key t_pkey (id)\n"
	  " \n"
	  "+sequence s bigint start 5 increment 1\n"
	  " sequence t_id_seq integer start 1 increment 1 owned by t.id\n" },
};

START_TEST(changes_show)
{
	const struct change_case *c = &change_cases[_i];
	char *a = dump_after(c->before), *b = dump_fresh("schema_b", c->after);
	char *d = mg_text_diff(a, b, "before", "after");

	ck_assert_msg(d != NULL, "%s: no difference", c->name);
	ck_assert_str_eq(d, c->diff);
	free(a);
	free(b);
	free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

START_TEST(json_model)
{
	struct mg_db *db = open_url(db_url);
	char *out;

	run(db, every_kind_sql);
	out = dump(db, 1);
	ck_assert_uint_eq(nqueries, 9);
	ck_assert_msg(strstr(out,
		"      \"foreign_keys\": [\n"
		"        {\n"
		"          \"columns\": [\n"
		"            \"user_id\"\n"
		"          ],\n"
		"          \"deferrable\": true,\n"
		"          \"definition\": \"(user_id) references users (id) "
		"on update cascade on delete set null deferrable initially "
		"deferred\",\n"
		"          \"initially_deferred\": true,\n"
		"          \"match\": null,\n"
		"          \"name\": \"invoices_user_id_fkey\",\n"
		"          \"on_delete\": \"set null\",\n"
		"          \"on_update\": \"cascade\",\n"
		"          \"references\": {\n"
		"            \"columns\": [\n"
		"              \"id\"\n"
		"            ],\n"
		"            \"table\": \"users\"\n"
		"          },\n"
		"          \"valid\": true\n"
		"        }\n"
		"      ],\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out,
		"    {\n"
		"      \"cache\": \"5\",\n"
		"      \"cycle\": true,\n"
		"      \"increment\": \"10\",\n"
		"      \"maxvalue\": null,\n"
		"      \"minvalue\": null,\n"
		"      \"name\": \"invoice_no\",\n"
		"      \"owned_by\": null,\n"
		"      \"schema\": \"billing\",\n"
		"      \"start\": \"1000\",\n"
		"      \"type\": \"integer\"\n"
		"    }\n") != NULL, "%s", out);
	free(out);
	OPS->close(db);
}
END_TEST

Suite *schema_pg_suite(void)
{
	Suite *s = suite_create("schema_pg");
	const char *only = getenv("CK_RUN_SUITE");
	TCase *tc;

	if (!pg_harness_bindir()) {
		if (!only || !strcmp(only, "schema_pg"))
			fprintf(stderr, "schema_pg: SKIPPED: no initdb found "
					"(set MG_PG_BINDIR)\n");
		return s;
	}
	tc = tcase_create("dump");
	tcase_add_unchecked_fixture(tc, cluster_setup, NULL);
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_kind);
	tcase_add_test(tc, order_does_not_matter);
	tcase_add_test(tc, empty_database);
	tcase_add_test(tc, excluded_tables_left_out);
	tcase_add_test(tc, add_then_drop_column);
	tcase_add_test(tc, extension_members_left_out);
	tcase_add_loop_test(tc, changes_show, 0, MG_ARRAY_SIZE(change_cases));
	tcase_add_test(tc, json_model);
	suite_add_tcase(s, tc);
	return s;
}
