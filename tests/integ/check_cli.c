/*
 * check_cli.c - the user-visible contract, through the real binary:
 * exit codes, messages with file:line, log lines, and what ends up in
 * the database.  Each scenario runs on SQLite (a temp file) and on the
 * throwaway PostgreSQL of pg_harness (a fresh database per test).
 */
#include "mg.h"
#include "suites.h"
#include "testutil.h"
#include "pg_harness.h"
#include "dbutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* _i of the loop tests: 0 = SQLite, 1 = PostgreSQL */
#define NBACKENDS_MAX 2

struct env {
	char *dir;   /* project folder: migrate.ini, versions/ */
	char *url;   /* the database */
	int pg;
};

/* The shared helpers of dbutil.c, on this env's database. */
#define db_open(e, ops) tdb_open((e)->url, (ops))
#define db_exec(e, sql) tdb_exec((e)->url, (sql))
#define db_has_table(e, name) tdb_has_table((e)->url, (name))
#define db_rows(e, sql) tdb_rows((e)->url, (sql))

static int pg_state = -2; /* pg_harness_start() result, -2 = not tried */

static void start_pg(void)
{
	if (pg_state == -2)
		pg_state = pg_harness_start();
}

static void env_init(struct env *e, int backend, const char *tag)
{
	memset(e, 0, sizeof(*e));
	e->dir = tu_mkdtemp(tag);
	e->pg = backend == 1;
	if (e->pg) {
		ck_assert_msg(pg_state == 0,
			      "PostgreSQL test cluster did not start; see %s",
			      pg_harness_log() ? pg_harness_log() : "stderr");
		e->url = pg_harness_new_db(tag, NULL);
		ck_assert_ptr_nonnull(e->url);
	} else {
		size_t n = strlen(e->dir) + 32;

		e->url = malloc(n);
		snprintf(e->url, n, "sqlite:///%s/test.db", e->dir);
	}
	tu_write(e->dir, "migrate.ini", "[migrate]\nscript_location = versions\n");
}

static void env_free(struct env *e)
{
	tu_rmrf(e->dir);
	free(e->dir);
	free(e->url);
}

/* Run migrate in the env's folder with DATABASE_URL set to its db. */
static int mig(struct env *e, struct tu_run *r, const char *const *argv)
{
	char url[4096];
	const char *envv[3];

	snprintf(url, sizeof(url), "DATABASE_URL=%s", e->url);
	envv[0] = url;
	envv[1] = "MIGRATE_CONFIG=";
	envv[2] = NULL;
	return tu_migrate(r, e->dir, envv, argv);
}

#define MIG(e, r, ...) \
	mig((e), (r), (const char *const[]){ __VA_ARGS__, NULL })

static void assert_versions(struct env *e, const char *expect)
{
	char *got;

	if (!db_has_table(e, "alembic_version")) {
		ck_assert_msg(!expect[0], "no version table, expected '%s'",
			      expect);
		return;
	}
	got = db_rows(e, "SELECT version_num FROM alembic_version "
			 "ORDER BY version_num");
	ck_assert_str_eq(got, expect);
	free(got);
}

/* A small chain of three units with real tables. */
static void write_chain(struct env *e)
{
	tu_write(e->dir, "versions/0001_a.sql",
		 "-- revision: 0001_a\n"
		 "-- down_revision: null\n"
		 "-- message: create a\n"
		 "-- migrate:upgrade\n"
		 "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
		 "-- migrate:downgrade\n"
		 "DROP TABLE a;\n");
	tu_write(e->dir, "versions/0002_b.sql",
		 "-- revision: 0002_b\n"
		 "-- down_revision: 0001_a\n"
		 "-- message: create b\n"
		 "-- migrate:upgrade\n"
		 "CREATE TABLE b (id INTEGER PRIMARY KEY,\n"
		 "  a_id INTEGER REFERENCES a (id) ON DELETE CASCADE);\n"
		 "INSERT INTO a (id, name) VALUES (1, 'x;y');\n"
		 "-- migrate:downgrade\n"
		 "DROP TABLE b;\n"
		 "DELETE FROM a;\n");
	tu_write(e->dir, "versions/0003_c.sql",
		 "-- revision: 0003_c\n"
		 "-- down_revision: 0002_b\n"
		 "-- message: create c\n"
		 "-- migrate:upgrade sqlite\n"
		 "CREATE TABLE c (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);\n"
		 "-- migrate:upgrade postgresql\n"
		 "CREATE TABLE c (id BIGSERIAL PRIMARY KEY, v TEXT);\n"
		 "-- migrate:downgrade\n"
		 "DROP TABLE c;\n");
}

static void assert_contains(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL,
		      "expected to find\n  %s\nin\n%s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) == NULL,
		      "did not expect\n  %s\nin\n%s", needle, hay);
}

/* ------------------------------------------------------------------ */

START_TEST(upgrade_head_then_idempotent)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "up");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "Running upgrade  -> 0001_a, create a (");
	assert_contains(r.err, "Running upgrade 0001_a -> 0002_b, create b (");
	assert_contains(r.err, "Running upgrade 0002_b -> 0003_c, create c (");
	assert_contains(r.err, " ms)\n");
	tu_run_release(&r);
	assert_versions(&e, "0003_c");
	ck_assert(db_has_table(&e, "c"));

	ck_assert_int_eq(MIG(&e, &r, "current"), 0);
	ck_assert_str_eq(r.out, "0003_c (head)\n");
	tu_run_release(&r);

	/* a second run is a no-op */
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_lacks(r.err, "Running upgrade");
	tu_run_release(&r);
	assert_versions(&e, "0003_c");
	env_free(&e);
}
END_TEST

START_TEST(downgrade_base_and_relative)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "down");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "downgrade", "-1"), 0);
	assert_contains(r.err, "Running downgrade 0003_c -> 0002_b, create c");
	tu_run_release(&r);
	assert_versions(&e, "0002_b");
	ck_assert(!db_has_table(&e, "c"));

	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base"), 0);
	assert_contains(r.err, "Running downgrade 0002_b -> 0001_a, create b");
	assert_contains(r.err, "Running downgrade 0001_a -> , create a");
	tu_run_release(&r);
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "a"));
	ck_assert(db_has_table(&e, "alembic_version"));

	ck_assert_int_eq(MIG(&e, &r, "upgrade", "+2"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0002_b");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "0003"), 0); /* a prefix */
	tu_run_release(&r);
	assert_versions(&e, "0003_c");

	ck_assert_int_eq(MIG(&e, &r, "current"), 0);
	ck_assert_str_eq(r.out, "0003_c (head)\n");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(stamp_existing_tables)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "stamp");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);

	/* forget the version, keep the tables (a database made by hand) */
	ck_assert_int_eq(MIG(&e, &r, "stamp", "base"), 0);
	tu_run_release(&r);
	assert_versions(&e, "");
	ck_assert(db_has_table(&e, "c"));

	ck_assert_int_eq(MIG(&e, &r, "stamp", "0002_b"), 0);
	assert_contains(r.err, "Running stamp_revision  -> 0002_b");
	assert_lacks(r.err, "Running upgrade");
	tu_run_release(&r);
	assert_versions(&e, "0002_b");

	ck_assert_int_eq(MIG(&e, &r, "stamp", "head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0003_c");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_lacks(r.err, "Running upgrade");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(stamp_purge_unknown_revision)
{
	struct env e;
	struct tu_run r;
	const struct mg_db_ops *ops;
	struct mg_db *db;
	struct mg_error err = MG_ERROR_INIT;
	static const char sql[] =
		"INSERT INTO alembic_version (version_num) VALUES ('zzzz_gone')";

	env_init(&e, _i, "purge");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "stamp", "0001_a"), 0);
	tu_run_release(&r);
	db = db_open(&e, &ops);
	ck_assert_int_eq(ops->exec(db, sql, strlen(sql), NULL, &err), MG_OK);
	ops->close(db);

	ck_assert_int_eq(MIG(&e, &r, "stamp", "head"), 3);
	assert_contains(r.err, "Can't locate revision identified by 'zzzz_gone'");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 3);
	assert_contains(r.err, "Can't locate revision identified by 'zzzz_gone'");
	tu_run_release(&r);
	assert_versions(&e, "0001_a,zzzz_gone");

	ck_assert_int_eq(MIG(&e, &r, "stamp", "--purge", "head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0003_c");
	env_free(&e);
}
END_TEST

/*
 * A unit that empties the version table: the version change at commit
 * matches no row, and the run fails and is rolled back (Alembic checks
 * the same) instead of leaving the table naming no revision.
 */
START_TEST(version_table_changed_during_run)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "vtchanged");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "0001_a"), 0);
	tu_run_release(&r);
	tu_write(e.dir, "versions/0002_b.sql",
		 "-- revision: 0002_b\n"
		 "-- down_revision: 0001_a\n"
		 "-- message: create b, and empty the version table\n"
		 "-- migrate:upgrade\n"
		 "CREATE TABLE b (id INTEGER PRIMARY KEY);\n"
		 "DELETE FROM alembic_version;\n"
		 "-- migrate:downgrade\n"
		 "DROP TABLE b;\n");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 1);
	assert_contains(r.err, "migrate: error: the version table changed "
			       "during the run: updating '0001_a' matched 0 "
			       "rows, not 1");
	tu_run_release(&r);
	assert_versions(&e, "0001_a");
	ck_assert(!db_has_table(&e, "b"));
	/* the same with a transaction per unit: 0002's own is rolled back */
	ck_assert_int_eq(MIG(&e, &r, "-x", "transaction_per_migration=true",
			     "upgrade", "head"), 1);
	assert_contains(r.err, "updating '0001_a' matched 0 rows");
	tu_run_release(&r);
	assert_versions(&e, "0001_a");
	ck_assert(!db_has_table(&e, "b"));
	env_free(&e);
}
END_TEST

/* 0002 fails on its third statement, on line 9 of its file. */
static void write_failing_chain(struct env *e)
{
	write_chain(e);
	tu_write(e->dir, "versions/0002_b.sql",
		 "-- revision: 0002_b\n"
		 "-- down_revision: 0001_a\n"
		 "-- message: create b, badly\n"
		 "-- migrate:upgrade\n"
		 "CREATE TABLE b (id INTEGER PRIMARY KEY);\n"
		 "INSERT INTO a (id, name)\n"
		 "  VALUES (1, 'one');\n"
		 "\n"
		 "INSERT INTO no_such_table (id) VALUES (1);\n"
		 "-- migrate:downgrade\n"
		 "DROP TABLE b;\n");
}

START_TEST(failing_statement_rolls_back_run)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "fail");
	write_failing_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 1);
	assert_contains(r.err, "migrate: error: versions/0002_b.sql:9: ");
	assert_contains(r.err, "no_such_table");
	assert_contains(r.err, "Running upgrade 0001_a -> 0002_b, create b, "
			       "badly FAILED\n");
	tu_run_release(&r);
	/* one transaction: 0001 is rolled back too */
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "a"));
	ck_assert(!db_has_table(&e, "b"));
	env_free(&e);
}
END_TEST

START_TEST(failing_statement_per_migration)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "failtpm");
	write_failing_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "-x", "transaction_per_migration=true",
			     "upgrade", "head"), 1);
	assert_contains(r.err, "versions/0002_b.sql:9: ");
	tu_run_release(&r);
	/* 0001 committed on its own; 0002 rolled back whole */
	assert_versions(&e, "0001_a");
	ck_assert(db_has_table(&e, "a"));
	ck_assert(!db_has_table(&e, "b"));
	env_free(&e);
}
END_TEST

START_TEST(error_line_inside_statement)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "errline");
	tu_write(e.dir, "versions/0001_a.sql",
		 "-- revision: 0001_a\n"
		 "-- down_revision: null\n"
		 "-- migrate:upgrade\n"
		 "CREATE TABLE t (\n"
		 "  id INTEGER,\n"
		 "  v TEXT\n"
		 ");\n"
		 "SELECT id,\n"
		 "       v\n"
		 "  FROM t\n"
		 " WHERE nope = 1;\n"
		 "-- migrate:downgrade\n");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 1);
	/* the statement starts on line 8; the bad column is on line 11 */
	assert_contains(r.err, "versions/0001_a.sql:11: ");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(sql_offline_needs_no_database)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "offline");
	write_chain(&e);
	free(e.url);
	e.url = strdup(e.pg ?
		       "postgresql://u:secretpw@127.0.0.1:1/nodb" :
		       "sqlite:////nonexistent/dir/x.db");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--sql"), 0);
	assert_contains(r.out, "BEGIN;\n\nCREATE TABLE \"alembic_version\" (\n"
			       "    version_num VARCHAR(32) NOT NULL, \n"
			       "    CONSTRAINT \"alembic_version_pkc\" PRIMARY "
			       "KEY (version_num)\n);\n\n");
	assert_contains(r.out, "INSERT INTO \"alembic_version\" (version_num) "
			       "VALUES ('0001_a');\n");
	assert_contains(r.out, "UPDATE \"alembic_version\" SET "
			       "version_num='0002_b' WHERE "
			       "\"alembic_version\".version_num = '0001_a';\n");
	assert_contains(r.out, "INSERT INTO a (id, name) VALUES (1, 'x;y');\n");
	assert_contains(r.out, e.pg ? "BIGSERIAL" : "AUTOINCREMENT");
	assert_contains(r.out, "COMMIT;\n");
	assert_lacks(r.out, "secretpw");
	assert_lacks(r.err, "secretpw");
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "downgrade", "head:0001_a", "--sql"), 0);
	assert_contains(r.out, "DROP TABLE c;\n");
	assert_contains(r.out, "DROP TABLE b;\n");
	assert_lacks(r.out, "DROP TABLE a;");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base", "--sql"), 2);
	assert_contains(r.err, "downgrade with --sql requires <fromrev>:<torev>");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(dry_run_changes_nothing)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "dry");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "0001_a"), 0);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--dry-run"), 0);
	assert_contains(r.err, "dry run: 2 units would run");
	assert_contains(r.err, "[transaction 1] upgrade 0002_b, create b");
	assert_contains(r.err, "[transaction 1] upgrade 0003_c, create c");
	assert_lacks(r.err, "Running upgrade");
	tu_run_release(&r);
	assert_versions(&e, "0001_a");
	ck_assert(!db_has_table(&e, "b"));
	env_free(&e);
}
END_TEST

START_TEST(multiple_heads_refused)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "heads");
	write_chain(&e);
	tu_write(e.dir, "versions/0004_d.sql",
		 "-- revision: 0004_d\n"
		 "-- down_revision: 0002_b\n"
		 "-- message: another branch\n"
		 "-- migrate:upgrade\n"
		 "CREATE TABLE d (id INTEGER);\n"
		 "-- migrate:downgrade\n"
		 "DROP TABLE d;\n");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 3);
	assert_contains(r.err, "Multiple head revisions are present");
	assert_contains(r.err, "0003_c");
	assert_contains(r.err, "0004_d");
	tu_run_release(&r);
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "a"));
	env_free(&e);
}
END_TEST

START_TEST(the_example_chain_round_trip)
{
	struct env e;
	struct tu_run r;
	char cmd[4096];

	env_init(&e, _i, "chain");
	snprintf(cmd, sizeof(cmd), "%s/versions", e.dir);
	tu_rmrf(cmd);
	/* copy the repository's versions/ into the env */
	{
		const char *argv[] = { "cp", "-r", "versions", "", NULL };

		argv[3] = e.dir;
		ck_assert_int_eq(tu_spawn(&r, NULL, NULL, argv, 0), 0);
		tu_run_release(&r);
	}
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "Running upgrade  -> 0001_raptor_baseline, "
			       "raptor baseline");
	tu_run_release(&r);
	ck_assert(db_has_table(&e, "users"));
	ck_assert(db_has_table(&e, "webauthn_credentials"));
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base"), 0);
	tu_run_release(&r);
	ck_assert(!db_has_table(&e, "users"));
	assert_versions(&e, "");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	ck_assert(db_has_table(&e, "users"));
	env_free(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Load, config and usage errors: no database involved (SQLite only).  */

static const struct load_case {
	const char *name;     /* file in versions/ */
	const char *text;
	int code;
	const char *msg;      /* expected at the start of stderr */
} load_cases[] = {
	{ "0001_x.sql", "-- down_revision: null\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:1: missing 'revision' in header" },
	{ "0001_x.sql", "-- revision: 0001_x\n-- down_revision: [a\n"
	  "-- migrate:upgrade\n-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:" },
	{ "0001_x.sql", "-- revision: 0001_x\n-- revison: typo\n"
	  "-- migrate:upgrade\n-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:2: unknown header key 'revison'" },
	{ "0001_x.sql", "-- revision: 0001_x\n-- migrate:upgrade\nSELECT 1;\n", 3,
	  "migrate: error: versions/0001_x.sql: no '-- migrate:downgrade' section" },
	{ "0001_x.sql", "-- revision: 0001_x\n-- migrate:upgrade mysql\n"
	  "-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:2: unknown dialect 'mysql'" },
	{ "0001_x.sql", "-- revision: 0001_x\nSELECT 1;\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:2: SQL outside any section" },
	{ "0001_x.sql", "-- revision: 0001_x\n-- down_revision: 0000_gone\n"
	  "-- migrate:upgrade\n-- migrate:downgrade\n", 3,
	  "Can't locate revision identified by '0000_gone'" },
	{ "0001_x.sql", "-- revision: 0001_this_id_is_much_too_long_for_it\n"
	  "-- migrate:upgrade\n-- migrate:downgrade\n", 3,
	  "0001_this_id_is_much_too_long_for_it" },
	{ "0001_x.sql", "-- revision: 0001_x\n-- transactional: maybe\n"
	  "-- migrate:upgrade\n-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:2: 'transactional' must be "
	  "true or false" },
	{ "0001_x.sql", "-- revision: 0001_x\n-- migrate:upgrade\n"
	  "SELECT 'unterminated;\n-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:3: " },
	{ "0001_x.sql", "-- revision: 0001_x\n-- migrate:upgrade\n"
	  "\\connect other\n-- migrate:downgrade\n", 3,
	  "migrate: error: versions/0001_x.sql:3: " },
};

START_TEST(load_errors)
{
	const struct load_case *c = &load_cases[_i];
	struct env e;
	struct tu_run r;

	env_init(&e, 0, "load");
	{
		char name[256];

		snprintf(name, sizeof(name), "versions/%s", c->name);
		tu_write(e.dir, name, c->text);
	}
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), c->code);
	ck_assert_msg(strncmp(r.err, c->msg, strlen(c->msg)) == 0 ||
		      (c->msg[0] != 'm' && strstr(r.err, c->msg)),
		      "case %d: expected\n  %s\ngot\n  %s", _i, c->msg, r.err);
	tu_run_release(&r);
	/* nothing was created */
	ck_assert(!db_has_table(&e, "alembic_version"));
	env_free(&e);
}
END_TEST

START_TEST(graph_errors_name_files)
{
	struct env e;
	struct tu_run r;

	env_init(&e, 0, "graph");
	write_chain(&e);
	tu_write(e.dir, "versions/0002_dup.sql",
		 "-- revision: 0002_b\n-- down_revision: 0001_a\n"
		 "-- migrate:upgrade\n-- migrate:downgrade\n");
	ck_assert_int_eq(MIG(&e, &r, "heads"), 3);
	assert_contains(r.err, "0002_b");
	assert_contains(r.err, "versions/0002_b.sql");
	assert_contains(r.err, "versions/0002_dup.sql");
	tu_run_release(&r);
	env_free(&e);

	env_init(&e, 0, "cycle");
	tu_write(e.dir, "versions/0001_a.sql",
		 "-- revision: 0001_a\n-- down_revision: 0002_b\n"
		 "-- migrate:upgrade\n-- migrate:downgrade\n");
	tu_write(e.dir, "versions/0002_b.sql",
		 "-- revision: 0002_b\n-- down_revision: 0001_a\n"
		 "-- migrate:upgrade\n-- migrate:downgrade\n");
	ck_assert_int_eq(MIG(&e, &r, "history"), 3);
	assert_contains(r.err, "cycle");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(nontransactional_statement_in_transactional_unit)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "notx");
	write_chain(&e);
	tu_write(e.dir, "versions/0004_idx.sql",
		 "-- revision: 0004_idx\n-- down_revision: 0003_c\n"
		 "-- migrate:upgrade\n"
		 "CREATE INDEX c_v ON c (v);\n"
		 "VACUUM;\n"
		 "-- migrate:downgrade\nDROP INDEX c_v;\n");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 3);
	assert_contains(r.err, "versions/0004_idx.sql:5: VACUUM cannot run "
			       "inside a transaction");
	tu_run_release(&r);
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "a"));

	/* marked non-transactional, it runs, after the rest committed */
	tu_write(e.dir, "versions/0004_idx.sql",
		 "-- revision: 0004_idx\n-- down_revision: 0003_c\n"
		 "-- transactional: false\n"
		 "-- migrate:upgrade\n"
		 "VACUUM;\n"
		 "-- migrate:downgrade\n");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0004_idx");
	env_free(&e);
}
END_TEST

START_TEST(nontransactional_failure_keeps_previous)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "notxfail");
	write_chain(&e);
	tu_write(e.dir, "versions/0004_idx.sql",
		 "-- revision: 0004_idx\n-- down_revision: 0003_c\n"
		 "-- transactional: false\n"
		 "-- migrate:upgrade\n"
		 "CREATE INDEX c_v ON no_such (v);\n"
		 "-- migrate:downgrade\n");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 1);
	assert_contains(r.err, "versions/0004_idx.sql:5: ");
	assert_contains(r.err, "may be partly applied");
	tu_run_release(&r);
	assert_versions(&e, "0003_c");
	ck_assert(db_has_table(&e, "c"));
	env_free(&e);
}
END_TEST

START_TEST(usage_errors)
{
	struct env e;
	struct tu_run r;

	env_init(&e, 0, "usage");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "frobnicate"), 2);
	ck_assert_str_eq(r.err,
			 "migrate: error: unknown command 'frobnicate'\n"
			 "try 'migrate --help'\n");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade"), 2);
	assert_contains(r.err, "migrate: error: missing target");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--bogus"), 2);
	assert_contains(r.err, "unknown option '--bogus'");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--purge"), 2);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "nosuchrev"), 3);
	assert_contains(r.err, "Can't locate revision identified by 'nosuchrev'");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "--help"), 0);
	assert_contains(r.out, "usage: migrate [global options] upgrade TARGET");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "help", "downgrade"), 0);
	assert_contains(r.out, "downgrade TARGET");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "--wait=abc", "current"), 2);
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(config_errors)
{
	struct env e;
	struct tu_run r;

	env_init(&e, 0, "cfg");
	write_chain(&e);
	tu_write(e.dir, "migrate.ini",
		 "[migrate]\nscript_location = versions\nlock_timeout = soon\n");
	ck_assert_int_eq(MIG(&e, &r, "current"), 3);
	assert_contains(r.err, "migrate.ini:3");
	assert_contains(r.err, "lock_timeout");
	tu_run_release(&r);
	tu_write(e.dir, "migrate.ini",
		 "[migrate]\nversion_table = bad-name\n");
	ck_assert_int_eq(MIG(&e, &r, "current"), 3);
	assert_contains(r.err, "migrate.ini:2");
	assert_contains(r.err, "version_table");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "-c", "nope.ini", "current"), 3);
	assert_contains(r.err, "nope.ini");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(cannot_connect)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "conn");
	write_chain(&e);
	free(e.url);
	e.url = strdup(e.pg ?
		       "postgresql://bob:Sup3rSecret@127.0.0.1:1/db?connect_timeout=2" :
		       "sqlite:////nonexistent/dir/x.db");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 4);
	assert_contains(r.err, "migrate: error: ");
	if (e.pg)
		assert_contains(r.err, "postgresql://bob:***@127.0.0.1:1/db");
	assert_lacks(r.err, "Sup3rSecret");
	assert_lacks(r.out, "Sup3rSecret");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(sqlite_lock_timeout)
{
	struct env e;
	struct tu_run r;
	sqlite3 *db;
	char path[4096];

	env_init(&e, 0, "lock");
	write_chain(&e);
	snprintf(path, sizeof(path), "%s/test.db", e.dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE; CREATE TABLE hold (x);",
				      NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(MIG(&e, &r, "-x", "lock_timeout=300ms", "upgrade",
			     "head"), 5);
	assert_contains(r.err, "could not obtain the migrate lock");
	tu_run_release(&r);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0003_c");
	env_free(&e);
}
END_TEST

START_TEST(init_and_revision)
{
	struct env e;
	struct tu_run r;
	char *text, *path;

	env_init(&e, _i, "init");
	tu_write(e.dir, "versions/.keep", "");
	ck_assert_int_eq(MIG(&e, &r, "init", "proj"), 0);
	tu_run_release(&r);
	path = tu_path(e.dir, "proj/migrate.ini");
	text = tu_slurp(path);
	ck_assert_ptr_nonnull(text);
	assert_contains(text, "[migrate]");
	free(text);
	free(path);
	ck_assert_int_eq(MIG(&e, &r, "init", "proj"), 3);
	assert_contains(r.err, "already exists");
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "revision", "-m", "Add users email!"), 0);
	ck_assert_str_eq(r.out, "versions/0001_add_users_email.sql\n");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "revision", "-m", "second: step"), 0);
	ck_assert_str_eq(r.out, "versions/0002_second_step.sql\n");
	tu_run_release(&r);
	path = tu_path(e.dir, "versions/0002_second_step.sql");
	text = tu_slurp(path);
	assert_contains(text, "-- revision: 0002_second_step\n"
			      "-- down_revision: 0001_add_users_email\n"
			      "-- message: \"second: step\"\n");
	assert_contains(text, "-- migrate:upgrade\n");
	assert_contains(text, "-- migrate:downgrade\n");
	free(text);
	free(path);
	ck_assert_int_eq(MIG(&e, &r, "revision"), 2);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0002_second_step");
	ck_assert_int_eq(MIG(&e, &r, "history"), 0);
	ck_assert_str_eq(r.out,
			 "0001_add_users_email -> 0002_second_step (head), "
			 "second: step\n"
			 "<base> -> 0001_add_users_email, Add users email!\n");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST


/*
 * A branched graph:           0001_a
 *                             /    \
 *            (label x) 0002_x        0002_y (label y)
 *                             \    /
 *                             0003_m  (written by `merge`)
 */
static void write_branches(struct env *e)
{
	tu_write(e->dir, "versions/0001_a.sql",
		 "-- revision: 0001_a\n-- message: root\n"
		 "-- migrate:upgrade\nCREATE TABLE a (id INTEGER);\n"
		 "-- migrate:downgrade\nDROP TABLE a;\n");
	tu_write(e->dir, "versions/0002_x.sql",
		 "-- revision: 0002_x\n-- down_revision: 0001_a\n"
		 "-- branch_labels: x\n-- message: branch x\n"
		 "-- migrate:upgrade\nCREATE TABLE x (id INTEGER);\n"
		 "-- migrate:downgrade\nDROP TABLE x;\n");
	tu_write(e->dir, "versions/0002_y.sql",
		 "-- revision: 0002_y\n-- down_revision: 0001_a\n"
		 "-- branch_labels: y\n-- message: branch y\n"
		 "-- migrate:upgrade\nCREATE TABLE y (id INTEGER);\n"
		 "-- migrate:downgrade\nDROP TABLE y;\n");
}

START_TEST(branches_labels_and_merge)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "branch");
	write_branches(&e);
	ck_assert_int_eq(MIG(&e, &r, "heads"), 0);
	ck_assert_str_eq(r.out, "0002_x (x) (head)\n0002_y (y) (head)\n");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "branches"), 0);
	assert_contains(r.out, "0001_a (branchpoint)\n");
	assert_contains(r.out, "       -> 0002_x (x) (head)\n");
	tu_run_release(&r);

	/* one branch by label, then the other */
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "x@head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0002_x");
	ck_assert(!db_has_table(&e, "y"));
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "heads"), 0);
	assert_contains(r.err, "Running upgrade 0001_a -> 0002_y, branch y");
	tu_run_release(&r);
	assert_versions(&e, "0002_x,0002_y");
	ck_assert_int_eq(MIG(&e, &r, "current"), 0);
	ck_assert_str_eq(r.out, "0002_x (head)\n0002_y (head)\n");
	tu_run_release(&r);

	/* downgrading one branch leaves the other */
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "y@0001_a"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0002_x");
	ck_assert(db_has_table(&e, "x"));
	ck_assert(!db_has_table(&e, "y"));
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "heads"), 0);
	tu_run_release(&r);

	/* merge the two heads */
	ck_assert_int_eq(MIG(&e, &r, "merge", "-m", "join x and y", "heads"), 0);
	ck_assert_str_eq(r.out, "versions/0003_join_x_and_y.sql\n");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "heads"), 0);
	/* Alembic: a label reaches every descendant, the merge too */
	ck_assert_str_eq(r.out, "0003_join_x_and_y (x, y) (head)\n");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "Running upgrade 0002_x, 0002_y -> "
			       "0003_join_x_and_y, join x and y");
	tu_run_release(&r);
	assert_versions(&e, "0003_join_x_and_y");
	ck_assert_int_eq(MIG(&e, &r, "history"), 0);
	assert_contains(r.out, "0002_x, 0002_y -> 0003_join_x_and_y (x, y) (head) "
			       "(mergepoint), join x and y\n");
	assert_contains(r.out, "<base> -> 0001_a (branchpoint), root\n");
	tu_run_release(&r);

	/* -1 from a merge point has two parents: Alembic's refusal */
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "-1"), 3);
	assert_contains(r.err, "Ambiguous walk");
	tu_run_release(&r);
	/* back below the merge point: both branches return */
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "0002_x"), 0);
	assert_contains(r.err, "Running downgrade 0003_join_x_and_y -> "
			       "0002_x, 0002_y, join x and y");
	tu_run_release(&r);
	assert_versions(&e, "0002_x,0002_y");
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base"), 0);
	tu_run_release(&r);
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "a"));
	env_free(&e);
}
END_TEST

START_TEST(json_views)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "json");
	write_branches(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "x@head"), 0);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "current", "--format", "json"), 0);
	assert_contains(r.out, "{\"url\": \"");
	assert_contains(r.out, "\"current\": [{\"revision\": \"0002_x\", "
			       "\"down_revisions\": [\"0001_a\"], "
			       "\"branch_labels\": [\"x\"]");
	assert_contains(r.out, "\"is_head\": true");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "heads", "--format", "json"), 0);
	ck_assert(r.out[0] == '[');
	assert_contains(r.out, "\"revision\": \"0002_y\"");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "history", "--format", "json"), 0);
	assert_contains(r.out, "\"is_branch_point\": true");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "show", "0001", "--format", "json"), 0);
	assert_contains(r.out, "[{\"revision\": \"0001_a\"");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "show", "0001_a"), 0);
	assert_contains(r.out, "Rev: 0001_a (branchpoint)\nParent: <base>\n"
			       "Branches into: 0002_x, 0002_y\n");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "branches", "--format", "xml"), 2);
	tu_run_release(&r);
	env_free(&e);
}
END_TEST


START_TEST(check_reports_drift)
{
	struct env e;
	struct tu_run r;
	char *path, *text;
	size_t n;

	env_init(&e, _i, "check");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "0002_b"), 0);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "check"), 6);
	assert_contains(r.out, "pending: 1 unit not applied: 0003_c\n");
	assert_contains(r.err, "migrate: error: check found drift");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "check"), 0);
	ck_assert_str_eq(r.out, "");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "check", "--format", "json"), 0);
	ck_assert_str_eq(r.out, "{\"ok\": true, \"problems\": []}\n");
	tu_run_release(&r);

	/* an applied unit edited afterwards */
	path = tu_path(e.dir, "versions/0002_b.sql");
	text = tu_slurp(path);
	n = strlen(text);
	text = realloc(text, n + 32);
	strcpy(text + n, "-- an innocent edit\n");
	tu_write(e.dir, "versions/0002_b.sql", text);
	free(text);
	free(path);
	ck_assert_int_eq(MIG(&e, &r, "check"), 6);
	assert_contains(r.out, "changed: versions/0002_b.sql was applied from "
			       "a file with SHA-256 ");
	assert_lacks(r.out, "0001_a.sql");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "check", "--format", "json"), 6);
	assert_contains(r.out, "{\"ok\": false, \"problems\": [\"changed: "
			       "versions/0002_b.sql");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(check_against_schema_file)
{
	struct env e;
	struct tu_run r;
	const struct mg_db_ops *ops;
	struct mg_db *db;
	struct mg_error err = MG_ERROR_INIT;
	static const char extra[] = "CREATE TABLE extra (id INTEGER)";

	env_init(&e, _i, "chkschema");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "schema"), 0);
	assert_contains(r.out, "table a\n");
	assert_lacks(r.out, "alembic_version");
	assert_lacks(r.out, "migrate_history");
	tu_write(e.dir, "schema.txt", r.out);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "check", "--schema", "schema.txt"), 0);
	tu_run_release(&r);

	db = db_open(&e, &ops);
	ck_assert_int_eq(ops->exec(db, extra, strlen(extra), NULL, &err), MG_OK);
	ops->close(db);
	ck_assert_int_eq(MIG(&e, &r, "check", "--schema", "schema.txt"), 6);
	assert_contains(r.out, "schema: the database differs from schema.txt:\n"
			       "--- schema.txt\n+++ database\n");
	assert_contains(r.out, "+table extra\n");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "schema", "--format", "json"), 0);
	ck_assert(r.out[0] == '{');
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(roundtrip_catches_bad_downgrade)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "roundtrip");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "check", "--roundtrip"), 0);
	assert_contains(r.err, "roundtrip: 3 units upgraded, downgraded and "
			       "upgraded again");
	tu_run_release(&r);
	/* the scratch database now holds the chain: refused */
	ck_assert_int_eq(MIG(&e, &r, "check", "--roundtrip"), 2);
	assert_contains(r.err, "needs an empty scratch database");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base"), 0);
	tu_run_release(&r);

	/* 0004 forgets its index on the way down */
	tu_write(e.dir, "versions/0004_idx.sql",
		 "-- revision: 0004_idx\n-- down_revision: 0003_c\n"
		 "-- message: index c\n"
		 "-- migrate:upgrade\n"
		 "CREATE TABLE d (id INTEGER);\n"
		 "CREATE INDEX c_v ON c (v);\n"
		 "-- migrate:downgrade\n"
		 "DROP TABLE d;\n");
	ck_assert_int_eq(MIG(&e, &r, "check", "--roundtrip"), 6);
	assert_contains(r.out, "roundtrip: the downgrade of 0004_idx "
			       "(versions/0004_idx.sql) does not restore the "
			       "schema:\n--- before upgrade\n+++ after upgrade "
			       "+ downgrade\n");
	assert_contains(r.out, "c_v");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

/* Apply an offline script with the engine's own CLI. */
static void apply_script(struct env *e, const char *script)
{
	struct tu_run r;
	char *file = tu_path(e->dir, "offline.sql");

	tu_write(e->dir, "offline.sql", script);
	if (e->pg) {
		char psql[1024];
		const char *argv[] = { psql, "-X", "-q", "-v", "ON_ERROR_STOP=1",
				       "-1", "-f", file, "-d", e->url, NULL };

		snprintf(psql, sizeof(psql), "%s/psql", pg_harness_bindir());
		ck_assert_msg(tu_spawn(&r, NULL, NULL, argv, 0) == 0, "psql: %s",
			      r.err);
	} else {
		char dbpath[4096], cmd[8192];
		const char *argv[] = { "sh", "-c", cmd, NULL };

		snprintf(dbpath, sizeof(dbpath), "%s/test.db", e->dir);
		snprintf(cmd, sizeof(cmd), "sqlite3 -bail '%s' < '%s'", dbpath,
			 file);
		ck_assert_msg(tu_spawn(&r, NULL, NULL, argv, 0) == 0,
			      "sqlite3: %s", r.err);
	}
	tu_run_release(&r);
	free(file);
}

START_TEST(offline_sql_equals_online)
{
	struct env on, off;
	struct tu_run r;
	char *online_schema, *script;

	env_init(&on, _i, "online");
	write_chain(&on);
	ck_assert_int_eq(MIG(&on, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&on, &r, "schema"), 0);
	online_schema = r.out;
	r.out = NULL;
	tu_run_release(&r);

	env_init(&off, _i, "offline");
	write_chain(&off);
	ck_assert_int_eq(MIG(&off, &r, "upgrade", "base:head", "--sql"), 0);
	script = r.out;
	r.out = NULL;
	tu_run_release(&r);
	apply_script(&off, script);
	free(script);
	ck_assert_int_eq(MIG(&off, &r, "schema"), 0);
	ck_assert_str_eq(r.out, online_schema);
	tu_run_release(&r);
	assert_versions(&off, "0003_c");
	ck_assert_int_eq(MIG(&off, &r, "current"), 0);
	ck_assert_str_eq(r.out, "0003_c (head)\n");
	tu_run_release(&r);

	/* and back down, offline, to base */
	ck_assert_int_eq(MIG(&off, &r, "downgrade", "head:base", "--sql"), 0);
	script = r.out;
	r.out = NULL;
	tu_run_release(&r);
	apply_script(&off, script);
	free(script);
	assert_versions(&off, "");
	ck_assert(!db_has_table(&off, "a"));
	free(online_schema);
	env_free(&on);
	env_free(&off);
}
END_TEST

START_TEST(database_ahead_of_code)
{
	struct env e;
	struct tu_run r;
	char *path;

	env_init(&e, _i, "ahead");
	write_chain(&e);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	/* an older build: its versions/ lacks 0003 */
	path = tu_path(e.dir, "versions/0003_c.sql");
	ck_assert_int_eq(unlink(path), 0);
	free(path);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "the database is at 0003_c, ahead of this "
			       "build's head 0002_b (the applied history shows "
			       "it descends from it): nothing to do");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--strict"), 3);
	assert_contains(r.err, "--strict refuses to go on");
	tu_run_release(&r);
	assert_versions(&e, "0003_c");
	/* without proof (no history of it) it stays unknown */
	{
		const struct mg_db_ops *ops;
		struct mg_db *db = db_open(&e, &ops);
		struct mg_error err = MG_ERROR_INIT;
		static const char sql[] = "DELETE FROM migrate_history";

		ck_assert_int_eq(ops->exec(db, sql, strlen(sql), NULL, &err),
				 MG_OK);
		ops->close(db);
	}
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 3);
	assert_contains(r.err, "Can't locate revision identified by '0003_c'");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

static void unchecked_setup(void)
{
	start_pg();
}

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *both = tcase_create("both_backends");
	TCase *one = tcase_create("sqlite_only");
	int nb = pg_harness_bindir() ? 2 : 1;

	if (nb == 1)
		fprintf(stderr, "cli: PostgreSQL tests SKIPPED: no initdb "
			"found (install postgresql)\n");
	tcase_set_timeout(both, 120);
	tcase_add_unchecked_fixture(both, unchecked_setup, NULL);
	tcase_add_loop_test(both, upgrade_head_then_idempotent, 0, nb);
	tcase_add_loop_test(both, downgrade_base_and_relative, 0, nb);
	tcase_add_loop_test(both, stamp_existing_tables, 0, nb);
	tcase_add_loop_test(both, stamp_purge_unknown_revision, 0, nb);
	tcase_add_loop_test(both, failing_statement_rolls_back_run, 0, nb);
	tcase_add_loop_test(both, failing_statement_per_migration, 0, nb);
	tcase_add_loop_test(both, version_table_changed_during_run, 0, nb);
	tcase_add_loop_test(both, error_line_inside_statement, 0, nb);
	tcase_add_loop_test(both, sql_offline_needs_no_database, 0, nb);
	tcase_add_loop_test(both, dry_run_changes_nothing, 0, nb);
	tcase_add_loop_test(both, multiple_heads_refused, 0, nb);
	tcase_add_loop_test(both, the_example_chain_round_trip, 0, nb);
	tcase_add_loop_test(both, nontransactional_statement_in_transactional_unit,
			    0, nb);
	tcase_add_loop_test(both, nontransactional_failure_keeps_previous, 0, nb);
	tcase_add_loop_test(both, cannot_connect, 0, nb);
	tcase_add_loop_test(both, init_and_revision, 0, nb);
	tcase_add_loop_test(both, branches_labels_and_merge, 0, nb);
	tcase_add_loop_test(both, json_views, 0, nb);
	tcase_add_loop_test(both, check_reports_drift, 0, nb);
	tcase_add_loop_test(both, check_against_schema_file, 0, nb);
	tcase_add_loop_test(both, roundtrip_catches_bad_downgrade, 0, nb);
	tcase_add_loop_test(both, offline_sql_equals_online, 0, nb);
	tcase_add_loop_test(both, database_ahead_of_code, 0, nb);
	suite_add_tcase(s, both);

	tcase_set_timeout(one, 60);
	tcase_add_loop_test(one, load_errors, 0, (int)MG_ARRAY_SIZE(load_cases));
	tcase_add_test(one, graph_errors_name_files);
	tcase_add_test(one, usage_errors);
	tcase_add_test(one, config_errors);
	tcase_add_test(one, sqlite_lock_timeout);
	suite_add_tcase(s, one);
	return s;
}
