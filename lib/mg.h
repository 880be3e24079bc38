/*
 * mg.h - internals of libmigrate, shared by lib/ and tests/.
 *
 * cmd/ never includes this file; it sees only include/migrate.h.
 */
#ifndef MG_INTERNAL_H
#define MG_INTERNAL_H

#include "migrate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Memory (lib/util.c)                                                  */

/*
 * Allocation wrappers.  Like git's xmalloc, they never return NULL: on
 * exhaustion they print one line and abort.  A migration tool that runs
 * out of memory cannot do anything useful, and a half-handled NULL is
 * worse than a clean stop: the database is protected by its transaction.
 */
void *mg_malloc(size_t n);
void *mg_calloc(size_t nmemb, size_t size);
void *mg_realloc(void *p, size_t n);
/* realloc for arrays, checking nmemb * size for overflow */
void *mg_reallocarray(void *p, size_t nmemb, size_t size);
char *mg_strdup(const char *s);
char *mg_strndup(const char *s, size_t n);
char *mg_asprintf(const char *fmt, ...) MG_PRINTF(1, 2);

/* Grow `*v` (of `*cap` elements of `size`) to hold at least `need`. */
void mg_grow(void *pv, size_t *cap, size_t need, size_t size);

/*
 * Fault in `bytes` of the calling thread's malloc heap at once, for the
 * allocations about to follow (glibc: one madvise(MADV_POPULATE_WRITE);
 * elsewhere nothing).  The first call also tells glibc to keep freed
 * memory and to serve large blocks from the heap.  docs/internals.md.
 */
void mg_heap_reserve(size_t bytes);

/*
 * A block that many small allocations share, freed with the last of
 * them: the units of a header cache, 10,000 of which cost a malloc and a
 * free each otherwise.  mg_slab_alloc returns n bytes (not zeroed,
 * aligned for any type) from *cur, holding one reference on the block
 * they are in, which it stores in *owner; a full *cur is let go and
 * replaced (*cur itself holds a reference: start with NULL, and
 * mg_slab_unref(*cur) when done).  References may be dropped from any
 * thread.
 */
struct mg_slab;
void *mg_slab_alloc(struct mg_slab **cur, size_t n, struct mg_slab **owner);
void mg_slab_unref(struct mg_slab *s);

/* Monotonic clock in milliseconds. */
double mg_now_ms(void);

/* Read a whole file; *out is NUL-terminated and malloc'd. */
int mg_read_file(const char *path, char **out, size_t *len,
		 struct mg_error *err) MG_WUR;

/* path_join("a", "b") = "a/b"; an absolute `b` is returned as is. */
char *mg_path_join(const char *a, const char *b);
/*
 * The same into dst, which has room for the length returned + 1 (with
 * dst NULL, only that length is returned).
 */
size_t mg_path_join_into(char *dst, const char *a, const char *b);

/* ------------------------------------------------------------------ */
/* Units (lib/unit.c) and their header cache (lib/ucache.c)             */

/* A unit with only its path, kind and defaults set, and an empty body. */
struct mg_unit *mg_unit_new(const char *path);

struct stat;
void mg_ustat_from(struct mg_ustat *u, const struct stat *st);
int mg_ustat_eq(const struct mg_ustat *a, const struct mg_ustat *b);

/*
 * mg_units_load_dir, calling started(arg) in the calling thread once the
 * loader's own threads run (before it reads a file; not at all when the
 * folder cannot be opened), for the caller to start a thread of its own
 * beside them (the connection).  That thread may dlopen a library:
 * glibc's pthread_create waits for a dlopen under way, so had it started
 * first, the loader's threads would wait for libpq to load.
 */
int mg_units_load_dir_started(struct mg_unit_list *out, const char *dir,
			      void (*started)(void *), void *arg,
			      struct mg_error *err);

struct mg_ucache;

/*
 * The cache of the units folder dir: NULL when the cache is off
 * (MIGRATE_NO_CACHE, no cache folder); otherwise a handle, empty when
 * there is no usable cache file yet.
 */
struct mg_ucache *mg_ucache_open(const char *dir);
/*
 * The unit file names of the folder, as the cache recorded them, when
 * dir (the folder's stat now) is the stat it recorded: 1 and *names (a
 * malloc'd array of strings that live as long as c) and *n; else 0.
 */
int mg_ucache_names(const struct mg_ucache *c, const struct mg_ustat *dir,
		    const char ***names, size_t *n);
/*
 * A new unit with the cached header of file `name` of folder `dir` (its
 * path: mg_path_join(dir, name)), no body, allocated from *slab
 * (mg_slab_alloc); NULL when the cache has no entry for it or st
 * differs.  hint is where name stands in the cache when it came from
 * mg_ucache_names.  Safe to call from several threads, each with a slab
 * of its own.
 */
struct mg_unit *mg_ucache_get(const struct mg_ucache *c, size_t hint,
			      const char *dir, const char *name,
			      const struct mg_ustat *st,
			      struct mg_slab **slab);
/*
 * Write the cache anew: the folder's stat dir (taken after start_ns;
 * NULL: unknown, the names are then not trusted next time),
 * every name of the folder (sorted), units[i] (NULL: none) loaded from
 * names[i] under the stat units[i]->stat; the load began at start_ns
 * (mg_ucache_now_ns), and what changed shortly before it is not
 * recorded.  Failures are silent.
 */
void mg_ucache_save(const struct mg_ucache *c, const struct mg_ustat *dir,
		    const char *const *names, struct mg_unit *const *units,
		    size_t n, int64_t start_ns);
/* The wall clock file times are set from, in nanoseconds. */
int64_t mg_ucache_now_ns(void);
void mg_ucache_free(struct mg_ucache *c);

/* ------------------------------------------------------------------ */
/* Growable string (lib/util.c), git's strbuf in small                  */

struct mg_buf {
	char *ptr; /* always NUL-terminated once anything was added */
	size_t len, cap;
};

#define MG_BUF_INIT { NULL, 0, 0 }

void mg_buf_add(struct mg_buf *b, const char *s, size_t n);
void mg_buf_puts(struct mg_buf *b, const char *s);
void mg_buf_putc(struct mg_buf *b, char c);
void mg_buf_printf(struct mg_buf *b, const char *fmt, ...) MG_PRINTF(2, 3);
/* Append s as a SQL string literal: quotes doubled. */
void mg_buf_sql_literal(struct mg_buf *b, const char *s);
/* Append s as a double-quoted SQL identifier. */
void mg_buf_sql_ident(struct mg_buf *b, const char *s);
/* The string (never NULL; "" when empty). */
const char *mg_buf_str(const struct mg_buf *b);
/* Hand the string over; the buffer is empty afterwards. */
char *mg_buf_detach(struct mg_buf *b);
void mg_buf_reset(struct mg_buf *b);
void mg_buf_release(struct mg_buf *b);

/* ------------------------------------------------------------------ */
/* SQL splitting (lib/sqlsplit.c)                                       */

struct mg_stmt {
	size_t off, len; /* within the text given to mg_sql_split */
	unsigned line;   /* line of the statement's first character */
};

struct mg_stmt_list {
	struct mg_stmt *v;
	size_t n, cap;
};

#define MG_STMT_LIST_INIT { NULL, 0, 0 }

/*
 * Split `sql` (len bytes, not necessarily NUL-terminated) into
 * statements.  `first_line` is the line of sql[0] in `file`, so that each
 * statement's line is its line in the file.  Statements exclude the
 * terminating semicolon and leading white space and comments; empty and
 * comment-only statements are skipped.  Errors (an unterminated string,
 * comment or dollar body; a psql meta-command) are MG_ECONFIG with `file`
 * and the line where the construct began.
 */
int mg_sql_split(const char *sql, size_t len, enum mg_dialect dialect,
		 const char *file, unsigned first_line,
		 struct mg_stmt_list *out, struct mg_error *err) MG_WUR;
void mg_stmt_list_release(struct mg_stmt_list *list);

/*
 * If the statement (len bytes) is one PostgreSQL refuses inside a
 * transaction block (CREATE INDEX CONCURRENTLY, VACUUM, CREATE DATABASE,
 * ALTER SYSTEM, ...), return a short name for it ("CREATE INDEX
 * CONCURRENTLY"); otherwise NULL.
 */
const char *mg_sql_needs_no_tx(const char *stmt, size_t len);

/*
 * Line, within the statement, of the 1-based *character* position `pos`
 * that PostgreSQL reports (PG_DIAG_STATEMENT_POSITION): 0 for the first
 * line.
 */
unsigned mg_sql_pos_to_line_offset(const char *stmt, size_t len,
				   unsigned long pos);

/* ------------------------------------------------------------------ */
/* Database backends (lib/db_sqlite.c, lib/db_pg.c)                     */

struct mg_db; /* a backend's own connection object */

/* Called for each row of a query; a non-zero return stops the query. */
typedef int (*mg_row_fn)(void *user, int ncols, const char *const *cols);

/*
 * One interface, two implementations.  Nothing above it knows which one
 * it talks to.  Every function that fails fills `err`: a database error
 * is MG_EUNIT with the server's message (and, on PostgreSQL, DETAIL and
 * HINT lines) in err->msg; the caller adds the unit file and line.
 */
struct mg_db_ops {
	const char *name;          /* "sqlite" / "postgresql" */
	enum mg_dialect dialect;

	int (*open)(struct mg_db **out, const struct mg_url *url,
		    const struct mg_config *cfg, struct mg_error *err);
	void (*close)(struct mg_db *db);

	/*
	 * Take the one-run-at-a-time lock, waiting up to timeout_ms.
	 * PostgreSQL: a session-level advisory lock keyed on `key`, polled
	 * with pg_try_advisory_lock outside any transaction.  SQLite: sets
	 * the busy timeout; the lock itself is the immediate write
	 * transaction that begin() opens.  Failure is MG_ELOCK.
	 */
	int (*lock)(struct mg_db *db, const char *key, unsigned timeout_ms,
		    struct mg_error *err);
	void (*unlock)(struct mg_db *db);

	int (*begin)(struct mg_db *db, struct mg_error *err);
	int (*commit)(struct mg_db *db, struct mg_error *err);
	void (*rollback)(struct mg_db *db);

	/*
	 * Run one statement (len bytes, not necessarily NUL-terminated).
	 * On a PostgreSQL error with a position, *errpos is set to the
	 * 1-based character position within the statement (else 0).
	 */
	int (*exec)(struct mg_db *db, const char *sql, size_t len,
		    unsigned long *errpos, struct mg_error *err);
	/*
	 * Rows the last INSERT, UPDATE or DELETE that exec ran changed; ask
	 * right after it (PostgreSQL says -1 after other statements).
	 */
	long (*changes)(struct mg_db *db);
	/* Run one statement with parameters $1..$n, all passed as text. */
	int (*exec_params)(struct mg_db *db, const char *sql, int n,
			   const char *const *values, struct mg_error *err);
	/* Run a query with parameters, calling `row` for each row. */
	int (*query)(struct mg_db *db, const char *sql, int n,
		     const char *const *values, mg_row_fn row, void *user,
		     struct mg_error *err);

	/* Does table `name` (in `schema`, NULL for the default) exist? */
	int (*table_exists)(struct mg_db *db, const char *schema,
			    const char *name, int *exists,
			    struct mg_error *err);
};

extern const struct mg_db_ops mg_db_sqlite_ops;
extern const struct mg_db_ops mg_db_pg_ops;

/* The backend for a dialect. */
const struct mg_db_ops *mg_db_ops_for(enum mg_dialect dialect);

/* ------------------------------------------------------------------ */
/* Version table SQL (lib/version.c)                                    */

/* CREATE TABLE for the version table, exactly Alembic's. */
void mg_version_create_sql(struct mg_buf *out, enum mg_dialect d,
			   const char *schema, const char *table);
/*
 * The statements (without a trailing semicolon) that change the version
 * table for one step, appended to *stmts (a malloc'd vector of *n
 * malloc'd strings; free with mg_strv_free): del[i] with ins[i] as an
 * UPDATE, further dels as DELETE, further ins as INSERT, as Alembic does.
 */
void mg_version_step_sql(char ***stmts, size_t *n, const char *schema,
			 const char *table, const struct mg_step *step);
/* The table's qualified, quoted name. */
void mg_version_table_name(struct mg_buf *out, const char *schema,
			   const char *table);

/* CREATE TABLE for the applied-history table. */
void mg_history_create_sql(struct mg_buf *out, enum mg_dialect d,
			   const char *schema, const char *table);
/*
 * INSERT of one history row.  `started` is an ISO-8601 UTC time, or NULL
 * for "now" (offline scripts); `ms` < 0 writes a NULL duration.
 */
void mg_history_insert_sql(struct mg_buf *out, enum mg_dialect d,
			   const char *schema, const char *table,
			   const char *revision, const char *parents,
			   const char *direction, const char *sha256_hex,
			   const char *started, double ms);

/*
 * History rows gathered for one INSERT of them all, in the dialect's
 * cheapest form: on SQLite a VALUES list; on PostgreSQL one array literal
 * a column (INSERT ... SELECT * FROM unnest(...)), which costs the server
 * next to nothing to parse and plan, where a VALUES list of 100 rows is
 * 800 literals, ~3.6 ms a statement.  Start zeroed, with d set.
 */
#define MG_HIST_COLS 8
struct mg_history_batch {
	enum mg_dialect d;
	size_t n;                         /* rows gathered */
	struct mg_buf values;             /* SQLite: "(...), (...)" */
	struct mg_buf cols[MG_HIST_COLS]; /* PostgreSQL: elements a column */
};
/* One row more; started and finished are ISO-8601 UTC times. */
void mg_history_batch_add(struct mg_history_batch *b, const char *revision,
			  const char *parents, const char *direction,
			  const char *sha256_hex, const char *started,
			  const char *finished, double ms);
/* The INSERT of the rows gathered (b->n of them, at least one). */
void mg_history_batch_sql(struct mg_buf *out,
			  const struct mg_history_batch *b,
			  const char *schema, const char *table);
/* No rows gathered (the buffers kept); and the buffers freed. */
void mg_history_batch_reset(struct mg_history_batch *b);
void mg_history_batch_release(struct mg_history_batch *b);

/* Is `s` a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, <= 63 bytes)? */
int mg_is_plain_ident(const char *s);

#endif /* MG_INTERNAL_H */
