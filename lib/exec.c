/*
 * exec.c - sessions and the executor.
 *
 * A run goes: lock, begin, read the version table, plan, pre-flight every
 * unit of the plan (its section for the dialect exists, its SQL splits,
 * no statement that cannot run in a transaction sits in a transactional
 * unit), and only then run.  So a unit that cannot load stops the run
 * before anything changed.
 *
 * Transactions: by default the whole run is one transaction; with
 * transaction_per_migration each unit (with its version-table update) is
 * one.  A unit marked `transactional: false` runs outside any: the work
 * before it is committed first, its statements run in autocommit, and the
 * version table is moved in a transaction of its own after it succeeded.
 * In per-unit mode every new transaction re-reads the version table and
 * re-plans if another run moved it in between (possible on SQLite, whose
 * lock is the write transaction itself).
 *
 * Offline (--sql) runs go through the same code with an emitter that
 * writes the statements instead of executing them.
 */
#include "mg.h"
#include "cunit.h"
#include "schema.h"

#include <pthread.h>
#include <time.h>

struct mg_session {
	const struct mg_config *cfg;
	struct mg_hooks hooks;
	struct mg_url url;
	struct mg_graph *g;
	const struct mg_db_ops *ops;
	struct mg_db *db;
	const char *schema;  /* version_table_schema, PostgreSQL only */
	struct mg_buf vt;    /* quoted, qualified version table name */
	/* the version table as read when connecting, for mg_session_current
	 * (mg_session_open_current) */
	int have_read;
	char **read_v;
	size_t read_n;
};

const struct mg_db_ops *mg_db_ops_for(enum mg_dialect dialect)
{
	switch (dialect) {
	case MG_DIALECT_SQLITE:
		return &mg_db_sqlite_ops;
	case MG_DIALECT_PG:
		return &mg_db_pg_ops;
	case MG_DIALECT_ANY:
		break;
	}
	return NULL;
}

struct strv {
	char **v;
	size_t n;
};

static int select_heads(struct mg_session *s, struct strv *out,
			struct mg_error *err);

/* The connection made while the units load (mg_session_open_connected). */
struct early {
	struct mg_session *s;
	unsigned wait_ms;
	int read_current;  /* and read the version table once connected */
	int rc;
	struct mg_error err;
	pthread_t thread;
	int threaded;
};

static void *connect_early(void *arg)
{
	struct early *e = arg;

	e->rc = mg_session_connect(e->s, e->wait_ms, &e->err);
	/*
	 * A failure here is left for mg_session_current to meet again and
	 * report (a missing table is no error there).
	 */
	if (e->rc == MG_OK && e->read_current) {
		struct mg_error scratch;
		struct strv sv;

		if (select_heads(e->s, &sv, &scratch) == MG_OK) {
			e->s->read_v = sv.v;
			e->s->read_n = sv.n;
			e->s->have_read = 1;
		}
	}
	return NULL;
}

/* Called by the loader once its threads run (mg_units_load_dir_started). */
static void start_early(void *arg)
{
	struct early *e = arg;

	e->threaded = pthread_create(&e->thread, NULL, connect_early, e) == 0;
}

static int session_open(struct mg_session **out, const struct mg_config *cfg,
			const struct mg_hooks *hooks, int connect,
			int read_current, unsigned wait_ms,
			struct mg_error *err)
{
	struct mg_session *s = mg_calloc(1, sizeof(*s));
	struct mg_unit_list units = MG_UNIT_LIST_INIT;
	struct early e;
	int rc;

	*out = NULL;
	s->cfg = cfg;
	if (hooks)
		s->hooks = *hooks;
	rc = mg_url_parse(&s->url, cfg->url, err);
	if (rc)
		goto fail;
	s->ops = mg_db_ops_for(s->url.dialect);
	if (s->url.dialect == MG_DIALECT_PG)
		s->schema = cfg->version_table_schema;
	mg_version_table_name(&s->vt, s->schema, cfg->version_table);
	memset(&e, 0, sizeof(e));
	e.s = s;
	e.wait_ms = wait_ms;
	e.read_current = read_current;
	/*
	 * The thread touches s->db (and s->read_*) only; this one does not
	 * until it has joined the thread.  Only for a server: opening a
	 * SQLite file has no wait to hide, and SQLite opened in another
	 * thread made a 1,000-unit run ~10% slower (its memory came from
	 * that thread's malloc arena).  Not with --wait: a bad unit would
	 * then be reported only once the wait was over.  The loader starts
	 * it once its own threads run, as it loads libpq.
	 */
	rc = mg_units_load_dir_started(
		&units, cfg->script_location,
		connect && !wait_ms && s->url.dialect == MG_DIALECT_PG
			? start_early
			: NULL,
		&e, err);
	if (rc == MG_OK)
		rc = mg_graph_build(&s->g, &units, err);
	mg_unit_list_free_all(&units); /* emptied by mg_graph_build */
	if (e.threaded)
		pthread_join(e.thread, NULL);
	else if (connect && rc == MG_OK)
		connect_early(&e);
	if (rc)
		goto fail;
	if (connect && e.rc) {
		*err = e.err;
		rc = e.rc;
		goto fail;
	}
	*out = s;
	return MG_OK;
fail:
	mg_session_free(s);
	return rc;
}

int mg_session_open(struct mg_session **out, const struct mg_config *cfg,
		    const struct mg_hooks *hooks, struct mg_error *err)
{
	return session_open(out, cfg, hooks, 0, 0, 0, err);
}

int mg_session_open_connected(struct mg_session **out,
			      const struct mg_config *cfg,
			      const struct mg_hooks *hooks, unsigned wait_ms,
			      struct mg_error *err)
{
	return session_open(out, cfg, hooks, 1, 0, wait_ms, err);
}

int mg_session_open_current(struct mg_session **out,
			    const struct mg_config *cfg,
			    const struct mg_hooks *hooks, unsigned wait_ms,
			    struct mg_error *err)
{
	return session_open(out, cfg, hooks, 1, 1, wait_ms, err);
}

void mg_session_free(struct mg_session *s)
{
	if (!s)
		return;
	if (s->db)
		s->ops->close(s->db);
	mg_graph_free(s->g);
	mg_url_release(&s->url);
	mg_buf_release(&s->vt);
	if (s->have_read)
		mg_strv_free(s->read_v, s->read_n);
	free(s);
}

const struct mg_graph *mg_session_graph(const struct mg_session *s)
{
	return s->g;
}

enum mg_dialect mg_session_dialect(const struct mg_session *s)
{
	return s->url.dialect;
}

const char *mg_session_url_masked(const struct mg_session *s)
{
	return s->url.masked;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int mg_session_connect(struct mg_session *s, unsigned wait_ms,
		       struct mg_error *err)
{
	double start = mg_now_ms();
	int rc;

	if (s->db)
		return MG_OK;
	for (;;) {
		rc = s->ops->open(&s->db, &s->url, s->cfg, err);
		if (rc != MG_ECONNECT || mg_now_ms() - start >= wait_ms)
			break;
		sleep_ms(500);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* The version table                                                    */

static int collect_rev(void *user, int ncols, const char *const *cols)
{
	struct strv *sv = user;

	if (ncols < 1 || !cols[0])
		return 0;
	sv->v = mg_reallocarray(sv->v, sv->n + 1, sizeof(char *));
	sv->v[sv->n++] = mg_strdup(cols[0]);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Create the applied-history table if it is missing. */
static int ensure_history(struct mg_session *s, struct mg_error *err)
{
	struct mg_buf sql = MG_BUF_INIT;
	int exists = 0, rc;

	rc = s->ops->table_exists(s->db, s->schema, s->cfg->history_table,
				  &exists, err);
	if (rc || exists)
		return rc;
	mg_history_create_sql(&sql, s->url.dialect, s->schema,
			      s->cfg->history_table);
	rc = s->ops->exec(s->db, sql.ptr, sql.len, NULL, err);
	mg_buf_release(&sql);
	if (rc)
		snprintf(err->file, sizeof(err->file), "%s",
			 "(history table)");
	return rc;
}

/* SELECT the version table's rows, sorted. */
static int select_heads(struct mg_session *s, struct strv *out,
			struct mg_error *err)
{
	struct mg_buf sql = MG_BUF_INIT;
	int rc;

	out->v = NULL;
	out->n = 0;
	mg_buf_printf(&sql, "SELECT version_num FROM %s", s->vt.ptr);
	rc = s->ops->query(s->db, sql.ptr, 0, NULL, collect_rev, out, err);
	mg_buf_release(&sql);
	if (rc) {
		mg_strv_free(out->v, out->n);
		out->v = NULL;
		out->n = 0;
		return rc;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return MG_OK;
}

/*
 * Read the version table's rows, sorted.  When the table is missing:
 * create it if `create`, and read no rows.
 */
static int read_heads(struct mg_session *s, int create, struct strv *out,
		      struct mg_error *err)
{
	struct mg_buf sql = MG_BUF_INIT;
	int exists = 0, rc;

	out->v = NULL;
	out->n = 0;
	if (create) {
		rc = ensure_history(s, err);
		if (rc)
			return rc;
	}
	rc = s->ops->table_exists(s->db, s->schema, s->cfg->version_table,
				  &exists, err);
	if (rc)
		return rc;
	if (!exists) {
		if (!create)
			return MG_OK;
		mg_version_create_sql(&sql, s->url.dialect, s->schema,
				      s->cfg->version_table);
		rc = s->ops->exec(s->db, sql.ptr, sql.len, NULL, err);
		mg_buf_release(&sql);
		if (rc)
			snprintf(err->file, sizeof(err->file), "%s",
				 "(version table)");
		return rc;
	}
	return select_heads(s, out, err);
}

int mg_session_current(struct mg_session *s, char ***revs, size_t *nrevs,
		       struct mg_error *err)
{
	struct strv sv;
	int rc;

	*revs = NULL;
	*nrevs = 0;
	if (s->have_read) { /* read while the units loaded */
		*revs = s->read_v;
		*nrevs = s->read_n;
		s->have_read = 0;
		return MG_OK;
	}
	rc = mg_session_connect(s, 0, err);
	if (rc)
		return rc;
	/*
	 * Outside any transaction a failed SELECT changes nothing, so read
	 * first and ask whether the table exists only if that fails: one
	 * round trip instead of two on the usual path.
	 */
	rc = select_heads(s, &sv, err);
	if (rc) {
		struct mg_error e2 = MG_ERROR_INIT;
		int exists = 1;

		if (s->ops->table_exists(s->db, s->schema,
					 s->cfg->version_table, &exists,
					 &e2) != MG_OK || exists)
			return rc;
		if (err)
			memset(err, 0, sizeof(*err));
		sv.v = NULL;
		sv.n = 0;
	}
	*revs = sv.v;
	*nrevs = sv.n;
	return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Emitting: to the database, or as SQL text                            */

/*
 * Where statements go, and the state of the transaction.  Online runs
 * batch the tool's own bookkeeping: instead of a version-table statement
 * and a history INSERT after every unit, the runner tracks the heads
 * itself and, just before each commit, writes the net version-table
 * change and one INSERT of all the history rows.  Same transaction, same
 * result, two statements per transaction instead of two per unit.
 */
struct runner {
	struct mg_session *s;
	int offline;
	int in_tx;
	int batch;           /* online: bookkeeping written at commit */
	struct strv start;   /* heads when the transaction began */
	struct strv cur;     /* heads as this run has moved them */
	struct mg_history_batch hist; /* history rows not written yet */
};

static void strv_copy(struct strv *to, const struct strv *from);
static int r_flush(struct runner *r, struct mg_error *err);

static void runner_init(struct runner *r, struct mg_session *s, int offline,
			int batch)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->offline = offline;
	r->batch = batch;
	r->hist.d = s->url.dialect;
}

/* The heads just read from the version table. */
static void runner_set_heads(struct runner *r, const struct strv *heads)
{
	strv_copy(&r->start, heads);
	strv_copy(&r->cur, heads);
	mg_history_batch_reset(&r->hist);
}

static void runner_release(struct runner *r)
{
	mg_strv_free(r->start.v, r->start.n);
	mg_strv_free(r->cur.v, r->cur.n);
	mg_history_batch_release(&r->hist);
	memset(&r->start, 0, sizeof(r->start));
	memset(&r->cur, 0, sizeof(r->cur));
}

static void emit(struct runner *r, const char *text)
{
	if (r->s->hooks.sql)
		r->s->hooks.sql(r->s->hooks.user, text);
}

static void info(struct mg_session *s, const char *fmt, ...)
	MG_PRINTF(2, 3);

static void info(struct mg_session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!s->hooks.info)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->hooks.info(s->hooks.user, line);
}

static int r_begin(struct runner *r, struct mg_error *err)
{
	int rc = MG_OK;

	if (r->in_tx)
		return MG_OK;
	if (r->offline)
		emit(r, "BEGIN;\n\n");
	else
		rc = r->s->ops->begin(r->s->db, err);
	if (rc == MG_OK)
		r->in_tx = 1;
	return rc;
}

static int r_commit(struct runner *r, struct mg_error *err)
{
	int rc = MG_OK;

	if (!r->in_tx)
		return MG_OK;
	if (r->batch) {
		rc = r_flush(r, err);
		if (rc)
			return rc;
	}
	if (r->offline)
		emit(r, "COMMIT;\n\n");
	else
		rc = r->s->ops->commit(r->s->db, err);
	r->in_tx = 0;
	return rc;
}

static void r_rollback(struct runner *r)
{
	if (r->in_tx && !r->offline)
		r->s->ops->rollback(r->s->db);
	r->in_tx = 0;
	if (r->batch) {
		strv_copy(&r->cur, &r->start);
		mg_history_batch_reset(&r->hist);
	}
}

/* One statement; on failure err names `file` and the statement's line. */
static int r_stmt(struct runner *r, const char *sql, size_t len,
		  const char *file, unsigned line, struct mg_error *err)
{
	unsigned long pos = 0;
	int rc;

	if (r->offline) {
		struct mg_buf b = MG_BUF_INIT;

		mg_buf_add(&b, sql, len);
		mg_buf_puts(&b, ";\n\n");
		emit(r, b.ptr);
		mg_buf_release(&b);
		return MG_OK;
	}
	rc = r->s->ops->exec(r->s->db, sql, len, &pos, err);
	if (rc) {
		if (pos)
			line += mg_sql_pos_to_line_offset(sql, len, pos);
		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = line;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Pre-flight                                                           */

struct prep {
	const struct mg_unit *u;
	const char *base;   /* the section's text */
	struct mg_stmt_list stmts;
	struct mg_cunit *c; /* a C unit's loaded object */
};

static void preps_free(struct prep *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mg_stmt_list_release(&p[i].stmts);
		mg_cunit_close(p[i].c);
	}
	free(p);
}

static int prepare(struct mg_session *s, const struct mg_plan *plan,
		   int offline, struct prep **out, struct mg_error *err)
{
	struct prep *p = mg_calloc(plan->n ? plan->n : 1, sizeof(*p));
	size_t i, k;
	int rc = MG_OK;

	for (i = 0; i < plan->n && rc == MG_OK; i++) {
		const struct mg_step *st = &plan->v[i];
		const struct mg_unit *u = st->unit;
		const struct mg_section *sec;

		p[i].u = u;
		if (!u)
			continue;
		if (u->kind == MG_UNIT_C) {
			if (offline) {
				rc = mg_error_set(err, MG_ECONFIG, u->path, 0,
					"C unit '%s' cannot be written as SQL "
					"(--sql): its statements are decided "
					"when it runs", u->revision);
				break;
			}
			rc = mg_cunit_open(&p[i].c, u, err);
			continue;
		}
		rc = mg_unit_section(u, st->dir, s->url.dialect, &sec, err);
		if (rc)
			break;
		p[i].base = u->body->text + sec->off;
		rc = mg_sql_split(p[i].base, sec->len, s->url.dialect, u->path,
				  sec->line, &p[i].stmts, err);
		if (rc)
			break;
		if (!u->transactional)
			continue;
		for (k = 0; k < p[i].stmts.n; k++) {
			const struct mg_stmt *m = &p[i].stmts.v[k];
			const char *what =
				mg_sql_needs_no_tx(p[i].base + m->off, m->len);

			if (what) {
				rc = mg_error_set(
					err, MG_ECONFIG, u->path, m->line,
					"%s cannot run inside a transaction: "
					"mark the unit 'transactional: false' "
					"(and give it only this statement)",
					what);
				break;
			}
		}
	}
	if (rc) {
		preps_free(p, plan->n);
		return rc;
	}
	*out = p;
	return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Running a plan                                                       */

static void heads_apply(struct strv *h, const struct mg_step *st)
{
	size_t i, j;

	for (i = 0; i < st->ndel; i++)
		for (j = 0; j < h->n; j++)
			if (!strcmp(h->v[j], st->del[i])) {
				free(h->v[j]);
				h->v[j] = h->v[--h->n];
				break;
			}
	for (i = 0; i < st->nins; i++) {
		h->v = mg_reallocarray(h->v, h->n + 1, sizeof(char *));
		h->v[h->n++] = mg_strdup(st->ins[i]);
	}
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(char *), cmp_str);
}

static void strv_copy(struct strv *to, const struct strv *from)
{
	size_t i;

	mg_strv_free(to->v, to->n);
	to->v = NULL;
	to->n = 0;
	if (!from->n)
		return;
	to->v = mg_calloc(from->n, sizeof(char *));
	for (i = 0; i < from->n; i++)
		to->v[i] = mg_strdup(from->v[i]);
	to->n = from->n;
}

static int heads_equal(const struct strv *a, const struct strv *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static int version_stmts(struct runner *r, const struct mg_step *st,
			 struct mg_error *err)
{
	struct mg_session *s = r->s;
	char **v = NULL;
	size_t n = 0, i;
	int rc = MG_OK;

	mg_version_step_sql(&v, &n, s->schema, s->cfg->version_table, st);
	for (i = 0; i < n && rc == MG_OK; i++) {
		rc = r_stmt(r, v[i], strlen(v[i]), "(version table)", 0, err);
		/*
		 * The first ndel statements UPDATE or DELETE a head read at
		 * the start: each must match its row, as Alembic checks, or
		 * something else changed the table during the run.
		 */
		if (rc == MG_OK && !r->offline && i < st->ndel) {
			long got = s->ops->changes(s->db);

			if (got != 1)
				rc = mg_error_set(
					err, MG_EUNIT, NULL, 0,
					"the version table changed during the "
					"run: %s '%s' matched %ld rows, not 1 "
					"(a unit, another tool or a person "
					"changed %s); the transaction is "
					"rolled back", i < st->nins ? "updating" :
					"deleting", st->del[i], got < 0 ? 0 : got,
					s->vt.ptr);
		}
		if (rc && st->unit)
			snprintf(err->file, sizeof(err->file), "%s",
				 st->unit->path);
	}
	mg_strv_free(v, n);
	return rc;
}

/* The wall clock as ISO-8601 UTC with milliseconds. */
static void wall_iso(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char secs[20];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03dZ", secs, (int)(ts.tv_nsec / 1000000L));
}

/*
 * One applied-history row.  Offline, the times are the database's own
 * "now" and there is no duration.
 */
static int history_row(struct runner *r, const char *revision,
		       const char *direction, const struct mg_unit *u,
		       const char *started, double ms, struct mg_error *err)
{
	struct mg_session *s = r->s;
	struct mg_buf sql = MG_BUF_INIT, parents = MG_BUF_INIT;
	char hex[65];
	size_t i;
	int rc;

	if (u) {
		rc = mg_unit_sha256_hex(u, hex, err);
		if (rc)
			return rc;
		for (i = 0; i < u->ndown; i++) {
			if (i)
				mg_buf_putc(&parents, ',');
			mg_buf_puts(&parents, u->down_revisions[i]);
		}
	}
	mg_history_insert_sql(&sql, s->url.dialect, s->schema,
			      s->cfg->history_table, revision,
			      mg_buf_str(&parents), direction, u ? hex : NULL,
			      r->offline ? NULL : started,
			      r->offline ? -1.0 : ms);
	rc = r_stmt(r, sql.ptr, sql.len, "(history table)", 0, err);
	if (rc && u)
		snprintf(err->file, sizeof(err->file), "%s", u->path);
	mg_buf_release(&sql);
	mg_buf_release(&parents);
	return rc;
}

static int in_strv(const struct strv *v, const char *x)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], x))
			return 1;
	return 0;
}

/*
 * Batching: INSERT the pending history rows.  Also called every
 * HIST_CHUNK rows, which bounds the statement: SQLite's memory for one
 * INSERT of 1,000 rows was a third of a 1,000-unit run's peak RSS, and on
 * PostgreSQL (one array a column, mg_history_batch) 1,000 rows a
 * statement put a 1,000-unit run 0.8 MiB over the 12 MiB it must stay
 * under.
 */
#define HIST_CHUNK 100

static int hist_write(struct runner *r, struct mg_error *err)
{
	struct mg_session *s = r->s;
	struct mg_buf sql = MG_BUF_INIT;
	int rc;

	if (!r->hist.n)
		return MG_OK;
	mg_history_batch_sql(&sql, &r->hist, s->schema, s->cfg->history_table);
	rc = r_stmt(r, sql.ptr, sql.len, "(history table)", 0, err);
	mg_buf_release(&sql);
	if (rc == MG_OK)
		mg_history_batch_reset(&r->hist);
	return rc;
}

/*
 * Batching: write the net version-table change since the transaction
 * began and the pending history rows, then start afresh from here.
 */
static int r_flush(struct runner *r, struct mg_error *err)
{
	struct mg_step st;
	const char **del, **ins;
	size_t i;
	int rc = MG_OK;

	memset(&st, 0, sizeof(st));
	del = mg_calloc(r->start.n + 1, sizeof(*del));
	ins = mg_calloc(r->cur.n + 1, sizeof(*ins));
	for (i = 0; i < r->start.n; i++)
		if (!in_strv(&r->cur, r->start.v[i]))
			del[st.ndel++] = r->start.v[i];
	for (i = 0; i < r->cur.n; i++)
		if (!in_strv(&r->start, r->cur.v[i]))
			ins[st.nins++] = r->cur.v[i];
	st.del = del;
	st.ins = ins;
	if (st.ndel || st.nins)
		rc = version_stmts(r, &st, err);
	if (rc == MG_OK)
		rc = hist_write(r, err);
	free(del);
	free(ins);
	if (rc == MG_OK)
		strv_copy(&r->start, &r->cur);
	return rc;
}

/* Batching: note one unit run for the history INSERT at commit. */
static int hist_add(struct runner *r, const struct mg_unit *u,
		    const char *direction, const char *started, double ms,
		    struct mg_error *err)
{
	struct mg_buf parents = MG_BUF_INIT;
	char hex[65], finished[40];
	size_t i;
	int rc = mg_unit_sha256_hex(u, hex, err);

	if (rc)
		return rc;
	for (i = 0; i < u->ndown; i++) {
		if (i)
			mg_buf_putc(&parents, ',');
		mg_buf_puts(&parents, u->down_revisions[i]);
	}
	wall_iso(finished, sizeof(finished));
	mg_history_batch_add(&r->hist, u->revision, mg_buf_str(&parents),
			     direction, hex, started, finished, ms);
	mg_buf_release(&parents);
	return r->hist.n >= HIST_CHUNK ? hist_write(r, err) : MG_OK;
}

static const char *step_verb(const struct mg_step *st)
{
	return st->dir == MG_UP ? "upgrade" : "downgrade";
}

/* Run one step's statements, then its version-table change. */
static int run_step(struct runner *r, const struct mg_step *st,
		    const struct prep *p, const char *prev_head,
		    struct mg_error *err)
{
	struct mg_session *s = r->s;
	const struct mg_unit *u = st->unit;
	double t0 = mg_now_ms();
	int nontx = !u->transactional;
	char started[40];
	size_t k;
	int rc = MG_OK;

	wall_iso(started, sizeof(started));
	if (s->hooks.step_start)
		s->hooks.step_start(s->hooks.user, st);
	if (r->offline) {
		struct mg_buf c = MG_BUF_INIT;

		mg_buf_printf(&c, "-- Running %s %s -> %s\n\n", step_verb(st),
			      st->ndel ? st->del[0] : "",
			      st->nins ? st->ins[0] : "");
		emit(r, c.ptr);
		mg_buf_release(&c);
	}
	if (nontx) {
		rc = r_commit(r, err);
		if (rc)
			goto done;
	} else {
		rc = r_begin(r, err);
		if (rc)
			goto done;
	}
	if (p->c)
		rc = mg_cunit_run(p->c, st->dir, s->ops, s->db, s->url.dialect,
				  &s->hooks, err);
	for (k = 0; k < p->stmts.n && rc == MG_OK; k++) {
		const struct mg_stmt *m = &p->stmts.v[k];

		rc = r_stmt(r, p->base + m->off, m->len, u->path, m->line, err);
	}
	if (rc) {
		if (nontx) {
			size_t l = strlen(err->msg);

			snprintf(err->msg + l, sizeof(err->msg) - l,
				 "\nunit '%s' is not transactional: it may be "
				 "partly applied; the version table still "
				 "says %s",
				 u->revision,
				 prev_head ? prev_head : "base (no rows)");
		}
		goto done;
	}
	rc = r_begin(r, err);
	if (rc == MG_OK && r->batch) {
		heads_apply(&r->cur, st);
		rc = hist_add(r, u, step_verb(st), started, mg_now_ms() - t0,
			      err);
	} else if (rc == MG_OK) {
		rc = version_stmts(r, st, err);
		if (rc == MG_OK)
			rc = history_row(r, u->revision, step_verb(st), u,
					 started, mg_now_ms() - t0, err);
	}
	if (rc == MG_OK && nontx)
		rc = r_commit(r, err);
done:
	if (s->hooks.step_done)
		s->hooks.step_done(s->hooks.user, st, rc == MG_OK,
				   mg_now_ms() - t0);
	return rc;
}

static void print_plan(struct mg_session *s, const struct mg_plan *plan)
{
	size_t i, tx = 1;
	int open = 0;

	info(s, "dry run: %zu unit%s would run on %s; nothing was changed",
	     plan->n, plan->n == 1 ? "" : "s", s->url.masked);
	for (i = 0; i < plan->n; i++) {
		const struct mg_step *st = &plan->v[i];
		const struct mg_unit *u = st->unit;

		if (!u->transactional) {
			if (open)
				tx++;
			open = 0;
			info(s, "  [no transaction] %s %s, %s", step_verb(st),
			     u->revision, u->message ? u->message : "");
			continue;
		}
		info(s, "  [transaction %zu] %s %s, %s", tx, step_verb(st),
		     u->revision, u->message ? u->message : "");
		open = 1;
		if (s->cfg->transaction_per_migration) {
			tx++;
			open = 0;
		}
	}
}

/*
 * Split "A:B" (offline ranges) into its two ends.  Without a colon,
 * *from is NULL and *to the whole target.
 */
static void split_range(const char *target, char **from, char **to)
{
	const char *colon = strchr(target, ':');

	if (!colon) {
		*from = NULL;
		*to = mg_strdup(target);
		return;
	}
	*from = mg_strndup(target, (size_t)(colon - target));
	*to = mg_strdup(colon + 1);
}

static int resolve_start(struct mg_session *s, const char *from,
			 struct strv *heads, struct mg_error *err)
{
	struct mg_rev_list l = MG_REV_LIST_INIT;
	size_t i;
	int rc;

	heads->v = NULL;
	heads->n = 0;
	if (!from || !from[0] || !strcmp(from, "base"))
		return MG_OK;
	rc = mg_graph_resolve(s->g, from, NULL, 0, MG_UP, &l, err);
	if (rc)
		return rc;
	for (i = 0; i < l.n; i++) {
		heads->v = mg_reallocarray(heads->v, heads->n + 1,
					   sizeof(char *));
		heads->v[heads->n++] = mg_strdup(l.v[i]->revision);
	}
	mg_rev_list_release(&l);
	return MG_OK;
}

static int run_offline(struct mg_session *s, enum mg_direction dir,
		       const char *target, struct mg_error *err)
{
	struct runner r;
	struct mg_plan plan = MG_PLAN_INIT;
	struct prep *preps = NULL;
	struct strv heads = { NULL, 0 };
	char *from, *to;
	size_t i;
	int rc;

	runner_init(&r, s, 1, 0);
	split_range(target, &from, &to);
	if (dir == MG_DOWN && !from) {
		rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
				  "downgrade with --sql requires "
				  "<fromrev>:<torev>");
		goto out;
	}
	rc = resolve_start(s, from, &heads, err);
	if (rc)
		goto out;
	rc = mg_graph_plan(s->g, (const char *const *)heads.v, heads.n, to,
			   dir, &plan, err);
	if (rc)
		goto out;
	rc = prepare(s, &plan, 1, &preps, err);
	if (rc)
		goto out;
	rc = r_begin(&r, err);
	if (dir == MG_UP && heads.n == 0) {
		struct mg_buf c = MG_BUF_INIT;

		mg_version_create_sql(&c, s->url.dialect, s->schema,
				      s->cfg->version_table);
		rc = r_stmt(&r, c.ptr, c.len, "", 0, err);
		mg_buf_reset(&c);
		mg_history_create_sql(&c, s->url.dialect, s->schema,
				      s->cfg->history_table);
		if (rc == MG_OK)
			rc = r_stmt(&r, c.ptr, c.len, "", 0, err);
		mg_buf_release(&c);
	}
	for (i = 0; i < plan.n && rc == MG_OK; i++) {
		rc = run_step(&r, &plan.v[i], &preps[i], NULL, err);
		if (rc == MG_OK && s->cfg->transaction_per_migration)
			rc = r_commit(&r, err);
	}
	if (rc == MG_OK)
		rc = r_commit(&r, err);
out:
	if (preps)
		preps_free(preps, plan.n);
	mg_plan_release(&plan);
	mg_strv_free(heads.v, heads.n);
	free(from);
	free(to);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The applied history, read back                                      */

struct hist_row {
	char *revision;
	char *parents;   /* comma-separated */
	char *direction;
	char *sha256;    /* may be NULL */
};

struct hist {
	struct hist_row *v;
	size_t n, cap;
};

static int collect_hist(void *user, int ncols, const char *const *cols)
{
	struct hist *h = user;
	struct hist_row *r;

	if (ncols < 4 || !cols[0])
		return 0;
	mg_grow(&h->v, &h->cap, h->n + 1, sizeof(*h->v));
	r = &h->v[h->n++];
	r->revision = mg_strdup(cols[0]);
	r->parents = mg_strdup(cols[1] ? cols[1] : "");
	r->direction = mg_strdup(cols[2] ? cols[2] : "");
	r->sha256 = cols[3] ? mg_strdup(cols[3]) : NULL;
	return 0;
}

static void hist_release(struct hist *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].revision);
		free(h->v[i].parents);
		free(h->v[i].direction);
		free(h->v[i].sha256);
	}
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

/* Every history row, oldest first; no table reads as no rows. */
static int read_history(struct mg_session *s, struct hist *h,
			struct mg_error *err)
{
	struct mg_buf sql = MG_BUF_INIT;
	int exists = 0, rc;

	memset(h, 0, sizeof(*h));
	rc = s->ops->table_exists(s->db, s->schema, s->cfg->history_table,
				  &exists, err);
	if (rc || !exists)
		return rc;
	mg_buf_puts(&sql, "SELECT revision, down_revisions, direction, sha256 "
			  "FROM ");
	mg_version_table_name(&sql, s->schema, s->cfg->history_table);
	mg_buf_puts(&sql, " ORDER BY id");
	rc = s->ops->query(s->db, sql.ptr, 0, NULL, collect_hist, h, err);
	mg_buf_release(&sql);
	if (rc)
		hist_release(h);
	return rc;
}

/* The parents an `upgrade` row last recorded for `rev`, or NULL. */
static const char *hist_parents(const struct hist *h, const char *rev)
{
	size_t i;

	for (i = h->n; i-- > 0;)
		if (!strcmp(h->v[i].revision, rev) &&
		    !strcmp(h->v[i].direction, "upgrade"))
			return h->v[i].parents;
	return NULL;
}

static int strv_has(const struct strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

static void strv_add(struct strv *v, const char *s)
{
	v->v = mg_reallocarray(v->v, v->n + 1, sizeof(char *));
	v->v[v->n++] = mg_strdup(s);
}

/*
 * A database ahead of the code: the version table names revisions the
 * local graph does not know (a rollback re-running an older build's
 * release phase).  If the applied history shows those revisions descend
 * from every local head, `upgrade head` has nothing to do: say so and
 * set *ahead (with MG_RUN_STRICT it is an error instead).  Without such
 * proof, return MG_OK and let planning report the unknown revision.
 */
static int check_ahead(struct mg_session *s, const struct strv *heads,
		       unsigned flags, int *ahead, struct mg_error *err)
{
	struct mg_rev_list local = MG_REV_LIST_INIT;
	struct strv seen = { NULL, 0 }, todo = { NULL, 0 };
	struct hist h;
	size_t i, unknown = 0;
	int rc, proven = 1;

	*ahead = 0;
	for (i = 0; i < heads->n; i++)
		if (!mg_graph_find(s->g, heads->v[i]))
			unknown++;
	if (!unknown)
		return MG_OK;
	rc = read_history(s, &h, err);
	if (rc)
		return rc;
	/* walk back from the database's heads through recorded parents */
	for (i = 0; i < heads->n; i++)
		strv_add(&todo, heads->v[i]);
	while (todo.n) {
		char *rev = todo.v[--todo.n];
		const char *p;

		if (!strv_has(&seen, rev)) {
			strv_add(&seen, rev);
			if (!mg_graph_find(s->g, rev) &&
			    (p = hist_parents(&h, rev)) != NULL) {
				while (*p) {
					size_t n = strcspn(p, ",");
					char *one = mg_strndup(p, n);

					strv_add(&todo, one);
					free(one);
					p += n + (p[n] == ',');
				}
			}
		}
		free(rev);
	}
	mg_graph_heads(s->g, &local);
	for (i = 0; i < local.n; i++)
		if (!strv_has(&seen, local.v[i]->revision))
			proven = 0;
	if (proven) {
		struct mg_buf msg = MG_BUF_INIT;

		mg_buf_puts(&msg, "the database is at ");
		for (i = 0; i < heads->n; i++)
			mg_buf_printf(&msg, "%s%s", i ? ", " : "",
				      heads->v[i]);
		mg_buf_puts(&msg, ", ahead of this build's head ");
		for (i = 0; i < local.n; i++)
			mg_buf_printf(&msg, "%s%s", i ? ", " : "",
				      local.v[i]->revision);
		mg_buf_puts(&msg, " (the applied history shows it descends "
				  "from it)");
		if (flags & MG_RUN_STRICT)
			rc = mg_error_set(err, MG_ECONFIG, NULL, 0,
					  "%s; --strict refuses to go on",
					  msg.ptr);
		else
			info(s, "%s: nothing to do", msg.ptr);
		*ahead = 1;
		mg_buf_release(&msg);
	}
	mg_rev_list_release(&local);
	mg_strv_free(seen.v, seen.n);
	mg_strv_free(todo.v, todo.n);
	hist_release(&h);
	return rc;
}

static int run_online(struct mg_session *s, enum mg_direction dir,
		      const char *target, unsigned flags,
		      struct mg_error *err)
{
	struct runner r;
	const int dry = (flags & MG_RUN_DRY) != 0;
	const int per_unit = s->cfg->transaction_per_migration;
	struct strv heads = { NULL, 0 };
	struct mg_plan plan = MG_PLAN_INIT;
	struct prep *preps = NULL;
	size_t i;
	int rc, replans = 0;

	runner_init(&r, s, 0, 1);
	rc = mg_session_connect(s, 0, err);
	if (rc)
		return rc;
	rc = s->ops->lock(s->db, s->vt.ptr, s->cfg->lock_timeout_ms, err);
	if (rc)
		return rc;
replan:
	rc = r_begin(&r, err);
	if (rc)
		goto out;
	rc = read_heads(s, !dry, &heads, err);
	if (rc)
		goto out;
	runner_set_heads(&r, &heads);
	if (dir == MG_UP && (!strcmp(target, "head") ||
			     !strcmp(target, "heads"))) {
		int ahead = 0;

		rc = check_ahead(s, &heads, flags, &ahead, err);
		if (rc || ahead)
			goto out;
	}
	rc = mg_graph_plan(s->g, (const char *const *)heads.v, heads.n,
			   target, dir, &plan, err);
	if (rc)
		goto out;
	rc = prepare(s, &plan, 0, &preps, err);
	if (rc)
		goto out;
	if (dry) {
		print_plan(s, &plan);
		goto out;
	}
	/* from here the runner tracks the heads (r.cur) */
	mg_strv_free(heads.v, heads.n);
	heads.v = NULL;
	heads.n = 0;
	for (i = 0; i < plan.n && rc == MG_OK; i++) {
		const struct mg_step *st = &plan.v[i];

		if (!r.in_tx && i > 0) {
			/* a new transaction: has another run moved us? */
			rc = r_begin(&r, err);
			if (rc)
				break;
			rc = read_heads(s, 0, &heads, err);
			if (rc)
				break;
			if (!heads_equal(&heads, &r.cur)) {
				r_rollback(&r);
				mg_strv_free(heads.v, heads.n);
				heads.v = NULL;
				heads.n = 0;
				preps_free(preps, plan.n);
				preps = NULL;
				mg_plan_release(&plan);
				if (++replans > 100) {
					rc = mg_error_set(err, MG_ELOCK, NULL, 0,
						"the version table keeps changing "
						"under this run; is another tool "
						"migrating this database?");
					goto out;
				}
				goto replan;
			}
			mg_strv_free(heads.v, heads.n);
			heads.v = NULL;
			heads.n = 0;
		}
		rc = run_step(&r, st, &preps[i],
			      r.cur.n ? r.cur.v[0] : NULL, err);
		if (rc)
			break;
		if (per_unit)
			rc = r_commit(&r, err);
	}
	if (rc == MG_OK)
		rc = r_commit(&r, err);
out:
	r_rollback(&r);
	s->ops->unlock(s->db);
	runner_release(&r);
	if (preps)
		preps_free(preps, plan.n);
	mg_plan_release(&plan);
	mg_strv_free(heads.v, heads.n);
	return rc;
}

int mg_run_migrate(struct mg_session *s, enum mg_direction dir,
		   const char *target, unsigned flags, struct mg_error *err)
{
	if (flags & MG_RUN_SQL)
		return run_offline(s, dir, target, err);
	return run_online(s, dir, target, flags, err);
}

/* ------------------------------------------------------------------ */
/* stamp                                                                */

int mg_run_stamp(struct mg_session *s, const char *target, unsigned flags,
		 struct mg_error *err)
{
	struct runner r;
	struct strv heads = { NULL, 0 };
	struct mg_plan plan = MG_PLAN_INIT;
	const int purge = (flags & MG_RUN_PURGE) != 0;
	char started[40];
	size_t i, k;
	int rc;

	runner_init(&r, s, 0, 0);
	rc = mg_session_connect(s, 0, err);
	if (rc)
		return rc;
	rc = s->ops->lock(s->db, s->vt.ptr, s->cfg->lock_timeout_ms, err);
	if (rc)
		return rc;
	rc = r_begin(&r, err);
	if (rc)
		goto out;
	rc = read_heads(s, !(flags & MG_RUN_DRY), &heads, err);
	if (rc)
		goto out;
	if (!purge)
		for (i = 0; i < heads.n; i++)
			if (!mg_graph_find(s->g, heads.v[i])) {
				rc = mg_error_set(err, MG_ECONFIG, NULL, 0,
					"Can't locate revision identified by "
					"'%s' (use --purge to stamp over it)",
					heads.v[i]);
				goto out;
			}
	/* Alembic's stamp steps; with --purge they start from no rows */
	rc = mg_graph_stamp(s->g, (const char *const *)heads.v, heads.n,
			    target, purge, &plan, err);
	if (rc)
		goto out;
	if (flags & MG_RUN_DRY) {
		info(s, "dry run: stamp would make %zu change%s to the version "
		     "table%s; nothing was changed", plan.n,
		     plan.n == 1 ? "" : "s", purge ? " after emptying it" : "");
		goto out;
	}
	if (purge && heads.n) {
		struct mg_buf sql = MG_BUF_INIT;

		mg_buf_printf(&sql, "DELETE FROM %s", s->vt.ptr);
		rc = r_stmt(&r, sql.ptr, sql.len, "(version table)", 0, err);
		mg_buf_release(&sql);
		if (rc)
			goto out;
	}
	wall_iso(started, sizeof(started));
	for (i = 0; i < plan.n && rc == MG_OK; i++) {
		const struct mg_step *st = &plan.v[i];

		if (s->hooks.step_start)
			s->hooks.step_start(s->hooks.user, st);
		rc = version_stmts(&r, st, err);
		for (k = 0; rc == MG_OK && k < st->nins; k++)
			rc = history_row(&r, st->ins[k], "stamp",
					 mg_graph_find(s->g, st->ins[k]),
					 started, 0, err);
		if (s->hooks.step_done)
			s->hooks.step_done(s->hooks.user, st, rc == MG_OK, 0);
	}
	if (rc == MG_OK)
		rc = r_commit(&r, err);
out:
	r_rollback(&r);
	s->ops->unlock(s->db);
	mg_plan_release(&plan);
	mg_strv_free(heads.v, heads.n);
	return rc;
}

/* ------------------------------------------------------------------ */
/* schema, check, check --roundtrip                                     */

static int dump_schema(struct mg_session *s, int json, char **out,
		       struct mg_error *err)
{
	const char *exclude[2];

	exclude[0] = s->cfg->version_table;
	exclude[1] = s->cfg->history_table;
	return mg_schema_dump(s->ops, s->db, s->url.dialect, exclude, 2, json,
			      out, err);
}

int mg_session_schema(struct mg_session *s, int json, char **out,
		      struct mg_error *err)
{
	int rc;

	*out = NULL;
	rc = mg_session_connect(s, 0, err);
	if (rc)
		return rc;
	return dump_schema(s, json, out, err);
}

/*
 * Start a new problem in a check report.  Problems are separated by a
 * blank line (a diff never holds an empty line: its context lines start
 * with a space), so a reader can split them.
 */
static void problem(struct mg_buf *rep, const char *fmt, ...)
	MG_PRINTF(2, 3);

static void problem(struct mg_buf *rep, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (rep->len)
		mg_buf_putc(rep, '\n');
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mg_buf_puts(rep, line);
}

int mg_run_check(struct mg_session *s, const char *schema_file,
		 char **report, struct mg_error *err)
{
	struct mg_rev_list heads = MG_REV_LIST_INIT;
	struct mg_buf rep = MG_BUF_INIT;
	struct strv cur = { NULL, 0 };
	struct hist h;
	size_t i, j;
	int rc, known = 1;

	*report = NULL;
	memset(&h, 0, sizeof(h));
	mg_graph_heads(s->g, &heads);
	if (heads.n > 1) {
		problem(&rep, "several heads: the graph has %zu heads (",
			heads.n);
		for (i = 0; i < heads.n; i++)
			mg_buf_printf(&rep, "%s%s", i ? ", " : "",
				      heads.v[i]->revision);
		mg_buf_puts(&rep, "); merge them with 'migrate merge'\n");
	}
	rc = mg_session_connect(s, 0, err);
	if (rc == MG_OK)
		rc = read_heads(s, 0, &cur, err);
	if (rc)
		goto out;
	for (i = 0; i < cur.n; i++)
		if (!mg_graph_find(s->g, cur.v[i])) {
			problem(&rep, "unknown revision: the database is "
				"at '%s', which no unit in %s defines\n",
				cur.v[i], s->cfg->script_location);
			known = 0;
		}
	if (known) {
		struct mg_plan plan = MG_PLAN_INIT;
		struct mg_error perr = MG_ERROR_INIT;

		if (mg_graph_plan(s->g, (const char *const *)cur.v, cur.n,
				  "heads", MG_UP, &plan, &perr) == MG_OK) {
			if (plan.n) {
				problem(&rep, "pending: %zu unit%s not "
					"applied:", plan.n,
					plan.n == 1 ? "" : "s");
				for (j = 0; j < plan.n; j++)
					mg_buf_printf(&rep, " %s",
						      plan.v[j].unit->revision);
				mg_buf_putc(&rep, '\n');
			}
		} else {
			problem(&rep, "not at head: %s\n", perr.msg);
		}
		mg_plan_release(&plan);
	}
	/* applied units whose file changed since they ran */
	rc = read_history(s, &h, err);
	if (rc)
		goto out;
	for (i = 0; i < h.n; i++) {
		const struct hist_row *row = &h.v[i];
		const struct mg_unit *u;
		char hex[65];
		int later = 0;

		if (strcmp(row->direction, "upgrade") || !row->sha256)
			continue;
		for (j = i + 1; j < h.n; j++)
			if (!strcmp(h.v[j].revision, row->revision))
				later = 1;
		u = later ? NULL : mg_graph_find(s->g, row->revision);
		if (!u)
			continue;
		rc = mg_unit_sha256_hex(u, hex, err);
		if (rc)
			goto out;
		if (strcmp(hex, row->sha256))
			problem(&rep, "changed: %s was applied from a "
				"file with SHA-256 %.12s..., it is now "
				"%.12s...\n", u->path, row->sha256, hex);
	}
	if (schema_file) {
		char *want = NULL, *have = NULL, *diff;
		size_t len;

		rc = mg_read_file(schema_file, &want, &len, err);
		if (rc == MG_OK)
			rc = dump_schema(s, 0, &have, err);
		if (rc == MG_OK) {
			diff = mg_text_diff(want, have, schema_file,
					    "database");
			if (diff) {
				problem(&rep, "schema: the database "
					"differs from %s:\n", schema_file);
				mg_buf_puts(&rep, diff);
				free(diff);
			}
		}
		free(want);
		free(have);
		if (rc)
			goto out;
	}
	if (rep.len) {
		*report = mg_buf_detach(&rep);
		rc = MG_EDRIFT;
	}
out:
	hist_release(&h);
	mg_strv_free(cur.v, cur.n);
	mg_rev_list_release(&heads);
	mg_buf_release(&rep);
	return rc;
}

/* Run one step in a transaction of its own (none if non-transactional). */
static int run_single(struct mg_session *s, const struct mg_step *st,
		      struct mg_error *err)
{
	struct runner r;
	struct mg_plan plan = MG_PLAN_INIT;
	struct prep *preps = NULL;
	struct strv heads = { NULL, 0 };
	int rc;

	runner_init(&r, s, 0, 0);
	mg_grow(&plan.v, &plan.cap, 1, sizeof(*plan.v));
	plan.v[0] = *st;
	plan.n = 1;
	rc = r_begin(&r, err);
	if (rc == MG_OK)
		rc = read_heads(s, 1, &heads, err);
	if (rc == MG_OK)
		rc = prepare(s, &plan, 0, &preps, err);
	if (rc == MG_OK)
		rc = run_step(&r, st, &preps[0],
			      heads.n ? heads.v[0] : NULL, err);
	if (rc == MG_OK)
		rc = r_commit(&r, err);
	r_rollback(&r);
	if (preps)
		preps_free(preps, 1);
	mg_strv_free(heads.v, heads.n);
	free(plan.v);
	return rc;
}

int mg_run_roundtrip(struct mg_session *s, char **report,
		     struct mg_error *err)
{
	struct mg_plan plan = MG_PLAN_INIT;
	struct strv cur = { NULL, 0 };
	char *before = NULL, *after = NULL;
	size_t i;
	int rc;

	*report = NULL;
	rc = mg_session_connect(s, 0, err);
	if (rc)
		return rc;
	rc = s->ops->lock(s->db, s->vt.ptr, s->cfg->lock_timeout_ms, err);
	if (rc)
		return rc;
	rc = read_heads(s, 0, &cur, err);
	if (rc == MG_OK)
		rc = dump_schema(s, 0, &before, err);
	if (rc)
		goto out;
	if (cur.n || before[0]) {
		rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
				  "check --roundtrip needs an empty scratch "
				  "database; %s is not empty (it would be "
				  "changed)", s->url.masked);
		goto out;
	}
	rc = mg_graph_plan(s->g, NULL, 0, "heads", MG_UP, &plan, err);
	if (rc)
		goto out;
	for (i = 0; i < plan.n && rc == MG_OK; i++) {
		struct mg_step up = plan.v[i], down = plan.v[i];
		char *diff;

		down.dir = MG_DOWN;
		down.del = up.ins;
		down.ndel = up.nins;
		down.ins = up.del;
		down.nins = up.ndel;
		free(before);
		before = NULL;
		rc = dump_schema(s, 0, &before, err);
		if (rc == MG_OK)
			rc = run_single(s, &up, err);
		if (rc == MG_OK)
			rc = run_single(s, &down, err);
		if (rc == MG_OK)
			rc = dump_schema(s, 0, &after, err);
		if (rc)
			break;
		diff = mg_text_diff(before, after, "before upgrade",
				    "after upgrade + downgrade");
		free(after);
		after = NULL;
		if (diff) {
			*report = mg_asprintf("roundtrip: the downgrade of %s "
					      "(%s) does not restore the "
					      "schema:\n%s",
					      up.unit->revision, up.unit->path,
					      diff);
			free(diff);
			rc = MG_EDRIFT;
			break;
		}
		rc = run_single(s, &up, err);
	}
	if (rc == MG_OK)
		info(s, "roundtrip: %zu unit%s upgraded, downgraded and "
		     "upgraded again; every downgrade restored the schema",
		     plan.n, plan.n == 1 ? "" : "s");
out:
	s->ops->unlock(s->db);
	free(before);
	free(after);
	mg_plan_release(&plan);
	mg_strv_free(cur.v, cur.n);
	return rc;
}
