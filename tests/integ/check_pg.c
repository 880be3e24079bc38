/*
 * check_pg.c - the PostgreSQL backend (lib/db_pg.c) against a real,
 * throwaway server (pg_harness.c), through the backend vtable only.
 *
 * Each test gets a fresh database.  Without initdb the suite has no
 * tests and says SKIPPED on stderr.
 */
#define _DEFAULT_SOURCE
#include "mg.h"
#include "pg_harness.h"
#include "suites.h"
#include "testutil.h"

#include <fcntl.h>
#include <unistd.h>

#define OPS (&mg_db_pg_ops)
#define LOCK_KEY "public.alembic_version"

static char *db_url;  /* this test's database, over the socket */
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
	db_url = pg_harness_new_db("pg", &db_name);
	ck_assert_msg(db_url != NULL, "cannot create a test database");
}

static void db_teardown(void)
{
	pg_harness_drop_db(db_name);
	free(db_url);
	free(db_name);
	db_url = db_name = NULL;
}

/* Open conninfo (shown as `masked`) with a statement timeout. */
static int open_ci(struct mg_db **db, const char *conninfo,
		   const char *masked, unsigned statement_timeout_ms,
		   struct mg_error *err)
{
	struct mg_url u;
	struct mg_config cfg;
	int rc;

	memset(&u, 0, sizeof(u));
	memset(&cfg, 0, sizeof(cfg));
	u.dialect = MG_DIALECT_PG;
	u.conninfo = mg_strdup(conninfo);
	u.masked = mg_strdup(masked ? masked : conninfo);
	cfg.statement_timeout_ms = statement_timeout_ms;
	cfg.lock_timeout_ms = 60000;
	rc = OPS->open(db, &u, &cfg, err);
	free(u.conninfo);
	free(u.masked);
	return rc;
}

/* This test's database, opened; asserts success. */
static struct mg_db *open_test_db(unsigned statement_timeout_ms)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = NULL;

	ck_assert_msg(open_ci(&db, db_url, NULL, statement_timeout_ms,
			      &err) == MG_OK, "open: %s", err.msg);
	ck_assert_ptr_nonnull(db);
	return db;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void ok_exec(struct mg_db *db, const char *sql)
{
	struct mg_error err = MG_ERROR_INIT;
	unsigned long pos = 99;

	ck_assert_msg(OPS->exec(db, sql, strlen(sql), &pos, &err) == MG_OK,
		      "%s: %s", sql, err.msg);
	ck_assert_uint_eq(pos, 0);
}

/* Rows of a query as "a|b|NULL\n" lines. */
static int collect(void *user, int ncols, const char *const *cols)
{
	struct mg_buf *b = user;
	int i;

	for (i = 0; i < ncols; i++)
		mg_buf_printf(b, "%s%s", i ? "|" : "", cols[i] ? cols[i] :
								   "NULL");
	mg_buf_putc(b, '\n');
	return 0;
}

/* The whole result of a parameterless query, in collect()'s format. */
static char *rows(struct mg_db *db, const char *sql)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_buf b = MG_BUF_INIT;

	ck_assert_msg(OPS->query(db, sql, 0, NULL, collect, &b, &err) ==
			      MG_OK, "%s: %s", sql, err.msg);
	return mg_buf_detach(&b);
}

static void assert_rows(struct mg_db *db, const char *sql, const char *want)
{
	char *got = rows(db, sql);

	ck_assert_str_eq(got, want);
	free(got);
}

static char *backend_pid(struct mg_db *db)
{
	char *s = rows(db, "SELECT pg_backend_pid()");

	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* postgresql://USER:PW@127.0.0.1:PORT/DB and its masked form. */
static char *tcp_url(const char *scheme, const char *user, const char *pw,
		     const char *db)
{
	if (!pw)
		return mg_asprintf("%s://%s@127.0.0.1:%d/%s", scheme, user,
				   pg_harness_port(), db);
	return mg_asprintf("%s://%s:%s@127.0.0.1:%d/%s", scheme, user, pw,
			   pg_harness_port(), db);
}

/* ------------------------------------------------------------------ */
/* Connecting                                                           */

START_TEST(connect_ok)
{
	struct mg_db *db = open_test_db(0);

	ck_assert_str_eq(OPS->name, "postgresql");
	ck_assert_int_eq(OPS->dialect, MG_DIALECT_PG);
	assert_rows(db, "SELECT current_setting('client_min_messages'), "
			"current_setting('application_name'), "
			"current_setting('statement_timeout')",
		    "warning|migrate|0\n");
	OPS->close(db);
	OPS->close(NULL);
}
END_TEST

START_TEST(connect_dead_socket)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = (struct mg_db *)&err; /* must be reset to NULL */
	char *empty = tu_mkdtemp("pgdead");
	char *url = mg_asprintf("postgresql:///nope?host=%s", empty);
	char *want = mg_asprintf("cannot connect to %s: connection to server "
				 "on socket \"%s/.s.PGSQL.5432\" failed: No "
				 "such file or directory", url, empty);

	ck_assert_int_eq(open_ci(&db, url, NULL, 0, &err), MG_ECONNECT);
	ck_assert_ptr_null(db);
	ck_assert_int_eq(err.code, MG_ECONNECT);
	ck_assert_msg(starts_with(err.msg, want), "got: %s", err.msg);
	ck_assert_str_eq(err.file, "");
	tu_rmrf(empty);
	free(empty);
	free(url);
	free(want);
}
END_TEST

/* Failed TCP logins: the password must show up nowhere. */
static const struct login_case {
	const char *user, *pw, *db;
	const char *reason;  /* expected after "cannot connect to X: " */
	const char *decoded; /* the password percent-decoded, if other */
} login_cases[] = {
	{ "postgres", "Wr0ng-Pass-77", "postgres",
	  "password authentication failed for user \"postgres\"", NULL },
	/* libpq quotes the user name, here equal to the password */
	{ "Wr0ng-Pass-77", "Wr0ng-Pass-77", "postgres",
	  "password authentication failed for user \"***\"", NULL },
	{ "postgres", PG_HARNESS_PASSWORD, "nosuchdb",
	  "database \"nosuchdb\" does not exist", NULL },
	/* and the database name, here equal to the (right) password */
	{ "postgres", PG_HARNESS_PASSWORD, PG_HARNESS_PASSWORD,
	  "database \"***\" does not exist", NULL },
	/* libpq quotes the decoded user name: the decoded password goes */
	{ "Wr%40ng-77", "Wr%40ng-77", "postgres",
	  "password authentication failed for user \"***\"", "Wr@ng-77" },
};

START_TEST(connect_bad_login)
{
	const struct login_case *c = &login_cases[_i];
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = NULL;
	char *url = tcp_url("postgresql", c->user, c->pw, c->db);

	/* (the masked URL comes from mg_url_parse; here a stand-in) */
	ck_assert_int_eq(open_ci(&db, url, "<masked>", 0, &err),
			 MG_ECONNECT);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(err.msg, c->pw) == NULL, "password in: %s",
		      err.msg);
	ck_assert(strstr(err.file, c->pw) == NULL);
	ck_assert_msg(!c->decoded || !strstr(err.msg, c->decoded),
		      "password in: %s", err.msg);
	ck_assert_msg(starts_with(err.msg, "cannot connect to <masked>: "),
		      "got: %s", err.msg);
	ck_assert_msg(strstr(err.msg, c->reason) != NULL, "got: %s",
		      err.msg);
	free(url);
}
END_TEST

/* A password given as a query parameter is scrubbed the same. */
START_TEST(connect_bad_login_param)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = NULL;
	char *url = mg_asprintf("postgresql://127.0.0.1:%d/postgres?user="
				"Sec-Ret-42&password=Sec-Ret-42",
				pg_harness_port());

	ck_assert_int_eq(open_ci(&db, url, "masked", 0, &err), MG_ECONNECT);
	ck_assert_msg(strstr(err.msg, "Sec-Ret-42") == NULL, "got: %s",
		      err.msg);
	ck_assert_msg(starts_with(err.msg, "cannot connect to masked: "),
		      "got: %s", err.msg);
	free(url);
}
END_TEST

/*
 * The URL forms SPEC.md accepts, rewritten the way mg_url_parse does:
 * postgres:// kept (libpq reads it), a +driver suffix dropped.
 */
static char *as_conninfo(const char *url)
{
	const char *plus = strchr(url, '+');
	const char *sep = strstr(url, "://");

	if (plus && sep && plus < sep)
		return mg_asprintf("postgresql%s", sep);
	return mg_strdup(url);
}

static const char *const url_schemes[] = {
	"postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg",
};

START_TEST(connect_url_forms)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = NULL;
	char *url = tcp_url(url_schemes[_i], "postgres", PG_HARNESS_PASSWORD,
			    db_name);
	char *ci = as_conninfo(url);
	char *want = mg_asprintf("%s|%s\n", db_name, "postgres");

	ck_assert_msg(open_ci(&db, ci, "x", 0, &err) == MG_OK, "%s: %s", ci,
		      err.msg);
	assert_rows(db, "SELECT current_database(), current_user", want);
	/* over TCP, not the socket */
	assert_rows(db, "SELECT inet_client_addr() IS NOT NULL", "t\n");
	OPS->close(db);
	free(url);
	free(ci);
	free(want);
}
END_TEST

/* The same through mg_url_parse, which makes conninfo and masked. */
START_TEST(connect_via_url_parse)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_url u;
	struct mg_db *db = NULL;
	char *bad = tcp_url(url_schemes[_i], "postgres", "Wr0ng-Pass-77",
			    db_name);
	char *good = tcp_url(url_schemes[_i], "postgres",
			     PG_HARNESS_PASSWORD, db_name);
	char *want;

	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(mg_url_parse(&u, bad, &err), MG_OK);
	ck_assert_int_eq(u.dialect, MG_DIALECT_PG);
	ck_assert_int_eq(OPS->open(&db, &u, NULL, &err), MG_ECONNECT);
	want = mg_asprintf("cannot connect to %s: ", u.masked);
	ck_assert_msg(starts_with(err.msg, want), "got: %s", err.msg);
	ck_assert_msg(strstr(err.msg, "Wr0ng-Pass-77") == NULL, "got: %s",
		      err.msg);
	ck_assert(strstr(err.msg, "password authentication failed") != NULL);
	mg_url_release(&u);
	free(want);

	ck_assert_int_eq(mg_url_parse(&u, good, &err), MG_OK);
	ck_assert_msg(OPS->open(&db, &u, NULL, &err) == MG_OK, "%s", err.msg);
	assert_rows(db, "SELECT current_user", "postgres\n");
	OPS->close(db);
	mg_url_release(&u);
	free(bad);
	free(good);
}
END_TEST

/* The socket URL form the harness hands out works as is. */
START_TEST(connect_socket_url)
{
	struct mg_db *db = open_test_db(0);
	char *want = mg_asprintf("%s|f\n", db_name);

	assert_rows(db, "SELECT current_database(), "
			"inet_client_addr() IS NOT NULL", want);
	OPS->close(db);
	free(want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The run lock                                                         */

/* err is the lock error naming `pid` as the holder. */
static void assert_held(const struct mg_error *err, const char *within,
			const char *pid)
{
	char *want = mg_asprintf("could not obtain the migrate lock on '%s' "
				 "within %s: held by pid %s", LOCK_KEY, within,
				 pid);

	ck_assert_int_eq(err->code, MG_ELOCK);
	ck_assert_str_eq(err->msg, want);
	free(want);
}

START_TEST(lock_contended)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *a = open_test_db(0), *b = open_test_db(0);
	char *pid = backend_pid(a);
	double t0, ms;

	ck_assert_int_eq(OPS->lock(a, LOCK_KEY, 0, &err), MG_OK);
	/* taking it again is a no-op */
	ck_assert_int_eq(OPS->lock(a, LOCK_KEY, 0, &err), MG_OK);

	t0 = mg_now_ms();
	ck_assert_int_eq(OPS->lock(b, LOCK_KEY, 300, &err), MG_ELOCK);
	ms = mg_now_ms() - t0;
	ck_assert_msg(ms >= 290 && ms < 4000, "waited %.0f ms", ms);
	assert_held(&err, "300ms", pid);

	/* timeout 0: one try, no wait */
	t0 = mg_now_ms();
	ck_assert_int_eq(OPS->lock(b, LOCK_KEY, 0, &err), MG_ELOCK);
	ck_assert_msg(mg_now_ms() - t0 < 1000, "try-once waited");
	assert_held(&err, "0s", pid);

	/* another key is another lock */
	ck_assert_int_eq(OPS->lock(b, "other.alembic_version", 0, &err),
			 MG_OK);
	OPS->unlock(b);

	OPS->unlock(a);
	ck_assert_int_eq(OPS->lock(b, LOCK_KEY, 300, &err), MG_OK);
	ck_assert_int_eq(OPS->lock(a, LOCK_KEY, 0, &err), MG_ELOCK);
	OPS->unlock(b);
	OPS->unlock(b); /* unlocking twice is harmless */
	ck_assert_int_eq(OPS->lock(a, LOCK_KEY, 0, &err), MG_OK);
	OPS->close(a);
	/* closing the session frees its lock */
	ck_assert_int_eq(OPS->lock(b, LOCK_KEY, 1000, &err), MG_OK);
	OPS->close(b);
	free(pid);
}
END_TEST

/* A waiter gets the lock as soon as the holder lets go. */
START_TEST(lock_waits_for_release)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *a = open_test_db(0), *b = open_test_db(0);
	double t0, ms;

	ck_assert_int_eq(OPS->lock(a, LOCK_KEY, 0, &err), MG_OK);
	/* the server ends a's session, and so frees its lock, when idle */
	ok_exec(a, "SET idle_session_timeout = 400");
	t0 = mg_now_ms();
	ck_assert_msg(OPS->lock(b, LOCK_KEY, 5000, &err) == MG_OK, "%s",
		      err.msg);
	ms = mg_now_ms() - t0;
	ck_assert_msg(ms >= 300 && ms < 4000, "waited %.0f ms", ms);
	OPS->close(b);
	OPS->close(a);
}
END_TEST

START_TEST(lock_refused_in_transaction)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *a = open_test_db(0), *b = open_test_db(0);
	double t0;

	ck_assert_int_eq(OPS->lock(a, LOCK_KEY, 0, &err), MG_OK);
	ck_assert_int_eq(OPS->begin(b, &err), MG_OK);
	t0 = mg_now_ms();
	ck_assert_int_eq(OPS->lock(b, LOCK_KEY, 5000, &err), MG_ELOCK);
	ck_assert_msg(mg_now_ms() - t0 < 1000, "lock() waited inside a "
					       "transaction");
	ck_assert_str_eq(err.msg, "cannot take the migrate lock on "
				  "'" LOCK_KEY "' inside an open transaction");
	OPS->rollback(b);
	/* even a free lock is not taken inside a transaction */
	OPS->unlock(a);
	ck_assert_int_eq(OPS->begin(b, &err), MG_OK);
	ck_assert_int_eq(OPS->lock(b, LOCK_KEY, 0, &err), MG_ELOCK);
	OPS->rollback(b);
	ck_assert_int_eq(OPS->lock(b, LOCK_KEY, 0, &err), MG_OK);
	OPS->close(a);
	OPS->close(b);
}
END_TEST

/*
 * The key is pinned: migrate builds of different versions must agree on
 * it, or two of them could run at once.  Two-int form, classid "migr",
 * objid FNV-1a("public.alembic_version").
 */
START_TEST(lock_key_is_stable)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *a = open_test_db(0), *b = open_test_db(0);
	char *pid = backend_pid(a), *sql, *want;

	ck_assert_int_eq(OPS->lock(a, LOCK_KEY, 0, &err), MG_OK);
	sql = mg_asprintf("SELECT classid, objid, objsubid FROM pg_locks "
			  "WHERE locktype = 'advisory' AND pid = %s", pid);
	want = mg_asprintf("%u|%u|2\n", 1835624306u, 1095338110u);
	assert_rows(b, sql, want);
	OPS->unlock(a);
	assert_rows(b, sql, "");
	free(sql);
	free(want);
	free(pid);
	OPS->close(a);
	OPS->close(b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Statements and their errors                                          */

static const struct exec_case {
	const char *setup[3];
	const char *sql;
	const char *msg;
	unsigned long pos;
} exec_cases[] = {
	{ { "CREATE TABLE t (id int PRIMARY KEY)",
	    "INSERT INTO t VALUES (1)" },
	  "INSERT INTO t VALUES (1)",
	  "ERROR: duplicate key value violates unique constraint \"t_pkey\"\n"
	  "DETAIL: Key (id)=(1) already exists.", 0 },
	{ { NULL }, "SELECT 1 FROM nosuch",
	  "ERROR: relation \"nosuch\" does not exist", 15 },
	/* the position counts characters, not bytes */
	{ { NULL }, "SELECT '\xc3\xa9\xe2\x82\xac', x\nFROM nosuch",
	  "ERROR: relation \"nosuch\" does not exist", 21 },
	{ { NULL }, "SELEC 1", "ERROR: syntax error at or near \"SELEC\"", 1 },
	{ { NULL }, "SELECT nosuchfn(1)",
	  "ERROR: function nosuchfn(integer) does not exist\n"
	  "HINT: No function matches the given name and argument types. "
	  "You might need to add explicit type casts.", 8 },
	{ { "CREATE TABLE users (name text)" }, "SELECT nme FROM users",
	  "ERROR: column \"nme\" does not exist\n"
	  "HINT: Perhaps you meant to reference the column \"users.name\".",
	  8 },
	{ { NULL },
	  "DO $$BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'd1', "
	  "HINT = 'h1'; END$$",
	  "ERROR: boom\nDETAIL: d1\nHINT: h1", 0 },
	{ { "CREATE TABLE t (id int)" }, "COPY t FROM STDIN",
	  "COPY to or from the client is not supported in a migration", 0 },
	{ { "CREATE TABLE t (id int)" }, "COPY t TO STDOUT",
	  "COPY to or from the client is not supported in a migration", 0 },
};

START_TEST(exec_errors)
{
	const struct exec_case *c = &exec_cases[_i];
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	unsigned long pos = 12345;
	size_t i;

	for (i = 0; i < 3 && c->setup[i]; i++)
		ok_exec(db, c->setup[i]);
	ck_assert_int_eq(OPS->exec(db, c->sql, strlen(c->sql), &pos, &err),
			 MG_EUNIT);
	ck_assert_int_eq(err.code, MG_EUNIT);
	ck_assert_str_eq(err.msg, c->msg);
	ck_assert_uint_eq(pos, c->pos);
	ck_assert_str_eq(err.file, "");
	/* the connection is still usable */
	assert_rows(db, "SELECT 1", "1\n");
	/* and nothing of a refused multi-statement string ran */
	if (strstr(c->sql, "DROP TABLE t"))
		assert_rows(db, "SELECT count(*) FROM t", "0\n");
	OPS->close(db);
}
END_TEST

/* exec takes a length: the text need not be NUL-terminated. */
START_TEST(exec_takes_length)
{
	static const char text[] = "SELECT 1;garbage that is never sent";
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	unsigned long pos = 7;

	ck_assert_int_eq(OPS->exec(db, text, 8, &pos, &err), MG_OK);
	ck_assert_uint_eq(pos, 0);
	/* an empty statement is fine too */
	ck_assert_int_eq(OPS->exec(db, text, 0, &pos, &err), MG_OK);
	/* errpos may be NULL */
	ck_assert_int_eq(OPS->exec(db, "SELEC", 5, NULL, &err), MG_EUNIT);
	OPS->close(db);
}
END_TEST

START_TEST(no_tx_statements)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	static const char cic[] = "CREATE INDEX CONCURRENTLY t_id ON t (id)";
	static const char vac[] = "VACUUM t";

	ok_exec(db, "CREATE TABLE t (id int)");
	ok_exec(db, cic);
	ok_exec(db, vac);
	ok_exec(db, "VACUUM");
	assert_rows(db, "SELECT indexname FROM pg_indexes "
			"WHERE tablename = 't'", "t_id\n");

	ok_exec(db, "DROP INDEX t_id");
	ck_assert_int_eq(OPS->begin(db, &err), MG_OK);
	ck_assert_int_eq(OPS->exec(db, cic, strlen(cic), NULL, &err),
			 MG_EUNIT);
	ck_assert_str_eq(err.msg, "ERROR: CREATE INDEX CONCURRENTLY cannot "
				  "run inside a transaction block");
	OPS->rollback(db);
	ck_assert_int_eq(OPS->begin(db, &err), MG_OK);
	ck_assert_int_eq(OPS->exec(db, vac, strlen(vac), NULL, &err),
			 MG_EUNIT);
	ck_assert_str_eq(err.msg, "ERROR: VACUUM cannot run inside a "
				  "transaction block");
	OPS->rollback(db);
	assert_rows(db, "SELECT count(*) FROM pg_indexes "
			"WHERE tablename = 't'", "0\n");
	OPS->close(db);
}
END_TEST

START_TEST(statement_timeout)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(200);
	static const char sleep3[] = "SELECT pg_sleep(3)";
	double t0, ms;

	assert_rows(db, "SELECT current_setting('statement_timeout')",
		    "200ms\n");
	t0 = mg_now_ms();
	ck_assert_int_eq(OPS->exec(db, sleep3, strlen(sleep3), NULL, &err),
			 MG_EUNIT);
	ms = mg_now_ms() - t0;
	ck_assert_str_eq(err.msg, "ERROR: canceling statement due to "
				  "statement timeout");
	ck_assert_msg(ms >= 150 && ms < 2500, "took %.0f ms", ms);
	assert_rows(db, "SELECT 1", "1\n");
	OPS->close(db);
}
END_TEST

/* Stops after the second row. */
static int two_rows(void *user, int ncols, const char *const *cols)
{
	struct mg_buf *b = user;

	collect(user, ncols, cols);
	return b->len && strchr(b->ptr, '\n') != strrchr(b->ptr, '\n');
}

START_TEST(query_params_and_nulls)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	struct mg_buf b = MG_BUF_INIT;
	const char *vals[3] = { "a'b", NULL, "41" };
	static const char sql[] =
		"SELECT $1::text, $2::text, $3::int + g, NULL "
		"FROM generate_series(1, 3) g ORDER BY g";

	ck_assert_int_eq(OPS->query(db, sql, 3, vals, collect, &b, &err),
			 MG_OK);
	ck_assert_str_eq(mg_buf_str(&b), "a'b|NULL|42|NULL\n"
					 "a'b|NULL|43|NULL\n"
					 "a'b|NULL|44|NULL\n");
	mg_buf_reset(&b);
	/* a non-zero return stops the rows, and is no error */
	ck_assert_int_eq(OPS->query(db, sql, 3, vals, two_rows, &b, &err),
			 MG_OK);
	ck_assert_str_eq(mg_buf_str(&b), "a'b|NULL|42|NULL\n"
					 "a'b|NULL|43|NULL\n");
	mg_buf_reset(&b);
	/* no rows, no calls */
	ck_assert_int_eq(OPS->query(db, "SELECT 1 WHERE false", 0, NULL,
				    collect, &b, &err), MG_OK);
	ck_assert_str_eq(mg_buf_str(&b), "");
	/* a query error */
	ck_assert_int_eq(OPS->query(db, "SELECT $1::int", 1, vals,
				    collect, &b, &err), MG_EUNIT);
	ck_assert_str_eq(err.msg, "ERROR: invalid input syntax for type "
				  "integer: \"a'b\"");
	mg_buf_release(&b);
	OPS->close(db);
}
END_TEST

START_TEST(exec_params_values)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	const char *vals[2] = { "0001_x", NULL };

	ok_exec(db, "CREATE TABLE v (a varchar(32) NOT NULL, b text)");
	ck_assert_int_eq(OPS->exec_params(db, "INSERT INTO v VALUES ($1, $2)",
					  2, vals, &err), MG_OK);
	assert_rows(db, "SELECT a, b FROM v", "0001_x|NULL\n");
	vals[0] = NULL;
	ck_assert_int_eq(OPS->exec_params(db, "INSERT INTO v VALUES ($1, $2)",
					  2, vals, &err), MG_EUNIT);
	ck_assert_str_eq(err.msg, "ERROR: null value in column \"a\" of "
				  "relation \"v\" violates not-null "
				  "constraint\nDETAIL: Failing row contains "
				  "(null, null).");
	OPS->close(db);
}
END_TEST

static const struct exists_case {
	const char *schema, *name;
	int exists;
} exists_cases[] = {
	{ NULL, "t_public", 1 },
	{ "public", "t_public", 1 },
	{ NULL, "t_other", 0 },     /* not on the search path */
	{ "other", "t_other", 1 },
	{ "other", "t_public", 0 },
	{ "nosuchschema", "t_public", 0 },
	{ NULL, "nosuch", 0 },
	{ NULL, "We\"ird Name", 1 }, /* quoted, not folded */
	{ NULL, "we\"ird name", 0 },
	{ NULL, "t_view", 1 },
	{ NULL, "t_public_pkey", 0 }, /* an index is no table */
	{ NULL, "T_PUBLIC", 0 },
};

START_TEST(table_exists)
{
	const struct exists_case *c = &exists_cases[_i];
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	int exists = -1;

	ok_exec(db, "CREATE TABLE t_public (id int PRIMARY KEY)");
	ok_exec(db, "CREATE SCHEMA other");
	ok_exec(db, "CREATE TABLE other.t_other (id int)");
	ok_exec(db, "CREATE TABLE \"We\"\"ird Name\" (id int)");
	ok_exec(db, "CREATE VIEW t_view AS SELECT 1 AS one");
	ck_assert_int_eq(OPS->table_exists(db, c->schema, c->name, &exists,
					   &err), MG_OK);
	ck_assert_msg(exists == c->exists, "%s.%s: %d",
		      c->schema ? c->schema : "(null)", c->name, exists);
	OPS->close(db);
}
END_TEST

START_TEST(table_exists_follows_search_path)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	int exists = -1;

	ok_exec(db, "CREATE SCHEMA other");
	ok_exec(db, "CREATE TABLE other.t_other (id int)");
	ok_exec(db, "SET search_path = other, public");
	ck_assert_int_eq(OPS->table_exists(db, NULL, "t_other", &exists,
					   &err), MG_OK);
	ck_assert_int_eq(exists, 1);
	OPS->close(db);
}
END_TEST

START_TEST(transactions)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_test_db(0);
	int exists = -1;
	unsigned long pos;

	/* rollback really discards DDL */
	ck_assert_int_eq(OPS->begin(db, &err), MG_OK);
	ok_exec(db, "CREATE TABLE t (id int)");
	ck_assert_int_eq(OPS->table_exists(db, NULL, "t", &exists, &err), 0);
	ck_assert_int_eq(exists, 1);
	OPS->rollback(db);
	ck_assert_int_eq(OPS->table_exists(db, NULL, "t", &exists, &err), 0);
	ck_assert_int_eq(exists, 0);

	/* commit keeps it */
	ck_assert_int_eq(OPS->begin(db, &err), MG_OK);
	ok_exec(db, "CREATE TABLE t (id int)");
	ck_assert_int_eq(OPS->commit(db, &err), MG_OK);
	ck_assert_int_eq(OPS->table_exists(db, NULL, "t", &exists, &err), 0);
	ck_assert_int_eq(exists, 1);

	/* a failed transaction does not "commit" */
	ck_assert_int_eq(OPS->begin(db, &err), MG_OK);
	ok_exec(db, "CREATE TABLE u (id int)");
	ck_assert_int_eq(OPS->exec(db, "SELEC", 5, &pos, &err), MG_EUNIT);
	ck_assert_int_eq(OPS->exec(db, "SELECT 1", 8, &pos, &err), MG_EUNIT);
	ck_assert_str_eq(err.msg, "ERROR: current transaction is aborted, "
				  "commands ignored until end of transaction "
				  "block");
	ck_assert_int_eq(OPS->commit(db, &err), MG_EUNIT);
	ck_assert_str_eq(err.msg, "cannot commit: a statement of the "
				  "transaction failed; it was rolled back");
	ck_assert_int_eq(OPS->table_exists(db, NULL, "u", &exists, &err), 0);
	ck_assert_int_eq(exists, 0);

	/* rollback outside a transaction is harmless, begin twice is not */
	OPS->rollback(db);
	ck_assert_int_eq(OPS->begin(db, &err), MG_OK);
	ck_assert_int_eq(OPS->begin(db, &err), MG_OK); /* a server warning */
	OPS->rollback(db);
	assert_rows(db, "SELECT 1", "1\n");
	OPS->close(db);
}
END_TEST

/* Warnings and notices never reach stderr: the library never prints. */
START_TEST(notices_are_quiet)
{
	struct mg_db *db = open_test_db(0);
	char *tmp = tu_mkdtemp("pgnotice");
	char *path = tu_path(tmp, "stderr");
	char *text;
	int saved, fd;

	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	ok_exec(db, "DO $$BEGIN RAISE WARNING 'loud'; END$$");
	ok_exec(db, "COMMIT"); /* WARNING: there is no transaction */
	ok_exec(db, "DROP TABLE IF EXISTS nosuch"); /* a NOTICE */
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	text = tu_slurp(path);
	ck_assert_str_eq(text, "");
	free(text);
	free(path);
	tu_rmrf(tmp);
	free(tmp);
	OPS->close(db);
}
END_TEST

/* An error message quoting the password is scrubbed too. */
START_TEST(exec_error_scrubbed)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = NULL;
	char *url = tcp_url("postgresql", "postgres", PG_HARNESS_PASSWORD,
			    db_name);
	static const char sql[] = "SELECT '" PG_HARNESS_PASSWORD "'::int";

	ck_assert_msg(open_ci(&db, url, "x", 0, &err) == MG_OK, "%s",
		      err.msg);
	ck_assert_int_eq(OPS->exec(db, sql, strlen(sql), NULL, &err),
			 MG_EUNIT);
	ck_assert_str_eq(err.msg, "ERROR: invalid input syntax for type "
				  "integer: \"***\"");
	OPS->close(db);
	free(url);
}
END_TEST

START_TEST(lost_connection)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *a = open_test_db(0), *b = open_test_db(0);
	const char *params[1];
	char *pid = backend_pid(a);

	params[0] = pid;
	ck_assert_int_eq(OPS->exec_params(b, "SELECT pg_terminate_backend("
					     "$1::int, 5000)", 1, params,
					  &err), MG_OK);
	ck_assert_int_eq(OPS->exec(a, "SELECT 1", 8, NULL, &err), MG_EUNIT);
	ck_assert_int_eq(err.code, MG_EUNIT);
	ck_assert_msg(starts_with(err.msg, "FATAL: terminating connection "
					   "due to administrator command") ||
			      strstr(err.msg, "server closed the connection"),
		      "got: %s", err.msg);
	/* everything after fails cleanly, nothing crashes */
	ck_assert_int_eq(OPS->exec(a, "SELECT 1", 8, NULL, &err), MG_EUNIT);
	ck_assert_msg(err.msg[0] != '\0', "empty message");
	ck_assert_int_eq(OPS->begin(a, &err), MG_EUNIT);
	ck_assert_int_ne(OPS->lock(a, LOCK_KEY, 0, &err), MG_OK);
	OPS->rollback(a);
	OPS->unlock(a);
	OPS->close(a);
	OPS->close(b);
	free(pid);
}
END_TEST

Suite *pg_suite(void)
{
	Suite *s = suite_create("pg");
	const char *only = getenv("CK_RUN_SUITE");
	TCase *tc;

	if (!pg_harness_bindir()) {
		const char *env = getenv("MG_PG_BINDIR");

		if (only && strcmp(only, "pg") != 0)
			return s;
		if (env && env[0])
			fprintf(stderr, "pg: SKIPPED: no initdb in "
					"MG_PG_BINDIR '%s'\n", env);
		else
			fprintf(stderr, "pg: SKIPPED: no initdb found (tried "
					"pg_config --bindir and "
					"/usr/lib/postgresql/*/bin; set "
					"MG_PG_BINDIR)\n");
		return s;
	}
	tc = tcase_create("backend");
	tcase_add_unchecked_fixture(tc, cluster_setup, NULL);
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, connect_ok);
	tcase_add_test(tc, connect_dead_socket);
	tcase_add_loop_test(tc, connect_bad_login, 0,
			    MG_ARRAY_SIZE(login_cases));
	tcase_add_test(tc, connect_bad_login_param);
	tcase_add_loop_test(tc, connect_url_forms, 0,
			    MG_ARRAY_SIZE(url_schemes));
	tcase_add_loop_test(tc, connect_via_url_parse, 0,
			    MG_ARRAY_SIZE(url_schemes));
	tcase_add_test(tc, connect_socket_url);
	tcase_add_test(tc, lock_contended);
	tcase_add_test(tc, lock_waits_for_release);
	tcase_add_test(tc, lock_refused_in_transaction);
	tcase_add_test(tc, lock_key_is_stable);
	tcase_add_loop_test(tc, exec_errors, 0, MG_ARRAY_SIZE(exec_cases));
	tcase_add_test(tc, exec_takes_length);
	tcase_add_test(tc, no_tx_statements);
	tcase_add_test(tc, statement_timeout);
	tcase_add_test(tc, query_params_and_nulls);
	tcase_add_test(tc, exec_params_values);
	tcase_add_loop_test(tc, table_exists, 0,
			    MG_ARRAY_SIZE(exists_cases));
	tcase_add_test(tc, table_exists_follows_search_path);
	tcase_add_test(tc, transactions);
	tcase_add_test(tc, notices_are_quiet);
	tcase_add_test(tc, exec_error_scrubbed);
	tcase_add_test(tc, lost_connection);
	suite_add_tcase(s, tc);
	return s;
}
