/*
 * db_pg.c - the PostgreSQL backend, on libpq.
 *
 * One connection per run.  A statement without parameters goes as a
 * simple query (PQexec), the way psql sends it: one Query message, where
 * the extended protocol's Parse, Bind, Describe, Execute and Sync cost
 * the server more per statement (A/B on 1,000-unit runs, run-by-run
 * medians: upgrade 1.00x against 1.05x of psql, downgrade 1.06x against
 * 1.135x).  The SQL splitter has already cut every unit into single
 * statements, and migrate_exec checks its own (cunit.c), so one call is
 * still one statement.  Statements with parameters (the version and
 * history tables, the lock, migrate_exec_params) use PQexecParams.
 * Every call is one round trip.
 *
 * The run lock is a session-level advisory lock in its two-int form: a
 * fixed project constant and a 32-bit FNV-1a hash of the key (the
 * version table's qualified name).  It is polled with
 * pg_try_advisory_lock, never waited for inside a transaction, so a
 * second run can never deadlock against a first run's CREATE INDEX
 * CONCURRENTLY.
 *
 * Server errors become "ERROR: primary" plus DETAIL and HINT lines.  The
 * password of the connection is scrubbed from every message this file
 * writes, and notices are swallowed: the library never prints.
 */
#include "mg.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "pq.h" /* libpq, loaded on first use */

/* First half of the advisory lock key: "migr" in ASCII. */
#define LOCK_CLASS 0x6d696772u

/* How often a waiting lock() asks again. */
#define LOCK_POLL_MS 100u

struct mg_db {
	PGconn *conn;
	char *password;   /* from the conninfo or libpq; NULL if none */
	char *password2;  /* what libpq used, when it differs */
	int locked;
	uint32_t lock_key; /* second half of the held lock's key */
	long changes;      /* of the last statement (PQcmdTuples), or -1 */
};

/* ------------------------------------------------------------------ */
/* Messages                                                             */

/* Swallow notices and warnings: the library never prints. */
static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* A malloc'd copy of s without the trailing white space libpq adds. */
static char *trimmed(const char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
		     s[n - 1] == '\t'))
		n--;
	return mg_strndup(s, n);
}

/* Replace the connection's password(s) in *text (malloc'd) by ***. */
static void scrub(char **text, const char *pw, const char *pw2)
{
	char *t = mg_mask_secrets(*text, pw); /* also masks URLs in text */

	free(*text);
	*text = t;
	if (pw2 && pw2[0]) {
		t = mg_mask_secrets(*text, pw2);
		free(*text);
		*text = t;
	}
}

/*
 * Fill err (MG_EUNIT) from a failed result, or from the connection when
 * libpq gave no result: "SEVERITY: primary", then "DETAIL: ..." and
 * "HINT: ..." lines.  *errpos gets the statement position (1-based
 * characters), or 0.
 */
static int result_error(struct mg_db *db, const PGresult *res,
			unsigned long *errpos, struct mg_error *err)
{
	struct mg_buf b = MG_BUF_INIT;
	const char *primary = NULL, *sev, *detail, *hint, *pos;
	char *text;

	if (errpos)
		*errpos = 0;
	if (res)
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (primary) {
		sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
		if (!sev)
			sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
		pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
		mg_buf_printf(&b, "%s: %s", sev ? sev : "ERROR", primary);
		if (detail)
			mg_buf_printf(&b, "\nDETAIL: %s", detail);
		if (hint)
			mg_buf_printf(&b, "\nHINT: %s", hint);
		if (pos && errpos)
			*errpos = strtoul(pos, NULL, 10);
		text = mg_buf_detach(&b);
	} else {
		/* libpq's own failure: a lost connection, out of memory */
		const char *m = res ? PQresultErrorMessage(res) : "";

		if (!m[0])
			m = PQerrorMessage(db->conn);
		text = trimmed(m[0] ? m : "unknown libpq error");
	}
	scrub(&text, db->password, db->password2);
	mg_error_set(err, MG_EUNIT, NULL, 0, "%s", text);
	free(text);
	return MG_EUNIT;
}

/* ------------------------------------------------------------------ */
/* Running statements                                                   */

/*
 * Run sql with n text parameters.  On success *out is the result (caller
 * PQclears it) or NULL when out is NULL; on failure err is set.
 */
static int run(struct mg_db *db, const char *sql, int n,
	       const char *const *values, PGresult **out,
	       unsigned long *errpos, struct mg_error *err)
{
	PGresult *res, *extra;
	int rc = MG_OK;

	if (out)
		*out = NULL;
	if (errpos)
		*errpos = 0;
	res = n ? PQexecParams(db->conn, sql, n, NULL, values, NULL, NULL, 0)
		: PQexec(db->conn, sql);
	db->changes = -1;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		if (PQcmdTuples(res)[0])
			db->changes = atol(PQcmdTuples(res));
		if (out) {
			*out = res;
			res = NULL;
		}
		break;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		/* refuse it, and leave the connection usable */
		if (PQresultStatus(res) == PGRES_COPY_IN) {
			PQputCopyEnd(db->conn, "COPY FROM STDIN is not "
					       "supported in a migration");
		} else {
			char *buf = NULL;

			while (PQgetCopyData(db->conn, &buf, 0) > 0) {
				PQfreemem(buf);
				buf = NULL;
			}
		}
		while ((extra = PQgetResult(db->conn)) != NULL)
			PQclear(extra);
		rc = mg_error_set(err, MG_EUNIT, NULL, 0,
				  "COPY to or from the client is not supported "
				  "in a migration");
		break;
	default:
		rc = result_error(db, res, errpos, err);
		break;
	}
	PQclear(res);
	return rc;
}

static int pg_exec(struct mg_db *db, const char *sql, size_t len,
		   unsigned long *errpos, struct mg_error *err)
{
	char *s = mg_strndup(sql, len);
	int rc = run(db, s, 0, NULL, NULL, errpos, err);

	free(s);
	return rc;
}

static long pg_changes(struct mg_db *db)
{
	return db->changes;
}

static int pg_exec_params(struct mg_db *db, const char *sql, int n,
			  const char *const *values, struct mg_error *err)
{
	return run(db, sql, n, values, NULL, NULL, err);
}

static int pg_query(struct mg_db *db, const char *sql, int n,
		    const char *const *values, mg_row_fn row, void *user,
		    struct mg_error *err)
{
	PGresult *res = NULL;
	const char **cols = NULL;
	int rc, r, c, nrows, ncols;

	rc = run(db, sql, n, values, &res, NULL, err);
	if (rc != MG_OK)
		return rc;
	nrows = PQntuples(res);
	ncols = PQnfields(res);
	cols = mg_calloc((size_t)ncols + 1, sizeof(*cols));
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			cols[c] = NULL;
			if (!PQgetisnull(res, r, c))
				cols[c] = PQgetvalue(res, r, c);
		}
		if (row(user, ncols, cols))
			break;
	}
	free(cols);
	PQclear(res);
	return MG_OK;
}

/* The first column of the first row as text, malloc'd (NULL for none). */
static int query_value(struct mg_db *db, const char *sql, int n,
		       const char *const *values, char **out,
		       struct mg_error *err)
{
	PGresult *res = NULL;
	int rc;

	*out = NULL;
	rc = run(db, sql, n, values, &res, NULL, err);
	if (rc != MG_OK)
		return rc;
	if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
		*out = mg_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Connecting                                                           */

/* The password in conninfo, malloc'd, or NULL. */
static char *conninfo_password(const char *conninfo)
{
	PQconninfoOption *opts, *o;
	char *pw = NULL;

	opts = PQconninfoParse(conninfo, NULL);
	if (!opts)
		return NULL;
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && o->val[0])
			pw = mg_strdup(o->val);
	PQconninfoFree(opts);
	return pw;
}

/*
 * The raw password of a URL libpq could not parse: between the first ':'
 * of the user info and its last '@'.  Best effort, to keep it out of
 * libpq's complaint about the URL.
 */
static char *raw_url_password(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at = NULL, *colon;

	if (!p)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?");
	for (colon = p; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	if (!at)
		return NULL;
	colon = memchr(p, ':', (size_t)(at - p));
	if (!colon || colon + 1 == at)
		return NULL;
	return mg_strndup(colon + 1, (size_t)(at - colon - 1));
}

static int connect_error(struct mg_db *db, const struct mg_url *url,
			 const char *reason, struct mg_error *err)
{
	char *text = trimmed(reason && reason[0] ? reason : "out of memory");

	scrub(&text, db->password, db->password2);
	mg_error_set(err, MG_ECONNECT, NULL, 0, "cannot connect to %s: %s",
		     url->masked ? url->masked : "the database", text);
	free(text);
	return MG_ECONNECT;
}

static void pg_close(struct mg_db *db)
{
	if (!db)
		return;
	PQfinish(db->conn);
	free(db->password);
	free(db->password2);
	free(db);
}

/* Session settings, in one round trip (the simple protocol takes both). */
static int session_setup(struct mg_db *db, const struct mg_config *cfg,
			 struct mg_error *err)
{
	struct mg_buf sql = MG_BUF_INIT;
	PGresult *res;
	int rc = MG_OK;

	mg_buf_puts(&sql, "SET client_min_messages = warning");
	if (cfg && cfg->statement_timeout_ms > 0)
		mg_buf_printf(&sql, "; SET statement_timeout = %u",
			      cfg->statement_timeout_ms);
	res = PQexec(db->conn, mg_buf_str(&sql));
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = result_error(db, res, NULL, err);
	PQclear(res);
	mg_buf_release(&sql);
	return rc;
}

static int pg_open(struct mg_db **out, const struct mg_url *url,
		   const struct mg_config *cfg, struct mg_error *err)
{
	static const char *const keys[] = { "dbname",
					     "fallback_application_name",
					     NULL };
	const char *vals[3];
	struct mg_db *db = mg_calloc(1, sizeof(*db));
	char *perr = NULL;
	PQconninfoOption *check;
	const char *used;
	int rc;

	*out = NULL;
	rc = mg_pq_load(err);
	if (rc != MG_OK) {
		free(db);
		return rc;
	}
	check = PQconninfoParse(url->conninfo, &perr);
	if (!check) {
		db->password = raw_url_password(url->conninfo);
		rc = connect_error(db, url, perr, err);
		PQfreemem(perr);
		pg_close(db);
		return rc;
	}
	PQconninfoFree(check);
	db->password = conninfo_password(url->conninfo);

	vals[0] = url->conninfo;
	vals[1] = "migrate";
	vals[2] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	used = db->conn ? PQpass(db->conn) : NULL;
	if (used && used[0] &&
	    (!db->password || strcmp(used, db->password) != 0))
		db->password2 = mg_strdup(used);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		rc = connect_error(db, url,
				   db->conn ? PQerrorMessage(db->conn) : NULL,
				   err);
		pg_close(db);
		return rc;
	}
	PQsetNoticeProcessor(db->conn, quiet_notice, NULL);
	rc = session_setup(db, cfg, err);
	if (rc != MG_OK) {
		pg_close(db);
		return rc;
	}
	*out = db;
	return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Transactions                                                         */

static int simple(struct mg_db *db, const char *sql, struct mg_error *err)
{
	return run(db, sql, 0, NULL, NULL, NULL, err);
}

static int pg_begin(struct mg_db *db, struct mg_error *err)
{
	return simple(db, "BEGIN", err);
}

static int pg_commit(struct mg_db *db, struct mg_error *err)
{
	PGresult *res = NULL;
	int rc;

	/* COMMIT of a failed transaction "succeeds" as a ROLLBACK */
	rc = run(db, "COMMIT", 0, NULL, &res, NULL, err);
	if (rc == MG_OK && !strcmp(PQcmdStatus(res), "ROLLBACK"))
		rc = mg_error_set(err, MG_EUNIT, NULL, 0,
				  "cannot commit: a statement of the "
				  "transaction failed; it was rolled back");
	PQclear(res);
	return rc;
}

static void pg_rollback(struct mg_db *db)
{
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		simple(db, "ROLLBACK", NULL);
}

/* ------------------------------------------------------------------ */
/* The run lock                                                         */

/* 32-bit FNV-1a: stable across runs, machines and builds. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static void sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* "60s", "1.5s", "300ms" */
static void fmt_duration(char *buf, size_t n, unsigned ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, n, "%us", ms / 1000);
	else if (ms >= 1000)
		snprintf(buf, n, "%.3gs", ms / 1000.0);
	else
		snprintf(buf, n, "%ums", ms);
}

/*
 * The two int4 halves of the key as text, and the same as oid text for
 * pg_locks (classid/objid are the halves reinterpreted as unsigned).
 */
struct lock_args {
	char k1[16], k2[16], o1[16], o2[16];
};

static void lock_args(struct lock_args *a, uint32_t k2)
{
	snprintf(a->k1, sizeof(a->k1), "%ld",
		 (long)(int32_t)(LOCK_CLASS));
	snprintf(a->k2, sizeof(a->k2), "%ld",
		 k2 > INT32_MAX ? (long)k2 - 4294967296L : (long)k2);
	snprintf(a->o1, sizeof(a->o1), "%lu", (unsigned long)LOCK_CLASS);
	snprintf(a->o2, sizeof(a->o2), "%lu", (unsigned long)k2);
}

static void pg_unlock(struct mg_db *db)
{
	struct lock_args a;
	const char *params[2];

	if (!db->locked)
		return;
	lock_args(&a, db->lock_key);
	params[0] = a.k1;
	params[1] = a.k2;
	run(db, "SELECT pg_advisory_unlock($1::int4, $2::int4)", 2, params,
	    NULL, NULL, NULL);
	db->locked = 0;
}

static int pg_lock(struct mg_db *db, const char *key, unsigned timeout_ms,
		   struct mg_error *err)
{
	static const char try_sql[] =
		"SELECT pg_try_advisory_lock($1::int4, $2::int4)";
	static const char holder_sql[] =
		"SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
		" AND database = (SELECT oid FROM pg_database"
		"  WHERE datname = current_database())"
		" AND classid = $1::oid AND objid = $2::oid AND objsubid = 2"
		" AND granted LIMIT 1";
	uint32_t k2 = fnv1a(key);
	struct lock_args a;
	const char *params[2];
	double deadline;
	char *got = NULL, *pid = NULL;
	char within[32];
	PGTransactionStatusType tx;
	int rc;

	tx = PQtransactionStatus(db->conn);
	if (tx == PQTRANS_INTRANS || tx == PQTRANS_INERROR ||
	    tx == PQTRANS_ACTIVE)
		return mg_error_set(err, MG_ELOCK, NULL, 0,
				    "cannot take the migrate lock on '%s' "
				    "inside an open transaction", key);
	if (db->locked) {
		if (db->lock_key == k2)
			return MG_OK;
		pg_unlock(db);
	}
	lock_args(&a, k2);
	params[0] = a.k1;
	params[1] = a.k2;
	deadline = mg_now_ms() + timeout_ms;
	for (;;) {
		double left;

		rc = query_value(db, try_sql, 2, params, &got, err);
		if (rc != MG_OK)
			return rc;
		if (got && !strcmp(got, "t")) {
			free(got);
			db->locked = 1;
			db->lock_key = k2;
			return MG_OK;
		}
		free(got);
		got = NULL;
		left = deadline - mg_now_ms();
		if (left <= 0)
			break;
		sleep_ms(left < LOCK_POLL_MS ? left : LOCK_POLL_MS);
	}

	params[0] = a.o1;
	params[1] = a.o2;
	rc = query_value(db, holder_sql, 2, params, &pid, err);
	if (rc != MG_OK)
		return rc;
	fmt_duration(within, sizeof(within), timeout_ms);
	if (pid)
		mg_error_set(err, MG_ELOCK, NULL, 0,
			     "could not obtain the migrate lock on '%s' "
			     "within %s: held by pid %s", key, within, pid);
	else
		mg_error_set(err, MG_ELOCK, NULL, 0,
			     "could not obtain the migrate lock on '%s' "
			     "within %s: held by another session", key,
			     within);
	free(pid);
	return MG_ELOCK;
}

/* ------------------------------------------------------------------ */

static int pg_table_exists(struct mg_db *db, const char *schema,
			   const char *name, int *exists,
			   struct mg_error *err)
{
	static const char sql[] =
		"SELECT count(*) FROM pg_catalog.pg_class"
		" WHERE oid = pg_catalog.to_regclass($1::text)"
		" AND relkind IN ('r', 'p', 'v', 'm', 'f')";
	struct mg_buf qname = MG_BUF_INIT;
	const char *params[1];
	char *got = NULL;
	int rc;

	*exists = 0;
	if (schema) {
		mg_buf_sql_ident(&qname, schema);
		mg_buf_putc(&qname, '.');
	}
	mg_buf_sql_ident(&qname, name);
	params[0] = mg_buf_str(&qname);
	rc = query_value(db, sql, 1, params, &got, err);
	if (rc == MG_OK)
		*exists = got && strcmp(got, "0") != 0;
	free(got);
	mg_buf_release(&qname);
	return rc;
}

const struct mg_db_ops mg_db_pg_ops = {
	.name = "postgresql",
	.dialect = MG_DIALECT_PG,
	.open = pg_open,
	.close = pg_close,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.exec = pg_exec,
	.changes = pg_changes,
	.exec_params = pg_exec_params,
	.query = pg_query,
	.table_exists = pg_table_exists,
};
