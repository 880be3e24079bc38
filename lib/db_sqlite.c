/*
 * db_sqlite.c - the SQLite backend.
 *
 * One run at a time: a POSIX write lock (fcntl F_SETLK) on a sidecar
 * file, `<database>-migrate.lock`, polled until lock_timeout and held for
 * the whole run, as PostgreSQL's advisory lock is.  SQLite's own lock (the
 * BEGIN IMMEDIATE write transaction, with a busy timeout of lock_timeout)
 * still guards each transaction, but alone it is released between
 * transactions: around a `transactional: false` unit and between units
 * with transaction_per_migration, where a second run could slip in.  Statements run one at
 * a time through sqlite3_prepare_v2, so every failure is tied to one
 * statement and its line.  Parameters are written $1, $2, ... as on
 * PostgreSQL; SQLite treats `$1` as a named parameter, bound by name.
 */
#include "mg.h"

#include <errno.h>
#include <fcntl.h>
#include "sq.h" /* libsqlite3, loaded on first use */
#include <time.h>
#include <unistd.h>

struct mg_db {
	sqlite3 *db;
	char *path;
	unsigned timeout_ms;
	int in_tx;
	int lock_fd;  /* the run lock's file, -1 when not held */
};

static int db_error(struct mg_db *d, int rc, const char *what,
		    struct mg_error *err)
{
	const char *msg = d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc);

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return mg_error_set(err, MG_ELOCK, NULL, 0,
				    "could not obtain the migrate lock on "
				    "sqlite database '%s' within %.3gs: %s "
				    "(another process holds a write lock)",
				    d->path, d->timeout_ms / 1000.0, msg);
	if (what)
		return mg_error_set(err, MG_EUNIT, NULL, 0, "%s: %s", what,
				    msg);
	return mg_error_set(err, MG_EUNIT, NULL, 0, "%s", msg);
}

static int sq_open(struct mg_db **out, const struct mg_url *url,
		   const struct mg_config *cfg, struct mg_error *err)
{
	struct mg_db *d;
	int rc;

	*out = NULL;
	rc = mg_sq_load(err);
	if (rc != MG_OK)
		return rc;
	d = mg_calloc(1, sizeof(*d));
	d->path = mg_strdup(url->path);
	d->timeout_ms = cfg ? cfg->lock_timeout_ms : 0;
	d->lock_fd = -1;
	rc = sqlite3_open_v2(url->path, &d->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_URI,
			     NULL);
	if (rc != SQLITE_OK) {
		mg_error_set(err, MG_ECONNECT, NULL, 0,
			     "cannot open sqlite database '%s': %s", url->path,
			     d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
		sqlite3_close(d->db);
		free(d->path);
		free(d);
		return MG_ECONNECT;
	}
	sqlite3_extended_result_codes(d->db, 0);
	sqlite3_busy_timeout(d->db, (int)d->timeout_ms);
	*out = d;
	return MG_OK;
}

static void sq_close(struct mg_db *d)
{
	if (!d)
		return;
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	if (d->in_tx)
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(d->db);
	free(d->path);
	free(d);
}

static int is_memory(const char *path)
{
	return !path[0] || !strcmp(path, ":memory:") ||
	       !strncmp(path, "file::memory:", 13);
}

static int sq_lock(struct mg_db *d, const char *key, unsigned timeout_ms,
		   struct mg_error *err)
{
	struct flock fl;
	double start;
	char *lockpath;
	int fd;

	(void)key;
	d->timeout_ms = timeout_ms;
	sqlite3_busy_timeout(d->db, (int)timeout_ms);
	if (d->lock_fd >= 0 || is_memory(d->path))
		return MG_OK;
	lockpath = mg_asprintf("%s-migrate.lock", d->path);
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		mg_error_set(err, MG_ELOCK, NULL, 0,
			     "cannot open the migrate lock file '%s': %s",
			     lockpath, strerror(errno));
		free(lockpath);
		return MG_ELOCK;
	}
	start = mg_now_ms();
	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) == 0)
			break;
		if ((errno != EACCES && errno != EAGAIN) ||
		    mg_now_ms() - start >= timeout_ms) {
			long pid = 0;

			memset(&fl, 0, sizeof(fl));
			fl.l_type = F_WRLCK;
			fl.l_whence = SEEK_SET;
			if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
				pid = (long)fl.l_pid;
			close(fd);
			if (pid)
				mg_error_set(err, MG_ELOCK, NULL, 0,
					     "could not obtain the migrate lock "
					     "on sqlite database '%s' within "
					     "%.3gs: held by pid %ld (%s)",
					     d->path, timeout_ms / 1000.0, pid,
					     lockpath);
			else
				mg_error_set(err, MG_ELOCK, NULL, 0,
					     "could not obtain the migrate lock "
					     "on sqlite database '%s' within "
					     "%.3gs (%s)", d->path,
					     timeout_ms / 1000.0, lockpath);
			free(lockpath);
			return MG_ELOCK;
		}
		{
			struct timespec ts = { 0, 50 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	free(lockpath);
	d->lock_fd = fd;
	return MG_OK;
}

static void sq_unlock(struct mg_db *d)
{
	if (d->lock_fd >= 0) {
		close(d->lock_fd);
		d->lock_fd = -1;
	}
}

static int simple(struct mg_db *d, const char *sql, struct mg_error *err)
{
	int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_error(d, rc, sql, err);
	return MG_OK;
}

static int sq_begin(struct mg_db *d, struct mg_error *err)
{
	int rc = simple(d, "BEGIN IMMEDIATE", err);

	if (rc == MG_OK)
		d->in_tx = 1;
	return rc;
}

static int sq_commit(struct mg_db *d, struct mg_error *err)
{
	int rc = simple(d, "COMMIT", err);

	if (rc == MG_OK)
		d->in_tx = 0;
	return rc;
}

static void sq_rollback(struct mg_db *d)
{
	if (!sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	d->in_tx = 0;
}

/* Characters (not bytes) in the first n bytes of s, plus one. */
static unsigned long char_pos(const char *s, size_t n)
{
	unsigned long c = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/*
 * Prepare exactly one statement from sql[0..len).  Text after it other
 * than white space and comments is refused, so one call is one statement.
 */
static int prepare_one(struct mg_db *d, const char *sql, size_t len,
		       sqlite3_stmt **st, unsigned long *errpos,
		       struct mg_error *err)
{
	const char *tail = NULL;
	int rc;

	if (errpos)
		*errpos = 0;
	*st = NULL;
	rc = sqlite3_prepare_v2(d->db, sql, (int)len, st, &tail);
	if (rc != SQLITE_OK) {
#if SQLITE_VERSION_NUMBER >= 3038000
		int off = sqlite3_error_offset(d->db);

		if (errpos && off >= 0 && (size_t)off <= len)
			*errpos = char_pos(sql, (size_t)off);
#endif
		return db_error(d, rc, NULL, err);
	}
	if (tail && tail < sql + len) {
		sqlite3_stmt *extra = NULL;
		const char *rest = NULL;

		if (sqlite3_prepare_v2(d->db, tail, (int)(sql + len - tail),
				       &extra, &rest) != SQLITE_OK || extra) {
			sqlite3_finalize(extra);
			sqlite3_finalize(*st);
			*st = NULL;
			return mg_error_set(err, MG_EUNIT, NULL, 0,
					    "more than one statement given "
					    "where one was expected");
		}
	}
	if (!*st)
		return mg_error_set(err, MG_EUNIT, NULL, 0,
				    "empty statement");
	return MG_OK;
}

static int bind_params(struct mg_db *d, sqlite3_stmt *st, int n,
		       const char *const *values, struct mg_error *err)
{
	int i;

	for (i = 0; i < n; i++) {
		char name[16];
		int idx;

		snprintf(name, sizeof(name), "$%d", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (!idx) {
			snprintf(name, sizeof(name), "?%d", i + 1);
			idx = sqlite3_bind_parameter_index(st, name);
		}
		if (!idx)
			continue;
		if (sqlite3_bind_text(st, idx, values[i], -1,
				      SQLITE_TRANSIENT) != SQLITE_OK)
			return db_error(d, sqlite3_errcode(d->db), NULL, err);
	}
	return MG_OK;
}

static int run(struct mg_db *d, sqlite3_stmt *st, mg_row_fn row, void *user,
	       struct mg_error *err)
{
	const char *cols[64];
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = sqlite3_column_count(st), i;

		if (!row)
			continue;
		if (n > (int)MG_ARRAY_SIZE(cols))
			n = (int)MG_ARRAY_SIZE(cols);
		for (i = 0; i < n; i++)
			cols[i] = (const char *)sqlite3_column_text(st, i);
		if (row(user, n, cols))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = db_error(d, rc, NULL, err);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return MG_OK;
}

static int sq_exec(struct mg_db *d, const char *sql, size_t len,
		   unsigned long *errpos, struct mg_error *err)
{
	sqlite3_stmt *st;
	int rc = prepare_one(d, sql, len, &st, errpos, err);

	if (rc)
		return rc;
	return run(d, st, NULL, NULL, err);
}

/*
 * sqlite3_changes() keeps the count of the last INSERT, UPDATE or DELETE
 * through other statements: the executor asks right after the statement.
 */
static long sq_changes(struct mg_db *d)
{
	return (long)sqlite3_changes(d->db);
}

static int sq_exec_params(struct mg_db *d, const char *sql, int n,
			  const char *const *values, struct mg_error *err)
{
	sqlite3_stmt *st;
	int rc = prepare_one(d, sql, strlen(sql), &st, NULL, err);

	if (rc)
		return rc;
	rc = bind_params(d, st, n, values, err);
	if (rc) {
		sqlite3_finalize(st);
		return rc;
	}
	return run(d, st, NULL, NULL, err);
}

static int sq_query(struct mg_db *d, const char *sql, int n,
		    const char *const *values, mg_row_fn row, void *user,
		    struct mg_error *err)
{
	sqlite3_stmt *st;
	int rc = prepare_one(d, sql, strlen(sql), &st, NULL, err);

	if (rc)
		return rc;
	rc = bind_params(d, st, n, values, err);
	if (rc) {
		sqlite3_finalize(st);
		return rc;
	}
	return run(d, st, row, user, err);
}

static int set_flag(void *user, int ncols, const char *const *cols)
{
	(void)ncols;
	(void)cols;
	*(int *)user = 1;
	return 1;
}

static int sq_table_exists(struct mg_db *d, const char *schema,
			   const char *name, int *exists, struct mg_error *err)
{
	const char *v[1];

	(void)schema;
	v[0] = name;
	*exists = 0;
	return sq_query(d,
			"SELECT 1 FROM sqlite_master WHERE type = 'table' "
			"AND name = $1",
			1, v, set_flag, exists, err);
}

const struct mg_db_ops mg_db_sqlite_ops = {
	"sqlite",
	MG_DIALECT_SQLITE,
	sq_open,
	sq_close,
	sq_lock,
	sq_unlock,
	sq_begin,
	sq_commit,
	sq_rollback,
	sq_exec,
	sq_changes,
	sq_exec_params,
	sq_query,
	sq_table_exists,
};
