/*
 * check_cunit.c - C migration units through the real binary: `migrate
 * build`, loading (missing, stale and incomplete objects), the unit API
 * on both backends (queries and updates with bound parameters, logging,
 * failures), rollback of a failing unit, `revision --c`, and a run on a
 * host without a C compiler.
 *
 * Fixtures are in tests/fixtures/cunit/; each test copies the ones it
 * needs into a fresh project folder and builds them there.  The loop
 * tests run on SQLite (_i even) and on the throwaway PostgreSQL of
 * pg_harness (_i odd), as check_cli.c does.
 */
#include "mg.h"
#include "suites.h"
#include "testutil.h"
#include "pg_harness.h"
#include "dbutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void unchecked_setup(void)
{
	if (pg_state == -2)
		pg_state = pg_harness_start();
}

static void env_init(struct env *e, int pg, const char *tag)
{
	memset(e, 0, sizeof(*e));
	e->dir = tu_mkdtemp(tag);
	e->pg = pg;
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
	tu_write(e->dir, "migrate.ini",
		 "[migrate]\nscript_location = versions\n");
}

static void env_free(struct env *e)
{
	tu_rmrf(e->dir);
	free(e->dir);
	free(e->url);
}

/* Copy tests/fixtures/cunit/<fixture> to versions/<basename> of the env. */
static void put(struct env *e, const char *fixture)
{
	char src[512], dst[512];
	const char *base = strrchr(fixture, '/');
	char *text;

	snprintf(src, sizeof(src), FIX "cunit/%s", fixture);
	snprintf(dst, sizeof(dst), "versions/%s", base ? base + 1 : fixture);
	text = tu_slurp(src);
	ck_assert_msg(text != NULL, "cannot read %s", src);
	tu_write(e->dir, dst, text);
	free(text);
}

/*
 * Run migrate in the env's folder: DATABASE_URL is its database, no
 * MIGRATE_CONFIG, CC or MIGRATE_INCLUDE from the caller's environment,
 * plus `extra` (NULL-terminated "NAME=value" list, may be NULL).
 */
static int mig_env(struct env *e, struct tu_run *r, const char *const *extra,
		   const char *const *argv)
{
	char url[4096];
	const char *envv[16];
	size_t n = 0, i;

	snprintf(url, sizeof(url), "DATABASE_URL=%s", e->url);
	envv[n++] = url;
	envv[n++] = "MIGRATE_CONFIG=";
	envv[n++] = "CC=";
	envv[n++] = "MIGRATE_INCLUDE=";
	for (i = 0; extra && extra[i] && n < 15; i++)
		envv[n++] = extra[i];
	envv[n] = NULL;
	return tu_migrate(r, e->dir, envv, argv);
}

#define MIG(e, r, ...) \
	mig_env((e), (r), NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define MIG_ENV(e, r, extra, ...) \
	mig_env((e), (r), (extra), (const char *const[]){ __VA_ARGS__, NULL })

static void assert_rows(struct env *e, const char *sql, const char *expect)
{
	char *got = db_rows(e, sql);

	ck_assert_msg(!strcmp(got, expect), "%s:\n  got    %s\n  wanted %s",
		      sql, got, expect);
	free(got);
}

static void assert_versions(struct env *e, const char *expect)
{
	if (!db_has_table(e, "alembic_version")) {
		ck_assert_msg(!expect[0], "no version table, expected '%s'",
			      expect);
		return;
	}
	assert_rows(e, "SELECT version_num FROM alembic_version "
		       "ORDER BY version_num", expect);
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

static int file_exists(struct env *e, const char *name)
{
	char *p = tu_path(e->dir, name);
	struct stat st;
	int ok = stat(p, &st) == 0;

	free(p);
	return ok;
}

/* Names in the env's versions/ folder, sorted, joined with ' '. */
static char *list_versions(struct env *e)
{
	const char *argv[] = { "ls", "-A", "versions", NULL };
	struct tu_run r;
	char *s, *p;

	ck_assert_int_eq(tu_spawn(&r, e->dir, NULL, argv, 0), 0);
	s = r.out;
	r.out = NULL;
	tu_run_release(&r);
	for (p = s; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	return s;
}

static void build_ok(struct env *e, const char *summary)
{
	struct tu_run r;

	ck_assert_int_eq(MIG(e, &r, "build"), 0);
	assert_contains(r.err, summary);
	tu_run_release(&r);
}

/* ------------------------------------------------------------------ */

START_TEST(backfill_with_bound_parameters)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i % 2, "cu_fill");
	put(&e, "0001_people.sql");
	put(&e, "0002_slugs.c");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "0001_people"), 0);
	tu_run_release(&r);
	db_exec(&e, "INSERT INTO people (id, name, slug) VALUES "
		    "(1, 'Ann Lee', 'x'), "
		    "(2, 'O''Brien; DROP TABLE people;--', 'x'), "
		    "(3, NULL, 'x'), (4, '  Zed 42  ', 'x')");
	build_ok(&e, "INFO  [migrate] compiled versions/0002_slugs.c -> "
		     "versions/0002_slugs.so\n"
		     "INFO  [migrate] 1 C unit: 1 compiled, 0 up to date\n");

	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "Running upgrade 0001_people -> 0002_slugs, "
			       "people slugs, backfilled");
	assert_contains(r.err, e.pg ?
			"INFO  [migrate] 0002_slugs: dialect postgresql\n" :
			"INFO  [migrate] 0002_slugs: dialect sqlite\n");
	assert_contains(r.err, "INFO  [migrate] 0002_slugs: slugged 4 people\n"
			       "INFO  [migrate] 0002_slugs: the early stop saw "
			       "1 row\n");
	assert_lacks(r.err, "FAILED");
	tu_run_release(&r);
	assert_versions(&e, "0002_slugs");
	assert_rows(&e, "SELECT id, slug FROM people ORDER BY id",
		    "1|ann-lee,2|o-brien-drop-table-people,3|NULL,4|zed-42");
	/* the applied history records the source's checksum, as for SQL */
	ck_assert_int_eq(MIG(&e, &r, "check"), 0);
	tu_run_release(&r);
	tu_write(e.dir, "versions/0002_slugs.c", "/*\n * revision: 0002_slugs\n"
		 " * down_revision: 0001_people\n */\n");
	ck_assert_int_eq(MIG(&e, &r, "check"), 6);
	assert_contains(r.out, "changed: versions/0002_slugs.c was applied "
			       "from a file with SHA-256 ");
	tu_run_release(&r);
	put(&e, "0002_slugs.c");

	ck_assert_int_eq(MIG(&e, &r, "downgrade", "-1"), 0);
	assert_contains(r.err, "Running downgrade 0002_slugs -> 0001_people");
	tu_run_release(&r);
	assert_versions(&e, "0001_people");
	assert_rows(&e, "SELECT DISTINCT slug FROM people", "unset");
	env_free(&e);
}
END_TEST

/* The example chain's own C unit, 0004, with enough users for 3 batches. */
START_TEST(example_chain_email_backfill)
{
	struct env e;
	struct tu_run r;
	char cmd[4096];

	env_init(&e, _i % 2, "cu_chain");
	snprintf(cmd, sizeof(cmd), "%s/versions", e.dir);
	tu_rmrf(cmd);
	{
		const char *argv[] = { "mkdir", "-p", cmd, NULL };

		ck_assert_int_eq(tu_spawn(&r, NULL, NULL, argv, 0), 0);
		tu_run_release(&r);
	}
	{
		const char *argv[] = {
			"sh", "-c", "cp versions/*.sql versions/*.c \"$0\"",
			cmd, NULL
		};

		ck_assert_int_eq(tu_spawn(&r, NULL, NULL, argv, 0), 0);
		tu_run_release(&r);
	}
	build_ok(&e, "1 C unit: 1 compiled, 0 up to date");
	/* every downgrade, 0004's included, restores the schema */
	ck_assert_int_eq(MIG(&e, &r, "check", "--roundtrip"), 0);
	assert_contains(r.err, "roundtrip: 4 units upgraded, downgraded and "
			       "upgraded again");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "0003"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0003_trace_events_created_idx");
	db_exec(&e, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
		    "SELECT i + 1 FROM n WHERE i < 1203) "
		    "INSERT INTO users (email) "
		    "SELECT ' User' || i || '@Example.COM ' FROM n");
	db_exec(&e, e.pg ?
		"INSERT INTO users (email) VALUES (E'\\tMixed@Case.ORG\\n')" :
		"INSERT INTO users (email) VALUES "
		"(char(9) || 'Mixed@Case.ORG' || char(10))");

	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "Running upgrade 0003_trace_events_created_idx "
			       "-> 0004_users_email_normalise, users email "
			       "normalised, backfilled");
	assert_contains(r.err, "INFO  [migrate] 0004_users_email_normalise: "
			       "email_normalised backfilled for 1204 users\n");
	tu_run_release(&r);
	assert_versions(&e, "0004_users_email_normalise");
	assert_rows(&e, "SELECT count(*) FROM users WHERE email_normalised = "
			"lower(trim(email))", "1203");
	assert_rows(&e, "SELECT email_normalised FROM users WHERE email "
			"NOT LIKE ' %' ORDER BY id", "mixed@case.org");
	assert_rows(&e, "SELECT email_normalised FROM users ORDER BY id "
			"LIMIT 1", "user1@example.com");
	/* the audit trigger did not record the backfill, and still works */
	assert_rows(&e, "SELECT count(*) FROM users_history", "0");
	db_exec(&e, "UPDATE users SET locale = 'fr-CA' WHERE id = 1");
	assert_rows(&e, "SELECT count(*) FROM users_history", "1");

	ck_assert_int_eq(MIG(&e, &r, "downgrade", "-1"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0003_trace_events_created_idx");
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base"), 0);
	tu_run_release(&r);
	ck_assert(!db_has_table(&e, "users"));
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "backfilled for 0 users\n");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

/* How 0002_fail fails ($CUNIT_FAIL_MODE), and what the error says. */
static const struct fail_case {
	const char *mode;
	const char *msg;   /* after "migrate: error: versions/0002_fail.c: " */
	const char *also;  /* elsewhere in stderr, or NULL */
} fail_cases[] = {
	{ "sql", "upgrade() failed: ",
	  "\nstatement: INSERT INTO no_such_table (id) VALUES (1)\n" },
	{ "fail", "upgrade() failed: refusing: 1 people have no name\n",
	  NULL },
	{ "ignored", "upgrade() failed: ",
	  "INFO  [migrate] 0002_fail: second call returned -1\n" },
	{ "both", "upgrade() failed: could not record the row: ",
	  "\nstatement: INSERT INTO no_such_table (id) VALUES (1)\n" },
	{ "code", "upgrade() failed: it returned 7 (call migrate_fail() to "
		  "say why)\n", NULL },
	{ "misuse", "upgrade() failed: migrate_exec_params() called with 2 "
		    "parameters and no (NULL) values\n", NULL },
	{ "two", "upgrade() failed: ", "\nstatement: SELECT 1; SELECT 2\n" },
};

#define NFAIL ((int)MG_ARRAY_SIZE(fail_cases))

START_TEST(failing_unit_rolls_back)
{
	const struct fail_case *c = &fail_cases[_i / 2];
	struct env e;
	struct tu_run r;
	char mode[64], want[512];
	const char *extra[2];

	env_init(&e, _i % 2, "cu_fail");
	put(&e, "0001_people.sql");
	put(&e, "fail/0002_fail.c");
	build_ok(&e, "1 C unit: 1 compiled");
	snprintf(mode, sizeof(mode), "CUNIT_FAIL_MODE=%s", c->mode);
	extra[0] = mode;
	extra[1] = NULL;

	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "upgrade", "head"), 1);
	snprintf(want, sizeof(want), "migrate: error: versions/0002_fail.c: "
		 "%s", c->msg);
	assert_contains(r.err, want);
	if (c->also)
		assert_contains(r.err, c->also);
	if (!strcmp(c->mode, "sql") || !strcmp(c->mode, "ignored"))
		assert_contains(r.err, "no_such_table");
	/* (a log line from the unit ends the "Running" line early) */
	assert_contains(r.err, strcmp(c->mode, "ignored") ?
			"Running upgrade 0001_people -> 0002_fail, a unit "
			"that fails FAILED\n" :
			"Running upgrade 0001_people -> 0002_fail, a unit "
			"that fails\n");
	tu_run_release(&r);
	/* one transaction: 0001 went with it, like a failing SQL statement */
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "people"));
	ck_assert(!db_has_table(&e, "after_fail"));
	env_free(&e);
}
END_TEST

START_TEST(failing_unit_per_migration)
{
	struct env e;
	struct tu_run r;
	const char *extra[] = { "CUNIT_FAIL_MODE=sql", NULL };

	env_init(&e, _i, "cu_failtpm");
	put(&e, "0001_people.sql");
	put(&e, "fail/0002_fail.c");
	build_ok(&e, "1 C unit: 1 compiled");
	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "-x",
				 "transaction_per_migration=true", "upgrade",
				 "head"), 1);
	assert_contains(r.err, "migrate: error: versions/0002_fail.c: "
			       "upgrade() failed: ");
	tu_run_release(&r);
	/* 0001 committed; the unit's own insert rolled back */
	assert_versions(&e, "0001_people");
	assert_rows(&e, "SELECT count(*) FROM people", "0");
	/* a unit that succeeds this time goes through */
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0002_fail");
	assert_rows(&e, "SELECT id, name FROM people", "7|x");
	env_free(&e);
}
END_TEST

START_TEST(stale_object_refused)
{
	struct env e;
	struct tu_run r;
	char *path;
	FILE *f;

	env_init(&e, _i, "cu_stale");
	put(&e, "0001_people.sql");
	put(&e, "0002_slugs.c");
	build_ok(&e, "1 C unit: 1 compiled, 0 up to date");
	build_ok(&e, "1 C unit: 0 compiled, 1 up to date");
	/* edit the source after building */
	path = tu_path(e.dir, "versions/0002_slugs.c");
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("/* an afterthought */\n", f);
	fclose(f);
	free(path);

	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 3);
	ck_assert_str_eq(r.err,
			 "migrate: error: versions/0002_slugs.c: compiled "
			 "object versions/0002_slugs.so was built from another "
			 "version of this file; run 'migrate build'\n");
	tu_run_release(&r);
	/* checked before anything ran: even 0001 did not */
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "people"));

	/* the graph needs no object */
	ck_assert_int_eq(MIG(&e, &r, "history"), 0);
	assert_contains(r.out, "0001_people -> 0002_slugs (head), people "
			       "slugs, backfilled\n");
	tu_run_release(&r);

	build_ok(&e, "1 C unit: 1 compiled, 0 up to date");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0002_slugs");

	/* --force compiles what is up to date */
	ck_assert_int_eq(MIG(&e, &r, "build", "--force"), 0);
	assert_contains(r.err, "1 C unit: 1 compiled, 0 up to date");
	tu_run_release(&r);

	/* an object that records no checksum (built by hand) */
	{
		char cwd[4096], *inc;
		const char *argv[] = { "cc", "-shared", "-fPIC", "", "-o",
				       "versions/0002_slugs.so",
				       "versions/0002_slugs.c", NULL };

		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		inc = mg_asprintf("-I%s/lib/include", cwd);
		argv[3] = inc;
		ck_assert_int_eq(tu_spawn(&r, e.dir, NULL, argv, 0), 0);
		tu_run_release(&r);
		free(inc);
	}
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base"), 3);
	ck_assert_str_eq(r.err,
			 "migrate: error: versions/0002_slugs.c: compiled "
			 "object versions/0002_slugs.so records no source "
			 "checksum (it was not built by 'migrate build'); run "
			 "'migrate build --force'\n");
	tu_run_release(&r);
	assert_versions(&e, "0002_slugs");
	env_free(&e);
}
END_TEST

START_TEST(missing_object_refused)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "cu_missing");
	put(&e, "0001_people.sql");
	put(&e, "0002_slugs.c");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 3);
	ck_assert_str_eq(r.err,
			 "migrate: error: versions/0002_slugs.c: not compiled "
			 "(versions/0002_slugs.so missing); run 'migrate "
			 "build' (needs a C compiler) or ship the .so with the "
			 "build\n");
	tu_run_release(&r);
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "people"));

	/* up to the SQL unit before it is fine */
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "0001_people"), 0);
	tu_run_release(&r);
	assert_versions(&e, "0001_people");

	/* --sql cannot write a C unit out */
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--sql"), 3);
	assert_contains(r.err, "versions/0002_slugs.c: C unit '0002_slugs' "
			       "cannot be written as SQL");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

START_TEST(missing_function_refused)
{
	struct env e;
	struct tu_run r;

	env_init(&e, _i, "cu_nodown");
	put(&e, "0001_people.sql");
	put(&e, "nodown/0002_nodown.c");
	build_ok(&e, "1 C unit: 1 compiled");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 3);
	ck_assert_str_eq(r.err,
			 "migrate: error: versions/0002_nodown.c: cannot load "
			 "compiled object versions/0002_nodown.so: it defines "
			 "no 'downgrade' function (a C unit defines int "
			 "upgrade(migrate_ctx *) and int downgrade(migrate_ctx "
			 "*))\n");
	tu_run_release(&r);
	assert_versions(&e, "");
	ck_assert(!db_has_table(&e, "people"));
	env_free(&e);
}
END_TEST

START_TEST(revision_c_builds_and_runs)
{
	static const char head[] =
		"/*\n"
		" * revision: 0003_backfill_people\n"
		" * down_revision: 0002_slugs\n"
		" * message: \"Backfill: people\"\n"
		" * create_date: ";
	struct env e;
	struct tu_run r;
	char *path, *text;

	env_init(&e, _i, "cu_rev");
	put(&e, "0001_people.sql");
	put(&e, "0002_slugs.c");
	ck_assert_int_eq(MIG(&e, &r, "revision", "--c", "-m",
			     "Backfill: people"), 0);
	ck_assert_str_eq(r.out, "versions/0003_backfill_people.c\n");
	tu_run_release(&r);
	path = tu_path(e.dir, "versions/0003_backfill_people.c");
	text = tu_slurp(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(!strncmp(text, head, strlen(head)),
		      "unexpected template:\n%s", text);
	assert_contains(text, " * transactional: true\n */\n"
			      "#include <migrate_unit.h>\n");
	assert_contains(text, "\nint upgrade(migrate_ctx *ctx)\n{\n"
			      "\t(void)ctx;\n\treturn 0;\n}\n");
	assert_contains(text, "\nint downgrade(migrate_ctx *ctx)\n{\n"
			      "\t(void)ctx;\n\treturn 0;\n}\n");
	free(text);
	free(path);

	/* '*' '/' in a value would end the header comment */
	ck_assert_int_eq(MIG(&e, &r, "revision", "--c", "-m", "a */ b"), 2);
	ck_assert_str_eq(r.err, "migrate: error: 'a */ b' cannot go in a C "
				"unit's header: '*/' would end its comment\n");
	tu_run_release(&r);

	/*
	 * Two C units in one run, each with its own `upgrade`: each object
	 * is loaded on its own (RTLD_LOCAL), so 0002's runs once.
	 */
	build_ok(&e, "2 C units: 2 compiled, 0 up to date");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_contains(r.err, "Running upgrade 0002_slugs -> "
			       "0003_backfill_people, Backfill: people");
	{
		const char *first = strstr(r.err, "slugged 0 people");

		ck_assert_ptr_nonnull(first);
		assert_lacks(first + 1, "slugged");
	}
	tu_run_release(&r);
	assert_versions(&e, "0003_backfill_people");
	ck_assert_int_eq(MIG(&e, &r, "downgrade", "base"), 0);
	assert_contains(r.err, "Running downgrade 0003_backfill_people -> "
			       "0002_slugs");
	tu_run_release(&r);
	assert_versions(&e, "");
	env_free(&e);
}
END_TEST

/* Where `name` is on PATH (malloc'd), or NULL. */
static char *which(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return mg_strdup(name);
	if (!path)
		return NULL;
	copy = mg_strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p = mg_asprintf("%s/%s", dir, name);

		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

START_TEST(runs_without_a_compiler)
{
	struct env e;
	struct tu_run r;
	char *nocc, pathvar[4200];
	const char *extra[2];
	const char *wrapper = getenv("MIGRATE_WRAPPER");

	env_init(&e, _i, "cu_nocc");
	put(&e, "0001_people.sql");
	put(&e, "0002_slugs.c");
	build_ok(&e, "1 C unit: 1 compiled");
	/* an empty PATH folder: no cc, no gcc, nothing */
	nocc = tu_path(e.dir, "nocc");
	ck_assert_int_eq(mkdir(nocc, 0755), 0);
	if (wrapper && wrapper[0]) {
		/*
		 * valgrind & co. must still be found: a script of that name
		 * runs the real one (Debian's valgrind is itself a script
		 * that finds its binary next to $0, so no symlink)
		 */
		char first[256], *real, *script;

		ck_assert_int_eq(sscanf(wrapper, "%255s", first), 1);
		real = which(first);
		ck_assert_ptr_nonnull(real);
		script = mg_asprintf("#!/bin/sh\nexec %s \"$@\"\n", real);
		tu_write(nocc, strrchr(real, '/') + 1, script);
		free(script);
		script = mg_asprintf("%s/%s", nocc, strrchr(real, '/') + 1);
		ck_assert_int_eq(chmod(script, 0755), 0);
		free(script);
		free(real);
	}
	snprintf(pathvar, sizeof(pathvar), "PATH=%s", nocc);
	extra[0] = pathvar;
	extra[1] = NULL;

	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "upgrade", "head"), 0);
	assert_contains(r.err, "0002_slugs: slugged 0 people\n");
	tu_run_release(&r);
	assert_versions(&e, "0002_slugs");

	/* building, though, needs one */
	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "build", "--force"), 3);
	ck_assert_str_eq(r.err, "migrate: error: versions/0002_slugs.c: cannot "
				"run the C compiler 'cc': No such file or "
				"directory; give one with --cc CC or $CC\n");
	tu_run_release(&r);
	/* and the object it could not rebuild is still there */
	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "downgrade", "base"), 0);
	tu_run_release(&r);
	free(nocc);
	env_free(&e);
}
END_TEST

START_TEST(compile_error_shown)
{
	struct env e;
	struct tu_run r;
	char *names;

	env_init(&e, 0, "cu_broken");
	put(&e, "0001_people.sql");
	put(&e, "broken/0002_broken.c");
	ck_assert_int_eq(MIG(&e, &r, "build"), 3);
	/* the compiler's own words, then ours */
	assert_contains(r.err, "versions/0002_broken.c:");
	assert_contains(r.err, "versions/0002_broken.c:11:");
	assert_contains(r.err, "error: expected ");
	assert_contains(r.err, "migrate: error: versions/0002_broken.c: "
			       "compilation failed ('cc' exited with status "
			       "1)\n");
	ck_assert_str_eq(r.out, "");
	tu_run_release(&r);
	/* no object, no temporary file left behind */
	names = list_versions(&e);
	ck_assert_str_eq(names, "0001_people.sql 0002_broken.c");
	free(names);
	env_free(&e);
}
END_TEST

START_TEST(build_options)
{
	struct env e;
	struct tu_run r;
	char cwd[4096], incvar[4200];
	const char *extra[2];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	env_init(&e, 0, "cu_opts");
	put(&e, "0001_people.sql");

	/* nothing to compile */
	ck_assert_int_eq(MIG(&e, &r, "build"), 0);
	ck_assert_str_eq(r.err, "INFO  [migrate] no C units in versions\n");
	tu_run_release(&r);

	put(&e, "0002_slugs.c");
	ck_assert_int_eq(MIG(&e, &r, "build", "--include", "/nonexistent"), 3);
	ck_assert_str_eq(r.err, "migrate: error: no migrate_unit.h in "
				"'/nonexistent' (from --include)\n");
	tu_run_release(&r);
	extra[0] = "MIGRATE_INCLUDE=/nonexistent";
	extra[1] = NULL;
	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "build"), 3);
	ck_assert_str_eq(r.err, "migrate: error: no migrate_unit.h in "
				"'/nonexistent' (from $MIGRATE_INCLUDE)\n");
	tu_run_release(&r);
	ck_assert(!file_exists(&e, "versions/0002_slugs.so"));

	/* --include wins over $MIGRATE_INCLUDE; --cc takes words */
	snprintf(incvar, sizeof(incvar), "%s/lib/include", cwd);
	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "-v", "build", "--include",
				 incvar, "--cc", "cc -Wall -Werror"), 0);
	assert_contains(r.err, "INFO  [migrate] cc -Wall -Werror -shared "
			       "-fPIC -O2 -fvisibility=hidden -I");
	assert_contains(r.err, "compiled versions/0002_slugs.c -> "
			       "versions/0002_slugs.so\n");
	tu_run_release(&r);
	ck_assert(file_exists(&e, "versions/0002_slugs.so"));

	/* $CC, and a compiler that is not there */
	extra[0] = "CC=no-such-cc";
	ck_assert_int_eq(MIG_ENV(&e, &r, extra, "build", "--force"), 3);
	ck_assert_str_eq(r.err, "migrate: error: versions/0002_slugs.c: cannot "
				"run the C compiler 'no-such-cc': No such file "
				"or directory; give one with --cc CC or $CC\n");
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "build", "--bogus"), 2);
	assert_contains(r.err, "unknown or incomplete option '--bogus'");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "build", "extra"), 2);
	assert_contains(r.err, "unexpected argument 'extra'");
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "build", "--help"), 0);
	assert_contains(r.out, "usage: migrate [global options] build");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

Suite *cunit_suite(void)
{
	Suite *s = suite_create("cunit");
	TCase *both = tcase_create("both_backends");
	TCase *one = tcase_create("no_database");
	int nb = pg_harness_bindir() ? 2 : 1;

	if (nb == 1)
		fprintf(stderr, "cunit: PostgreSQL tests SKIPPED: no initdb "
			"found (install postgresql)\n");
	tcase_set_timeout(both, 300);
	tcase_add_unchecked_fixture(both, unchecked_setup, NULL);
	/* _i % 2 is the backend: with nb == 1 only the SQLite ones run */
	tcase_add_loop_test(both, backfill_with_bound_parameters, 0, nb);
	tcase_add_loop_test(both, example_chain_email_backfill, 0, nb);
	{
		int i;

		for (i = 0; i < NFAIL; i++)
			tcase_add_loop_test(both, failing_unit_rolls_back,
					    2 * i, 2 * i + nb);
	}
	tcase_add_loop_test(both, failing_unit_per_migration, 0, nb);
	tcase_add_loop_test(both, stale_object_refused, 0, nb);
	tcase_add_loop_test(both, missing_object_refused, 0, nb);
	tcase_add_loop_test(both, missing_function_refused, 0, nb);
	tcase_add_loop_test(both, revision_c_builds_and_runs, 0, nb);
	tcase_add_loop_test(both, runs_without_a_compiler, 0, nb);
	suite_add_tcase(s, both);

	tcase_set_timeout(one, 120);
	tcase_add_test(one, compile_error_shown);
	tcase_add_test(one, build_options);
	suite_add_tcase(s, one);
	return s;
}
