/*
 * check_reliability.c - the execution guarantees of SPEC.md, through the
 * real binary: concurrent runs on one database, kill -9 at random
 * moments, the lock timeout naming the holder, no deadlock against a
 * CREATE INDEX CONCURRENTLY, no password in any output, idempotency.
 *
 * Several migrate processes run at once here, so besides tu_migrate
 * (which waits) there is a small fork/exec of our own (bg_*): output goes
 * to files in the test's folder, every wait is bounded, and every child
 * is killed and reaped on every path (PR_SET_PDEATHSIG covers a failed
 * assertion in fork mode, the checked teardown the no-fork mode).
 *
 * Under $MIGRATE_WRAPPER (valgrind) every process is many times slower:
 * time bounds are multiplied by slow(), the waits that let a second run
 * arrive are longer, fewer processes and kill rounds run (memcheck has
 * nothing to say about a SIGKILLed process), and the kill test times its
 * kills from a measured uninterrupted run, so it adapts by itself.
 */
#define _DEFAULT_SOURCE
#include "mg.h"
#include "suites.h"
#include "testutil.h"
#include "pg_harness.h"
#include "dbutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Environments: a project folder and a database                        */

struct env {
	char *dir;     /* project folder: migrate.ini, versions/ */
	char *url;     /* the database, as migrate gets it */
	char *check;   /* the same, for the test's own queries */
	char *dbname;  /* PostgreSQL: the database, dropped at the end */
	int pg;
};

/* The shared helpers of dbutil.c, on this env's database. */
#define db_open(e, ops) tdb_open((e)->check, (ops))
#define db_exec(e, sql) tdb_exec((e)->check, (sql))
#define db_has_table(e, name) tdb_has_table((e)->check, (name))
#define db_rows(e, sql) tdb_rows((e)->check, (sql))

static int pg_state = -2; /* pg_harness_start() result, -2 = not tried */

static void start_pg(void)
{
	if (pg_state == -2)
		pg_state = pg_harness_start();
}

static void env_init(struct env *e, int pg, const char *tag)
{
	size_t n;

	memset(e, 0, sizeof(*e));
	e->dir = tu_mkdtemp(tag);
	e->pg = pg;
	if (pg) {
		ck_assert_msg(pg_state == 0,
			      "PostgreSQL test cluster did not start; see %s",
			      pg_harness_log() ? pg_harness_log() : "stderr");
		e->url = pg_harness_new_db(tag, &e->dbname);
		ck_assert_ptr_nonnull(e->url);
		/* our own sessions must not look like migrate's */
		e->check = mg_asprintf("%s&application_name=rel_check",
				       e->url);
	} else {
		n = strlen(e->dir) + 32;
		e->url = mg_malloc(n);
		snprintf(e->url, n, "sqlite:///%s/test.db", e->dir);
		e->check = mg_strdup(e->url);
	}
	tu_write(e->dir, "migrate.ini",
		 "[migrate]\nscript_location = versions\n");
}

static void env_free(struct env *e)
{
	if (e->dbname)
		pg_harness_drop_db(e->dbname);
	tu_rmrf(e->dir);
	free(e->dir);
	free(e->url);
	free(e->check);
	free(e->dbname);
	memset(e, 0, sizeof(*e));
}

/*
 * A sanitizer's report in a run's stderr fails the test even where a
 * non-zero exit is expected (ASan exits 1, the code of a failed unit).
 */
static void assert_no_sanitizer(const char *err)
{
	ck_assert_msg(!strstr(err, "Sanitizer") &&
		      !strstr(err, "runtime error:"),
		      "a sanitizer reported:\n%s", err);
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
	tu_migrate(r, e->dir, envv, argv);
	assert_no_sanitizer(r->err);
	return r->status;
}

#define MIG(e, r, ...) \
	mig((e), (r), (const char *const[]){ __VA_ARGS__, NULL })

/* ------------------------------------------------------------------ */
/* Looking at the database                                              */

/* Like db_rows, "" when `table` does not exist. */
static char *rows_if(struct env *e, const char *table, const char *sql)
{
	if (!db_has_table(e, table))
		return mg_strdup("");
	return db_rows(e, sql);
}

/* The version table's rows, sorted ("" when there is none). */
static char *versions(struct env *e)
{
	return rows_if(e, "alembic_version", "SELECT version_num FROM "
			  "alembic_version ORDER BY version_num");
}

/* The revisions of the applied history's upgrade rows, in order. */
static char *history_ups(struct env *e)
{
	return rows_if(e, "migrate_history", "SELECT revision FROM "
			  "migrate_history WHERE direction = 'upgrade' "
			  "ORDER BY id");
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

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* Time                                                                 */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void nap_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* How much slower every process is: 10 under a wrapper (valgrind). */
static int slow(void)
{
	const char *w = getenv("MIGRATE_WRAPPER");

	return w && w[0] ? 10 : 1;
}

/*
 * Poll `sql` on the env's database until its first row reads `want`
 * (or, with want NULL, until it has any non-empty result), at most
 * `limit_ms`.  Returns the last result (malloc'd).
 */
static char *poll_rows(struct env *e, const char *sql, const char *want,
		       double limit_ms)
{
	double end = now_ms() + limit_ms;
	char *got;

	for (;;) {
		got = db_rows(e, sql);
		if (want ? !strcmp(got, want) : got[0] != '\0')
			return got;
		if (now_ms() >= end)
			return got;
		free(got);
		nap_ms(20);
	}
}

/* ------------------------------------------------------------------ */
/* Background runs                                                      */

#define MAX_BG 16

struct bg {
	pid_t pid;       /* 0 once reaped */
	int status;      /* exit code or 128 + signal; -1 until reaped */
	char *outp;      /* files holding its stdout and stderr */
	char *errp;
	double started;  /* now_ms() at the fork */
	double ended;    /* now_ms() when it was reaped */
};

/* Every child not yet reaped, for the teardown (no-fork mode). */
static pid_t live[MAX_BG];

static void live_add(pid_t pid)
{
	size_t i;

	for (i = 0; i < MAX_BG; i++)
		if (!live[i]) {
			live[i] = pid;
			return;
		}
	ck_abort_msg("more than %d background runs", MAX_BG);
}

static void live_del(pid_t pid)
{
	size_t i;

	for (i = 0; i < MAX_BG; i++)
		if (live[i] == pid)
			live[i] = 0;
}

static void bg_exec_child(struct env *e, const struct bg *b,
			  const char *bin, const char *const *argv,
			  pid_t parent)
{
	const char *w = getenv("MIGRATE_WRAPPER");
	const char *full[160];
	char *wrapper, *tok, *save = NULL;
	size_t n = 0, i;
	int fd;

	/* die with the test: a failed assertion _exits in fork mode */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (chdir(e->dir) != 0)
		_exit(127);
	setenv("DATABASE_URL", e->url, 1);
	unsetenv("MIGRATE_CONFIG");
	fd = open(b->outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, 1) < 0)
		_exit(127);
	close(fd);
	fd = open(b->errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0)
		_exit(127);
	close(fd);
	if (w && w[0]) {
		wrapper = strdup(w);
		for (tok = strtok_r(wrapper, " ", &save); tok && n < 64;
		     tok = strtok_r(NULL, " ", &save))
			full[n++] = tok;
	}
	full[n++] = bin;
	for (i = 0; argv[i] && n < 159; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	execvp(full[0], (char *const *)(uintptr_t)full);
	fprintf(stderr, "exec %s: %s\n", full[0], strerror(errno));
	_exit(127);
}

/* Start migrate `argv` in the background; `tag` names its output files. */
static void bg_start(struct bg *b, struct env *e, const char *tag,
		     const char *const *argv)
{
	const char *env_bin = getenv("MIGRATE_BIN");
	char name[64], bin[4096];
	pid_t parent = getpid();

	/* as tu_migrate: $MIGRATE_BIN, else ./build/migrate from here */
	if (env_bin && env_bin[0])
		snprintf(bin, sizeof(bin), "%s", env_bin);
	else
		ck_assert(getcwd(bin, sizeof(bin) - 32) != NULL &&
			  strcat(bin, "/build/migrate"));
	memset(b, 0, sizeof(*b));
	b->status = -1;
	snprintf(name, sizeof(name), "%s.out", tag);
	b->outp = tu_path(e->dir, name);
	snprintf(name, sizeof(name), "%s.err", tag);
	b->errp = tu_path(e->dir, name);
	fflush(NULL);
	b->started = now_ms();
	b->pid = fork();
	ck_assert_msg(b->pid >= 0, "fork: %s", strerror(errno));
	if (b->pid == 0)
		bg_exec_child(e, b, bin, argv, parent);
	live_add(b->pid);
}

#define BG(b, e, tag, ...) \
	bg_start((b), (e), (tag), (const char *const[]){ __VA_ARGS__, NULL })

static void bg_reaped(struct bg *b, int st)
{
	live_del(b->pid);
	b->pid = 0;
	b->ended = now_ms();
	if (WIFEXITED(st))
		b->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		b->status = 128 + WTERMSIG(st);
}

/* Has it finished (reaped now if so)? */
static int bg_done(struct bg *b)
{
	int st;
	pid_t got;

	if (!b->pid)
		return 1;
	got = waitpid(b->pid, &st, WNOHANG);
	if (got == b->pid) {
		bg_reaped(b, st);
		return 1;
	}
	return 0;
}

/* SIGKILL it (if still running) and reap it. */
static void bg_kill(struct bg *b)
{
	int st;

	if (!b->pid)
		return;
	kill(b->pid, SIGKILL);
	while (waitpid(b->pid, &st, 0) < 0 && errno == EINTR)
		;
	bg_reaped(b, st);
}

/*
 * Wait at most limit_ms for it to end.  Returns its status, or -1 when
 * it did not end in time (it is then killed and reaped).
 */
static int bg_wait(struct bg *b, double limit_ms)
{
	double end = now_ms() + limit_ms;

	while (!bg_done(b)) {
		if (now_ms() >= end) {
			bg_kill(b);
			return -1;
		}
		nap_ms(5);
	}
	return b->status;
}

static char *bg_err(const struct bg *b)
{
	char *s = tu_slurp(b->errp);

	if (!s)
		return mg_strdup("");
	assert_no_sanitizer(s);
	return s;
}

static void bg_release(struct bg *b)
{
	bg_kill(b);
	free(b->outp);
	free(b->errp);
	b->outp = b->errp = NULL;
}

/* Checked teardown: nothing a test started outlives it. */
static void reap_all(void)
{
	size_t i;
	int st;

	for (i = 0; i < MAX_BG; i++)
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			while (waitpid(live[i], &st, 0) < 0 && errno == EINTR)
				;
			live[i] = 0;
		}
}

/* ------------------------------------------------------------------ */
/* Chains                                                               */

/* Revision id of unit i (1-based) of a generated chain. */
static void rev_id(char *buf, size_t n, int i)
{
	snprintf(buf, n, "%04d_u", i);
}

/*
 * Write unit i of a generated chain: `up_pg` and `up_sqlite` (either may
 * be NULL: then one unqualified upgrade section `up_pg`), `down`.
 */
static void write_unit(struct env *e, int i, const char *extra_header,
		       const char *up_pg, const char *up_sqlite,
		       const char *down)
{
	char name[64], rev[32], prev[32];
	struct mg_buf b = MG_BUF_INIT;

	rev_id(rev, sizeof(rev), i);
	rev_id(prev, sizeof(prev), i - 1);
	mg_buf_printf(&b, "-- revision: %s\n-- down_revision: %s\n"
			  "-- message: unit %d\n%s",
		      rev, i > 1 ? prev : "null", i,
		      extra_header ? extra_header : "");
	if (up_sqlite) {
		mg_buf_printf(&b, "-- migrate:upgrade postgresql\n%s"
				  "-- migrate:upgrade sqlite\n%s",
			      up_pg, up_sqlite);
	} else {
		mg_buf_printf(&b, "-- migrate:upgrade\n%s", up_pg);
	}
	mg_buf_printf(&b, "-- migrate:downgrade\n%s", down);
	snprintf(name, sizeof(name), "versions/%s.sql", rev);
	tu_write(e->dir, name, mg_buf_str(&b));
	mg_buf_release(&b);
}

/* "0001,0002,...,000n" (with suffix `sfx` after each number). */
static char *seq(int n, const char *sfx)
{
	struct mg_buf b = MG_BUF_INIT;
	int i;

	for (i = 1; i <= n; i++)
		mg_buf_printf(&b, "%s%04d%s", i > 1 ? "," : "", i, sfx);
	return mg_buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* Which backend, which transaction mode                                */

static const struct mode {
	const char *name;
	int pg;
	int per_unit;
} modes[] = {
	{ "sqlite, one transaction", 0, 0 },
	{ "sqlite, transaction_per_migration", 0, 1 },
	{ "postgresql, one transaction", 1, 0 },
	{ "postgresql, transaction_per_migration", 1, 1 },
};

static const char *tpm_arg(const struct mode *m)
{
	return m->per_unit ? "transaction_per_migration=true" :
			     "transaction_per_migration=false";
}

/* ------------------------------------------------------------------ */
/* 1. Eight runs at once                                                */

#define NCONC 8     /* 4 under a wrapper */
#define CONC_UNITS 50

START_TEST(concurrent_upgrades)
{
	const struct mode *m = &modes[_i];
	struct env e;
	struct bg b[NCONC];
	char *errs[NCONC];
	char up_pg[256], up_sq[512], down[128], tag[16];
	char *got, *want;
	size_t ran = 0, runners = 0;
	int i, nconc = slow() > 1 ? NCONC / 2 : NCONC;

	env_init(&e, m->pg, "conc");
	for (i = 1; i <= CONC_UNITS; i++) {
		snprintf(up_pg, sizeof(up_pg),
			 "%sINSERT INTO run_log (unit) VALUES ('%04d');\n"
			 "SELECT pg_sleep(0.01);\n",
			 i == 1 ? "CREATE TABLE run_log (unit TEXT NOT NULL, "
				  "pid INTEGER DEFAULT pg_backend_pid());\n" :
				  "", i);
		snprintf(up_sq, sizeof(up_sq),
			 "%sINSERT INTO run_log (unit) VALUES ('%04d');\n"
			 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL\n"
			 "  SELECT x + 1 FROM c WHERE x < 2000)\n"
			 "SELECT count(*) FROM c;\n",
			 i == 1 ? "CREATE TABLE run_log (unit TEXT NOT NULL);\n"
				: "", i);
		snprintf(down, sizeof(down),
			 i == 1 ? "DROP TABLE run_log;\n" :
				  "DELETE FROM run_log WHERE unit = '%04d';\n",
			 i);
		write_unit(&e, i, NULL, up_pg, up_sq, down);
	}
	for (i = 0; i < nconc; i++) {
		snprintf(tag, sizeof(tag), "run%d", i);
		BG(&b[i], &e, tag, "-x", tpm_arg(m), "-x", "lock_timeout=120s",
		   "upgrade", "head");
	}
	for (i = 0; i < nconc; i++)
		bg_wait(&b[i], 90000.0 * slow());
	for (i = 0; i < nconc; i++) {
		size_t k;

		errs[i] = bg_err(&b[i]);
		ck_assert_msg(b[i].status == 0, "%s: run %d exited %d:\n%s",
			      m->name, i, b[i].status, errs[i]);
		k = count_of(errs[i], "Running upgrade");
		ran += k;
		runners += k > 0;
	}
	/* every unit ran once, logged once */
	ck_assert_msg(ran == CONC_UNITS, "%s: %zu units ran, not %d", m->name,
		      ran, CONC_UNITS);
	/* PostgreSQL's lock is held for the whole run: one run did it all */
	if (m->pg || !m->per_unit)
		ck_assert_msg(runners == 1, "%s: %zu runs applied units",
			      m->name, runners);
	got = db_rows(&e, "SELECT unit FROM run_log ORDER BY unit");
	want = seq(CONC_UNITS, "");
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	got = versions(&e);
	ck_assert_str_eq(got, "0050_u");
	free(got);
	got = history_ups(&e);
	want = seq(CONC_UNITS, "_u");
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	for (i = 0; i < nconc; i++) {
		free(errs[i]);
		bg_release(&b[i]);
	}
	env_free(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 1b. A non-transactional unit runs once when runs overlap            */

START_TEST(nontransactional_unit_runs_once)
{
	const struct mode *m = &modes[_i];
	struct env e;
	struct bg a, b;
	char *got, *erra, *errb;
	char up_pg[128], up_sq[256];
	double end;
	int sa, sb;

	env_init(&e, m->pg, "nontx");
	write_unit(&e, 1, NULL,
		   "CREATE TABLE run_log (unit TEXT NOT NULL);\n"
		   "INSERT INTO run_log (unit) VALUES ('0001');\n", NULL,
		   "DROP TABLE run_log;\n");
	/*
	 * Unit 2 runs outside any transaction: its INSERT is committed at
	 * once, then it works for a while (PostgreSQL 1 s, SQLite a
	 * recursive count of some 0.3 s; longer under a wrapper), which is
	 * when the second run comes.
	 */
	snprintf(up_pg, sizeof(up_pg),
		 "INSERT INTO run_log (unit) VALUES ('0002');\n"
		 "SELECT pg_sleep(%d);\n", slow() > 1 ? 5 : 1);
	snprintf(up_sq, sizeof(up_sq),
		 "INSERT INTO run_log (unit) VALUES ('0002');\n"
		 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL\n"
		 "  SELECT x + 1 FROM c WHERE x < %d)\n"
		 "SELECT count(*) FROM c;\n", slow() > 1 ? 300000 : 600000);
	write_unit(&e, 2, "-- transactional: false\n", up_pg, up_sq,
		   "DELETE FROM run_log WHERE unit = '0002';\n");
	write_unit(&e, 3, NULL,
		   "INSERT INTO run_log (unit) VALUES ('0003');\n", NULL,
		   "DELETE FROM run_log WHERE unit = '0003';\n");

	BG(&a, &e, "first", "-x", tpm_arg(m), "upgrade", "head");
	end = now_ms() + 20000.0 * slow();
	for (;;) {
		got = rows_if(&e, "run_log", "SELECT count(*) FROM run_log "
			      "WHERE unit = '0002'");
		if (!strcmp(got, "1") || bg_done(&a) || now_ms() >= end)
			break;
		free(got);
		nap_ms(2);
	}
	ck_assert_msg(!strcmp(got, "1") && !bg_done(&a), "%s: the first run "
		      "was not seen inside unit 2 (exit %d)", m->name,
		      a.status);
	free(got);
	BG(&b, &e, "second", "-x", tpm_arg(m), "-x", "lock_timeout=60s",
	   "upgrade", "head");
	end = now_ms() + 60000.0 * slow();
	sa = bg_wait(&a, end - now_ms());
	sb = bg_wait(&b, end - now_ms());
	erra = bg_err(&a);
	errb = bg_err(&b);
	ck_assert_msg(sa == 0 && sb == 0, "%s: first run %d:\n%s\nsecond run "
		      "%d:\n%s", m->name, sa, erra, sb, errb);
	got = db_rows(&e, "SELECT unit FROM run_log ORDER BY unit");
	ck_assert_msg(!strcmp(got, "0001,0002,0003"), "%s: run_log holds "
		      "'%s': a unit ran twice\nfirst run:\n%s\nsecond run:\n%s",
		      m->name, got, erra, errb);
	free(got);
	ck_assert_int_eq(count_of(erra, "Running upgrade"), 3);
	ck_assert_int_eq(count_of(errb, "Running upgrade"), 0);
	got = history_ups(&e);
	ck_assert_str_eq(got, "0001_u,0002_u,0003_u");
	free(got);
	got = versions(&e);
	ck_assert_str_eq(got, "0003_u");
	free(got);
	free(erra);
	free(errb);
	bg_release(&a);
	bg_release(&b);
	env_free(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. kill -9 at random moments                                         */

#define KILL_UNITS 12

/* The advisory locks granted on the env's database: their pids. */
static const char advisory_holders[] =
	"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
	"AND database = (SELECT oid FROM pg_database "
	"WHERE datname = current_database())";

/* xorshift32: the same rounds on every machine for one seed */
static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static uint32_t rng_seed(void)
{
	const char *s = getenv("REL_SEED");

	return s && s[0] ? (uint32_t)strtoul(s, NULL, 10) | 1u : 20260515u;
}

/* Units that each create t_NNNN and take 20-50 ms. */
static void write_kill_chain(struct env *e)
{
	char up[256], down[64];
	int i;

	for (i = 1; i <= KILL_UNITS; i++) {
		snprintf(up, sizeof(up),
			 "CREATE TABLE t_%04d (id INTEGER PRIMARY KEY);\n"
			 "INSERT INTO t_%04d (id) VALUES (%d);\n"
			 "SELECT pg_sleep(0.0%d);\n",
			 i, i, i, 2 + i % 4);
		snprintf(down, sizeof(down), "DROP TABLE t_%04d;\n", i);
		write_unit(e, i, NULL, up, NULL, down);
	}
}

/* Wait (bounded) until no session but ours is left on the database. */
static void wait_sessions_gone(struct env *e)
{
	char *n = poll_rows(e, "SELECT count(*) FROM pg_stat_activity "
			       "WHERE datname = current_database() "
			       "AND pid <> pg_backend_pid()", "0", 20000);

	ck_assert_msg(!strcmp(n, "0"), "%s sessions of a killed run still "
		      "open after 20 s", n);
	free(n);
}

/*
 * The state after a kill: how many units the version table says are
 * applied (0..KILL_UNITS); asserts the tables t_* and the history agree.
 */
static int assert_consistent(struct env *e, const char *ctx)
{
	char *ver = versions(e);
	char *tables = db_rows(e, "SELECT tablename FROM pg_tables "
				  "WHERE schemaname = 'public' "
				  "AND tablename LIKE 't\\_%' ORDER BY 1");
	char *hist = history_ups(e);
	char *want_t, *want_h;
	int k = 0;

	if (ver[0]) {
		ck_assert_msg(strlen(ver) == 6 && !strcmp(ver + 4, "_u"),
			      "%s: version table holds '%s'", ctx, ver);
		k = atoi(ver);
	}
	want_t = seq(k, "");
	want_h = seq(k, "_u");
	{
		/* tables are t_0001...: compare without the prefix */
		struct mg_buf b = MG_BUF_INIT;
		const char *p;

		for (p = tables; *p; p++)
			if (!(p[0] == 't' && p[1] == '_'))
				mg_buf_putc(&b, *p);
			else
				p++;
		free(tables);
		tables = mg_buf_detach(&b);
	}
	ck_assert_msg(!strcmp(tables, want_t), "%s: the version table says "
		      "'%s' but the tables t_* are '%s'", ctx, ver, tables);
	ck_assert_msg(!strcmp(hist, want_h), "%s: the version table says "
		      "'%s' but the history's upgrades are '%s'", ctx, ver,
		      hist);
	free(ver);
	free(tables);
	free(hist);
	free(want_t);
	free(want_h);
	return k;
}

/* One kill: returns the number of units the database kept. */
static int kill_round(struct env *e, const struct mode *m, double delay,
		      const char *ctx)
{
	struct tu_run r;
	struct bg b;
	char *err;
	int k;

	BG(&b, e, "killed", "-x", tpm_arg(m), "upgrade", "head");
	while (!bg_done(&b) && now_ms() - b.started < delay)
		nap_ms(1);
	bg_kill(&b);
	err = bg_err(&b);
	ck_assert_msg(b.status == 0 || b.status == 128 + SIGKILL,
		      "%s: exited %d:\n%s", ctx, b.status, err);
	free(err);
	wait_sessions_gone(e);
	k = assert_consistent(e, ctx);
	if (b.status == 0)
		ck_assert_msg(k == KILL_UNITS, "%s: exited 0 at unit %d", ctx,
			      k);
	if (!m->per_unit)
		ck_assert_msg(k == 0 || k == KILL_UNITS, "%s: one transaction, "
			      "yet %d of %d units stayed", ctx, k, KILL_UNITS);
	bg_release(&b);

	/* and a new run finishes the job */
	ck_assert_msg(MIG(e, &r, "-x", tpm_arg(m), "upgrade", "head") == 0,
		      "%s: rerun exited %d:\n%s", ctx, r.status, r.err);
	ck_assert_int_eq(count_of(r.err, "Running upgrade"),
			 (size_t)(KILL_UNITS - k));
	tu_run_release(&r);
	ck_assert_int_eq(assert_consistent(e, ctx), KILL_UNITS);
	return k;
}

START_TEST(kill9_at_random_moments)
{
	const struct mode *m = &modes[2 + _i]; /* the PostgreSQL ones */
	const int rounds = slow() > 1 ? 3 - !m->per_unit :
					m->per_unit ? 10 : 3;
	uint32_t seed = rng_seed() + (uint32_t)_i, st = seed;
	struct mg_buf report = MG_BUF_INIT;
	struct env e;
	struct bg b;
	char ctx[160];
	char *pid;
	double full, locked;
	int round, k;

	/*
	 * An uninterrupted run says how long a run takes here, and when it
	 * has taken the lock (before that, a kill cannot leave anything).
	 */
	env_init(&e, 1, "kill");
	write_kill_chain(&e);
	BG(&b, &e, "full", "-x", tpm_arg(m), "upgrade", "head");
	pid = poll_rows(&e, advisory_holders, NULL, 20000.0 * slow());
	locked = now_ms() - b.started;
	free(pid);
	ck_assert_int_eq(bg_wait(&b, 60000.0 * slow()), 0);
	full = b.ended - b.started;
	if (locked > full)
		locked = 0;
	bg_release(&b);
	ck_assert_int_eq(assert_consistent(&e, "uninterrupted run"),
			 KILL_UNITS);
	env_free(&e);

	for (round = 0; round < rounds; round++) {
		double delay, r01;

		/*
		 * Per unit: anywhere from just before the lock to after the
		 * end.  One transaction: from the middle of the work on,
		 * where it matters (a few land after the commit).
		 */
		r01 = (rng_next(&st) % 1000) / 1000.0;
		if (m->per_unit)
			delay = 0.9 * locked +
				r01 * (1.1 * full - 0.9 * locked);
		else
			delay = locked + (0.3 + 0.8 * r01) * (full - locked);
		snprintf(ctx, sizeof(ctx), "%s, seed %u (REL_SEED), round "
			 "%d, kill after %.0f of %.0f ms", m->name,
			 (unsigned)seed, round, delay, full);
		env_init(&e, 1, "kill");
		write_kill_chain(&e);
		k = kill_round(&e, m, delay, ctx);
		mg_buf_printf(&report, "%s%d", round ? "," : "", k);
		env_free(&e);
	}
	fprintf(stderr, "reliability: kill -9, %s: %d rounds (REL_SEED=%u, "
		"a run takes %.0f ms, locks at %.0f), units kept: %s of %d\n",
		m->name, rounds, (unsigned)seed, full, locked,
		mg_buf_str(&report), KILL_UNITS);
	mg_buf_release(&report);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. The lock timeout names the holder and changes nothing             */

START_TEST(lock_timeout_names_holder)
{
	struct env e;
	struct tu_run r;
	struct bg b;
	char hold[128], msg[128];
	char *pid, *apid, *got, *err;
	double t0, took;
	int secs = slow() > 1 ? 10 : 3;

	env_init(&e, 1, "lock");
	write_unit(&e, 1, NULL, "CREATE TABLE a (id INTEGER);\n", NULL,
		   "DROP TABLE a;\n");
	snprintf(hold, sizeof(hold), "SELECT pg_sleep(%d);\n"
		 "CREATE TABLE b (id INTEGER);\n", secs);
	write_unit(&e, 2, NULL, hold, NULL, "DROP TABLE b;\n");
	write_unit(&e, 3, NULL, "CREATE TABLE c (id INTEGER);\n", NULL,
		   "DROP TABLE c;\n");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "0001_u"), 0);
	tu_run_release(&r);

	BG(&b, &e, "holder", "upgrade", "head");
	pid = poll_rows(&e, advisory_holders, NULL, 20000.0 * slow());
	ck_assert_msg(pid[0] && !strchr(pid, ','), "the first run holds no "
		      "lock (or several are held): '%s'", pid);
	apid = db_rows(&e, "SELECT pid FROM pg_stat_activity "
			   "WHERE application_name = 'migrate' "
			   "AND datname = current_database()");
	ck_assert_str_eq(apid, pid);
	free(apid);

	t0 = now_ms();
	ck_assert_int_eq(MIG(&e, &r, "-x", "lock_timeout=500ms", "upgrade",
			     "head"), 5);
	took = now_ms() - t0;
	snprintf(msg, sizeof(msg), "within 500ms: held by pid %s\n", pid);
	assert_contains(r.err, msg);
	assert_contains(r.err, "migrate: error: could not obtain the migrate "
			       "lock on ");
	assert_lacks(r.err, "Running upgrade");
	ck_assert_msg(took >= 500 && took < 2000.0 * slow(),
		      "the second run gave up after %.0f ms", took);
	tu_run_release(&r);
	ck_assert_msg(!bg_done(&b), "the first run ended (%d) before the "
		      "second gave up: the test proves nothing", b.status);
	/* the second run changed nothing (the first has not committed) */
	got = versions(&e);
	ck_assert_str_eq(got, "0001_u");
	free(got);
	got = db_rows(&e, "SELECT revision || ':' || direction "
			  "FROM migrate_history ORDER BY id");
	ck_assert_str_eq(got, "0001_u:upgrade");
	free(got);

	ck_assert_int_eq(bg_wait(&b, 1000.0 * (secs + 30)), 0);
	err = bg_err(&b);
	assert_contains(err, "Running upgrade 0001_u -> 0002_u");
	assert_contains(err, "Running upgrade 0002_u -> 0003_u");
	free(err);
	got = versions(&e);
	ck_assert_str_eq(got, "0003_u");
	free(got);
	got = db_rows(&e, "SELECT revision || ':' || direction "
			  "FROM migrate_history ORDER BY id");
	ck_assert_str_eq(got, "0001_u:upgrade,0002_u:upgrade,0003_u:upgrade");
	free(got);
	free(pid);
	bg_release(&b);
	env_free(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. A waiting run does not deadlock CREATE INDEX CONCURRENTLY         */

START_TEST(no_deadlock_with_concurrent_index)
{
	struct env e;
	struct bg b1, b2;
	char *pid, *got, *err1, *err2;
	double end;
	int st1, st2;

	env_init(&e, 1, "cic");
	/*
	 * Unit A fills a table, then stays until a second migrate session
	 * is connected (at most 30 s), records what it saw, and sleeps 1 s
	 * more so that the second run is surely polling for the lock when
	 * unit B's CREATE INDEX CONCURRENTLY starts.
	 */
	write_unit(&e, 1, NULL,
		   "CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);\n"
		   "INSERT INTO big SELECT g, md5(g::text)\n"
		   "  FROM generate_series(1, 20000) g;\n"
		   "CREATE TABLE seen (sessions INTEGER NOT NULL);\n"
		   "DO $$\n"
		   "DECLARE\n"
		   "  n INTEGER := 0;\n"
		   "BEGIN\n"
		   "  FOR i IN 1..600 LOOP\n"
		   "    PERFORM pg_stat_clear_snapshot();\n"
		   "    SELECT count(*) INTO n FROM pg_stat_activity\n"
		   "     WHERE datname = current_database()\n"
		   "       AND application_name = 'migrate';\n"
		   "    EXIT WHEN n >= 2;\n"
		   "    PERFORM pg_sleep(0.05);\n"
		   "  END LOOP;\n"
		   "  INSERT INTO seen VALUES (n);\n"
		   "END $$;\n"
		   "SELECT pg_sleep(1);\n",
		   NULL, "DROP TABLE seen;\nDROP TABLE big;\n");
	write_unit(&e, 2, "-- transactional: false\n",
		   "CREATE INDEX CONCURRENTLY big_v ON big (v);\n", NULL,
		   "DROP INDEX CONCURRENTLY big_v;\n");

	BG(&b1, &e, "first", "upgrade", "head");
	/* the first run holds the lock: it is in unit A, waiting for us */
	pid = poll_rows(&e, advisory_holders, NULL, 20000.0 * slow());
	ck_assert_msg(pid[0] != '\0', "the first run never took the lock");
	free(pid);
	BG(&b2, &e, "second", "-x", "lock_timeout=60s", "upgrade", "head");
	end = b2.started + 30000.0 * slow();
	st1 = bg_wait(&b1, end - now_ms());
	st2 = bg_wait(&b2, end - now_ms());
	err1 = bg_err(&b1);
	err2 = bg_err(&b2);
	ck_assert_msg(st1 == 0, "first run: %s (%d):\n%s",
		      st1 < 0 ? "hung (deadlock?), killed" : "exited", st1,
		      err1);
	ck_assert_msg(st2 == 0, "second run: %s (%d):\n%s",
		      st2 < 0 ? "hung (deadlock?), killed" : "exited", st2,
		      err2);
	assert_contains(err1, "Running upgrade  -> 0001_u, unit 1");
	assert_contains(err1, "Running upgrade 0001_u -> 0002_u, unit 2");
	assert_lacks(err2, "Running upgrade");
	got = db_rows(&e, "SELECT sessions FROM seen");
	ck_assert_msg(strcmp(got, "2") == 0, "unit A saw %s migrate "
		      "sessions: the second run was not waiting during it",
		      got);
	free(got);
	got = db_rows(&e, "SELECT indisvalid FROM pg_index "
			  "WHERE indexrelid = 'big_v'::regclass");
	ck_assert_str_eq(got, "t");
	free(got);
	got = versions(&e);
	ck_assert_str_eq(got, "0002_u");
	free(got);
	free(err1);
	free(err2);
	bg_release(&b1);
	bg_release(&b2);
	env_free(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 5. No password in any output                                         */

#define PW PG_HARNESS_PASSWORD

static void assert_no_secret(const struct tu_run *r, const char *what,
			     const char *secret)
{
	ck_assert_msg(!strstr(r->out, secret) && !strstr(r->err, secret),
		      "%s: the password '%s' is in the output:\n"
		      "stdout:\n%s\nstderr:\n%s", what, secret, r->out,
		      r->err);
}

static void assert_no_pw(const struct tu_run *r, const char *what)
{
	assert_no_secret(r, what, PW);
}

START_TEST(password_never_printed)
{
	struct env e;
	struct tu_run r;
	char url[1024], masked[1024], bad[1024], flag[1100];
	int port;

	env_init(&e, 1, "pw");
	port = pg_harness_port();
	/* migrate gets the database over TCP, with the password */
	free(e.url);
	e.url = mg_asprintf("postgresql://postgres:%s@127.0.0.1:%d/%s", PW,
			    port, e.dbname);
	snprintf(url, sizeof(url), "%s", e.url);
	snprintf(masked, sizeof(masked), "postgresql://postgres:***@"
		 "127.0.0.1:%d/%s", port, e.dbname);
	write_unit(&e, 1, NULL, "CREATE TABLE a (id INTEGER);\n", NULL,
		   "DROP TABLE a;\n");
	write_unit(&e, 2, NULL, "CREATE TABLE b (id INTEGER);\n", NULL,
		   "DROP TABLE b;\n");

	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--dry-run"), 0);
	assert_no_pw(&r, "upgrade --dry-run");
	assert_contains(r.err, masked);
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 0);
	assert_no_pw(&r, "upgrade");
	assert_contains(r.err, "Running upgrade 0001_u -> 0002_u");
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "current", "-v"), 0);
	assert_no_pw(&r, "current -v");
	assert_contains(r.out, masked);
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "current", "--format", "json"), 0);
	assert_no_pw(&r, "current --format json");
	assert_contains(r.out, masked);
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "history", "--verbose"), 0);
	assert_no_pw(&r, "history");
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head", "--sql"), 0);
	assert_no_pw(&r, "upgrade --sql");
	assert_contains(r.out, "CREATE TABLE b");
	tu_run_release(&r);

	ck_assert_int_eq(MIG(&e, &r, "downgrade", "-1", "--dry-run"), 0);
	assert_no_pw(&r, "downgrade --dry-run");
	assert_contains(r.err, masked);
	tu_run_release(&r);

	/* the URL as a flag, not in the environment */
	snprintf(flag, sizeof(flag), "--url=%s", url);
	{
		const char *argv[] = { flag, "current", "-v", NULL };
		const char *envv[] = { "DATABASE_URL=", "MIGRATE_CONFIG=",
				       NULL };

		ck_assert_int_eq(tu_migrate(&r, e.dir, envv, argv), 0);
		assert_no_sanitizer(r.err);
		assert_no_pw(&r, "--url current -v");
		assert_contains(r.out, masked);
		tu_run_release(&r);
	}

	/* a failing unit */
	write_unit(&e, 3, NULL, "INSERT INTO no_such_table VALUES (1);\n",
		   NULL, "");
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 1);
	assert_no_pw(&r, "failing unit");
	assert_contains(r.err, "versions/0003_u.sql:");
	tu_run_release(&r);

	/* check reports drift (0003 pending) */
	ck_assert_int_eq(MIG(&e, &r, "check"), 6);
	assert_no_pw(&r, "check");
	tu_run_release(&r);

	/* a wrong password, percent-encoded: neither form may show */
	free(e.url);
	e.url = mg_asprintf("postgresql://postgres:Wr0ng%%40pw%%2Fx@"
			    "127.0.0.1:%d/%s", port, e.dbname);
	ck_assert_int_eq(MIG(&e, &r, "current"), 4);
	assert_no_secret(&r, "wrong password", "Wr0ng");
	assert_no_pw(&r, "wrong password");
	assert_contains(r.err, masked);
	assert_contains(r.err, "password authentication failed");
	tu_run_release(&r);

	/* nothing listening */
	free(e.url);
	e.url = mg_asprintf("postgresql://postgres:%s@127.0.0.1:1/%s"
			    "?connect_timeout=2", PW, e.dbname);
	snprintf(bad, sizeof(bad), "postgresql://postgres:***@127.0.0.1:1/%s",
		 e.dbname);
	ck_assert_int_eq(MIG(&e, &r, "upgrade", "head"), 4);
	assert_no_pw(&r, "unreachable port");
	assert_contains(r.err, bad);
	tu_run_release(&r);
	ck_assert_int_eq(MIG(&e, &r, "--wait=1", "current", "-v"), 4);
	assert_no_pw(&r, "unreachable port, --wait");
	assert_contains(r.err, bad);
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 6. Idempotency                                                       */

START_TEST(upgrade_twice_is_noop)
{
	const struct mode *m = &modes[_i];
	struct env e;
	struct tu_run r;
	char *got;
	int i;

	env_init(&e, m->pg, "idem");
	for (i = 1; i <= 3; i++) {
		char up[64], down[64];

		snprintf(up, sizeof(up), "CREATE TABLE t_%04d (id INTEGER);\n",
			 i);
		snprintf(down, sizeof(down), "DROP TABLE t_%04d;\n", i);
		write_unit(&e, i, NULL, up, NULL, down);
	}
	ck_assert_int_eq(MIG(&e, &r, "-x", tpm_arg(m), "upgrade", "head"), 0);
	ck_assert_int_eq(count_of(r.err, "Running upgrade"), 3);
	tu_run_release(&r);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(MIG(&e, &r, "-x", tpm_arg(m), "upgrade",
				     "head"), 0);
		assert_lacks(r.err, "Running upgrade");
		assert_lacks(r.err, "error");
		ck_assert_str_eq(r.out, "");
		tu_run_release(&r);
	}
	got = versions(&e);
	ck_assert_str_eq(got, "0003_u");
	free(got);
	got = db_rows(&e, "SELECT count(*) FROM migrate_history");
	ck_assert_str_eq(got, "3");
	free(got);
	ck_assert_int_eq(MIG(&e, &r, "current"), 0);
	ck_assert_str_eq(r.out, "0003_u (head)\n");
	tu_run_release(&r);
	env_free(&e);
}
END_TEST

/* ------------------------------------------------------------------ */

static void unchecked_setup(void)
{
	start_pg();
}

Suite *reliability_suite(void)
{
	Suite *s = suite_create("reliability");
	TCase *both = tcase_create("both_backends");
	TCase *pg = tcase_create("postgresql");
	int nmodes = pg_harness_bindir() ? 4 : 2;

	if (nmodes == 2)
		fprintf(stderr, "reliability: PostgreSQL tests SKIPPED: no "
			"initdb found (install postgresql)\n");
	tcase_set_timeout(both, 300);
	tcase_add_unchecked_fixture(both, unchecked_setup, NULL);
	tcase_add_checked_fixture(both, NULL, reap_all);
	tcase_add_loop_test(both, concurrent_upgrades, 0, nmodes);
	tcase_add_loop_test(both, nontransactional_unit_runs_once, 0, nmodes);
	tcase_add_loop_test(both, upgrade_twice_is_noop, 0, nmodes);
	suite_add_tcase(s, both);

	if (nmodes == 4) {
		tcase_set_timeout(pg, 300);
		tcase_add_unchecked_fixture(pg, unchecked_setup, NULL);
		tcase_add_checked_fixture(pg, NULL, reap_all);
		tcase_add_loop_test(pg, kill9_at_random_moments, 0, 2);
		tcase_add_test(pg, lock_timeout_names_holder);
		tcase_add_test(pg, no_deadlock_with_concurrent_index);
		tcase_add_test(pg, password_never_printed);
		suite_add_tcase(s, pg);
	}
	return s;
}
