/*
 * migrate.h - public API of libmigrate.
 *
 * The command-line front end in cmd/ uses only what this header declares.
 * Everything here follows three rules:
 *
 *   - functions that can fail return an int that is MG_OK (0) or one of the
 *     MG_E* categories below, and fill a caller-provided struct mg_error;
 *   - the library never prints and never exits: it reports through the
 *     error value and through the struct mg_hooks callbacks;
 *   - objects are freed with mg_<type>_free(), caller-owned structs are
 *     emptied with mg_<type>_release().
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define MG_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define MG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MG_WUR __attribute__((warn_unused_result))
#define MG_UNUSED __attribute__((unused))
#else
#define MG_PRINTF(fmt, args)
#define MG_WUR
#define MG_UNUSED
#endif

#define MG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Error categories.  Each one is also the exit code cmd/ uses, as
 * documented in docs/migrate.1 and SPEC.md.
 */
enum {
	MG_OK = 0,
	MG_EUNIT = 1,    /* a unit or one of its statements failed */
	MG_EUSAGE = 2,   /* bad command line */
	MG_ECONFIG = 3,  /* config, unit load or revision graph error */
	MG_ECONNECT = 4, /* cannot connect to the database */
	MG_ELOCK = 5,    /* another run holds the lock */
	MG_EDRIFT = 6    /* `check` found drift */
};

/*
 * The one error value.  `file` and `line` name the place in a unit or
 * config file the error is about (empty / 0 when there is none); `msg` is
 * the message proper, possibly several lines (a server's DETAIL and HINT
 * follow on their own lines).
 */
struct mg_error {
	int code;
	unsigned line;
	char file[1024];
	char msg[4096];
};

#define MG_ERROR_INIT { 0, 0, { 0 }, { 0 } }

/* Fill `err` and return `code`, so callers write `return mg_error_set(...)`. */
int mg_error_set(struct mg_error *err, int code, const char *file,
		 unsigned line, const char *fmt, ...) MG_PRINTF(5, 6);
int mg_error_vset(struct mg_error *err, int code, const char *file,
		  unsigned line, const char *fmt, va_list ap) MG_PRINTF(5, 0);
void mg_error_clear(struct mg_error *err);

/* SQL dialects. MG_DIALECT_ANY is used for unqualified unit sections. */
enum mg_dialect {
	MG_DIALECT_ANY = 0,
	MG_DIALECT_SQLITE = 1,
	MG_DIALECT_PG = 2
};

/* "sqlite" / "postgresql" (the names used in unit section qualifiers). */
const char *mg_dialect_name(enum mg_dialect d);

/* ------------------------------------------------------------------ */
/* Configuration (lib/config.c)                                         */

/* Where the effective URL came from, in precedence order. */
enum mg_url_source {
	MG_URL_FROM_FLAG,    /* --url */
	MG_URL_FROM_ENV,     /* DATABASE_URL */
	MG_URL_FROM_INI,     /* [migrate] url */
	MG_URL_FROM_DEFAULT  /* sqlite:///./dev.db */
};

struct mg_config {
	char *path;                 /* ini file read, NULL when none was */
	char *here;                 /* its folder (the cwd when none) */
	char *script_location;      /* folder of units, resolved against here */
	char *url;                  /* effective URL: a secret, never print */
	enum mg_url_source url_source;
	char *version_table;        /* plain SQL identifier */
	char *version_table_schema; /* NULL when unset */
	char *history_table;        /* plain SQL identifier */
	int transaction_per_migration;
	unsigned lock_timeout_ms;
	unsigned statement_timeout_ms; /* 0: none */
};

/*
 * What the caller knows before reading the ini file.  cmd/ fills the
 * env_* fields from getenv() so the library itself never reads the
 * environment (which keeps it testable).
 */
struct mg_config_opts {
	const char *config_path;  /* -c FILE, or NULL */
	const char *env_config;   /* $MIGRATE_CONFIG, or NULL */
	const char *env_url;      /* $DATABASE_URL, or NULL */
	const char *url_flag;     /* --url, or NULL */
	const char *const *xargs; /* -x key=value, each overriding [migrate] */
	size_t nxargs;
};

int mg_config_load(struct mg_config *cfg, const struct mg_config_opts *opts,
		   struct mg_error *err) MG_WUR;
void mg_config_release(struct mg_config *cfg);

/* A database URL, taken apart. */
struct mg_url {
	enum mg_dialect dialect;
	char *conninfo; /* postgres: what libpq gets (driver suffix dropped) */
	char *path;     /* sqlite: file path, or ":memory:" */
	char *masked;   /* safe to print: the password replaced by *** */
};

int mg_url_parse(struct mg_url *url, const char *text,
		 struct mg_error *err) MG_WUR;
void mg_url_release(struct mg_url *url);

/*
 * Mask any password in `text` (a URL, or a libpq message quoting one):
 * returns a malloc'd copy with the password replaced by "***".
 */
char *mg_mask_secrets(const char *text, const char *password);

/* ------------------------------------------------------------------ */
/* Migration units (lib/unit.c)                                         */

enum mg_unit_kind { MG_UNIT_SQL, MG_UNIT_C };

enum mg_direction { MG_DOWN = 0, MG_UP = 1 };

struct mg_section {
	enum mg_direction dir;
	enum mg_dialect dialect; /* MG_DIALECT_ANY when unqualified */
	size_t off, len;         /* body, within mg_unit_body.text */
	unsigned line;           /* line of the body's first character */
};

#define MG_REVISION_MAX 32

/* What the header cache compares of a file: stat()'s identity and times. */
struct mg_ustat {
	uint64_t size, ino, dev;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
};

/*
 * A unit's file: its text and its sections.  A unit whose header came
 * from the header cache (docs/internals.md) has no text until something
 * needs it: mg_unit_section() and mg_unit_sha256_hex() read the file then.
 */
#define MG_UNIT_SECTIONS_MAX 6 /* up and down, each any / postgresql / sqlite */

struct mg_unit_body {
	char *text;            /* the whole file, NUL-terminated, or NULL */
	size_t len;
	/*
	 * MG_UNIT_SECTIONS_MAX slots, allocated with the text: a unit whose
	 * body is never read (heads, current) does not carry them.
	 */
	struct mg_section *sections;
	size_t nsections;
};

struct mg_unit {
	char *revision;
	char **down_revisions; /* empty for a root; several for a merge */
	size_t ndown;
	char **depends_on;
	size_t ndepends;
	char **branch_labels;
	size_t nlabels;
	char *message;         /* may be NULL */
	char *create_date;     /* may be NULL */
	int transactional;     /* default 1 */
	enum mg_unit_kind kind;
	char *path;            /* path as shown to users */
	/*
	 * Points at body_store, which only unit.c touches: reading the file
	 * later fills it in through a unit that is const everywhere else.
	 */
	struct mg_unit_body *body;
	struct mg_unit_body body_store;
	/*
	 * A unit of the header cache: it and its strings are one allocation
	 * in this block (mg_slab_alloc); NULL for a unit parsed from its file
	 */
	struct mg_slab *slab;
	/* the file's stat when it was loaded from a folder (the header
	 * cache's key) */
	struct mg_ustat stat;
};

/* Parse a unit from memory; `path` is used for messages and the kind. */
int mg_unit_parse(struct mg_unit **out, const char *path, const char *text,
		  size_t len, struct mg_error *err) MG_WUR;
int mg_unit_load(struct mg_unit **out, const char *path,
		 struct mg_error *err) MG_WUR;
void mg_unit_free(struct mg_unit *unit);

/*
 * The SQL of one direction for a dialect: the qualified section wins over
 * the unqualified one.  A missing section is an MG_ECONFIG error naming
 * the unit and the dialect.
 */
int mg_unit_section(const struct mg_unit *unit, enum mg_direction dir,
		    enum mg_dialect dialect, const struct mg_section **out,
		    struct mg_error *err) MG_WUR;

/*
 * Make sure unit->body holds the file (a no-op unless the header came
 * from the cache).  The file is read and parsed again; a header that no
 * longer says what the cache said is an MG_ECONFIG error (the file
 * changed while migrate ran).
 */
int mg_unit_load_body(const struct mg_unit *unit, struct mg_error *err) MG_WUR;

/*
 * Lowercase hex of the SHA-256 of the unit's file, in a buffer of at least
 * 65 bytes.  Computed on each call (only runs, `check` and `build` need
 * it, so loading thousands of units for `heads` never pays for it).
 * Reads the file first when the header came from the cache.
 */
int mg_unit_sha256_hex(const struct mg_unit *unit, char *out,
		       struct mg_error *err) MG_WUR;

/* A growable array of unit pointers. */
struct mg_unit_list {
	struct mg_unit **v;
	size_t n, cap;
};

#define MG_UNIT_LIST_INIT { NULL, 0, 0 }

void mg_unit_list_push(struct mg_unit_list *list, struct mg_unit *unit);
void mg_unit_list_release(struct mg_unit_list *list); /* not the units */
void mg_unit_list_free_all(struct mg_unit_list *list); /* and the units */

/*
 * Load every NNNN_slug.sql / NNNN_slug.c file in `dir`, sorted by file
 * name.  A missing folder is an MG_ECONFIG error; of several bad files,
 * the first by name is reported.  On error the list holds whatever had
 * loaded (free it with mg_unit_list_free_all).
 *
 * Large folders are read by several threads.  Headers of files that have
 * not changed since the last load come from the header cache (see
 * docs/internals.md: $MIGRATE_CACHE_DIR, MIGRATE_NO_CACHE=1), and those
 * units' text is read only when needed (mg_unit_load_body).
 */
int mg_units_load_dir(struct mg_unit_list *out, const char *dir,
		      struct mg_error *err) MG_WUR;

/* ------------------------------------------------------------------ */
/* The revision graph (lib/graph.c)                                     */

struct mg_graph;

/*
 * Build and validate the graph.  Takes ownership of the units in `units`
 * (the list is emptied) whether it succeeds or not; the graph keeps them
 * in the list's order.  Rejects, each as MG_ECONFIG with err->file the
 * offending unit: empty ids, ids over MG_REVISION_MAX characters or with
 * `@ - + :` or white space, duplicate ids, a branch label that is a
 * revision id or used twice, a down_revision or depends_on naming no
 * unit ("Can't locate revision identified by 'X'"; depends_on may name a
 * branch label), and cycles through down_revision or depends_on
 * ("Cycle is detected in revisions (a, b)", then a line with the files
 * of the cycle).  Messages name both files where two are involved.
 */
int mg_graph_build(struct mg_graph **out, struct mg_unit_list *units,
		   struct mg_error *err) MG_WUR;
void mg_graph_free(struct mg_graph *g);

size_t mg_graph_count(const struct mg_graph *g);
/* Units in file-name order. */
const struct mg_unit *mg_graph_unit(const struct mg_graph *g, size_t i);
/* Exact id look-up, NULL when unknown. */
const struct mg_unit *mg_graph_find(const struct mg_graph *g, const char *rev);

/* A list of const unit pointers that does not own them. */
struct mg_rev_list {
	const struct mg_unit **v;
	size_t n, cap;
};

#define MG_REV_LIST_INIT { NULL, 0, 0 }

void mg_rev_list_push(struct mg_rev_list *list, const struct mg_unit *u);
void mg_rev_list_release(struct mg_rev_list *list);

/*
 * Heads (no unit has them as down_revision: Alembic's `heads`), in
 * file-name order.  A unit that only others' depends_on name is one.
 */
void mg_graph_heads(const struct mg_graph *g, struct mg_rev_list *out);

/*
 * Resolve a target (`head`, `heads`, `base`, an id, a unique prefix of at
 * least four characters, `+N`/`-N` relative to `current`, `REV+N`,
 * `REV-N`, `head-N`, `LABEL@head`, `LABEL@REV`, `LABEL`, `LABEL@+N`) to
 * a set of revisions; an empty set means base.  `current` are the
 * revisions the database stands at (the version table's rows).  MG_UP
 * reads the target as `upgrade` does (Alembic's _parse_upgrade_target),
 * MG_DOWN as `downgrade` does (_parse_downgrade_target: at most one
 * revision).  An ambiguous prefix is "Multiple revisions start with
 * 'abcd': 'abcd1', 'abcd2'..."; an unknown or too short one "Can't locate
 * revision identified by 'ab'".
 */
int mg_graph_resolve(const struct mg_graph *g, const char *target,
		     const char *const *current, size_t ncurrent,
		     enum mg_direction dir, struct mg_rev_list *out,
		     struct mg_error *err) MG_WUR;

/*
 * One step of a plan: run `unit` in direction `dir`, then change the
 * version table by removing `del` and adding `ins` (the executor pairs
 * del[i] with ins[i] as an UPDATE, the rest as DELETE / INSERT, which is
 * what Alembic issues).
 */
struct mg_step {
	const struct mg_unit *unit;
	enum mg_direction dir;
	const char **del;
	size_t ndel;
	const char **ins;
	size_t nins;
};

struct mg_plan {
	struct mg_step *v;
	size_t n, cap;
};

#define MG_PLAN_INIT { NULL, 0, 0 }

void mg_plan_release(struct mg_plan *plan);

/*
 * The steps that take a database at `current` to `target` going `dir`.
 * An empty plan means nothing to do.  Revisions in `current` the graph
 * does not know are an MG_ECONFIG error.
 */
int mg_graph_plan(const struct mg_graph *g, const char *const *current,
		  size_t ncurrent, const char *target, enum mg_direction dir,
		  struct mg_plan *out, struct mg_error *err) MG_WUR;

/*
 * Notes on plans (mg_graph_plan, mg_graph_stamp):
 *
 *   - del / ins point at the units' revision strings, owned by the
 *     graph; each step's del and ins share one allocation, which
 *     mg_plan_release frees (the graph must outlive the plan).
 *   - A merge step deletes the other parents and updates one: del is
 *     { updated parent, deleted parents... }, ins { merge }.  An unmerge
 *     (downgrading a merge) is del { merge }, ins { one parent, inserted
 *     parents... }.  Alembic runs the DELETEs / INSERTs before the
 *     UPDATE; the set of statements is the same.
 *   - `target` NULL means what Alembic's command means: upgrade to
 *     `head` when the graph has one head, else `heads`; downgrade to
 *     `base`.
 *   - Errors are MG_ECONFIG with Alembic's messages, except a relative
 *     target that walks past the graph ("Relative revision -3 didn't
 *     produce 3 migrations"), which is MG_EUSAGE.  A "Multiple head
 *     revisions are present ..." message has a second line naming the
 *     heads ("heads: a, b").
 */

/*
 * The version-table change of `stamp target` (Alembic's _stamp_revs run
 * through its HeadMaintainer): one step per Alembic StampStep, each with
 * unit == NULL (nothing runs) and dir MG_UP / MG_DOWN as Alembic's
 * is_upgrade.  With `purge`, `current` is ignored and the plan starts
 * from an empty table: the caller empties it first (Alembic's --purge).
 * Without it, revisions in `current` the graph does not know are an
 * MG_ECONFIG error.
 */
int mg_graph_stamp(const struct mg_graph *g, const char *const *current,
		   size_t ncurrent, const char *target, int purge,
		   struct mg_plan *out, struct mg_error *err) MG_WUR;

/*
 * Alembic's `history [-r RANGE]`: the units in the range, newest first,
 * in Alembic's order.  `range` is NULL or "" for everything, else
 * "[start]:[end]" where either end is a target (`base`, `heads`, an id,
 * `-3`, `LABEL@head`, ...) or the word `current`, which stands for the
 * revisions in `current` (the version table's rows).  A range without a
 * colon is MG_EUSAGE.
 */
int mg_graph_history(const struct mg_graph *g, const char *range,
		     const char *const *current, size_t ncurrent,
		     struct mg_rev_list *out, struct mg_error *err) MG_WUR;

/* Alembic's `branches`: the branch points, in history order. */
void mg_graph_branches(const struct mg_graph *g, struct mg_rev_list *out);

/*
 * Alembic's get_revisions(), what `show REV` lists: a target resolved
 * without reference to a database (`heads`, `head`, an id, a prefix,
 * `LABEL@head`, `-1` from each head, ...).  Empty for `base`.
 */
int mg_graph_revisions(const struct mg_graph *g, const char *target,
		       struct mg_rev_list *out, struct mg_error *err) MG_WUR;

/*
 * What Alembic's `current` lists for a version table holding `current`:
 * the branch heads among those revisions and everything they imply, in
 * file-name order.  Unknown revisions are MG_ECONFIG.
 */
int mg_graph_current(const struct mg_graph *g, const char *const *current,
		     size_t ncurrent, struct mg_rev_list *out,
		     struct mg_error *err) MG_WUR;

/* Children by down_revision (Alembic's nextrev), in file-name order. */
void mg_graph_children(const struct mg_graph *g, const struct mg_unit *u,
		       struct mg_rev_list *out);

/* No unit has `u` as down_revision (one of mg_graph_heads). */
int mg_graph_is_head(const struct mg_graph *g, const struct mg_unit *u);
/* Several units have `u` as down_revision. */
int mg_graph_is_branchpoint(const struct mg_graph *g,
			    const struct mg_unit *u);
/* `u` has several down_revisions. */
int mg_graph_is_mergepoint(const struct mg_graph *g, const struct mg_unit *u);

/* What Alembic's history marks after a revision. */
enum mg_rev_flags {
	MG_REV_HEAD = 1 << 0,           /* " (head)": nothing builds on it,
					   not even through depends_on */
	MG_REV_EFFECTIVE_HEAD = 1 << 1, /* " (effective head)": only
					   depends_on of others names it */
	MG_REV_BRANCHPOINT = 1 << 2,    /* " (branchpoint)" */
	MG_REV_MERGEPOINT = 1 << 3,     /* " (mergepoint)" */
	MG_REV_BASE = 1 << 4            /* no down_revision */
};

unsigned mg_graph_flags(const struct mg_graph *g, const struct mg_unit *u);

/*
 * The branch labels Alembic shows for `u`: its own and those it inherits
 * from the unit that declared them (up to the next branch or merge
 * point).  Returns a malloc'd array of *n borrowed strings (free() the
 * array only), NULL when there are none.
 */
const char **mg_graph_labels(const struct mg_graph *g,
			     const struct mg_unit *u, size_t *n);

/* ------------------------------------------------------------------ */
/* Running: sessions, the version table, the executor (lib/exec.c)      */

/* Callbacks through which the library reports progress. */
struct mg_hooks {
	void *user;
	/* a unit is about to run */
	void (*step_start)(void *user, const struct mg_step *step);
	/* it finished (ok != 0) or failed, after `ms` milliseconds */
	void (*step_done)(void *user, const struct mg_step *step, int ok,
			  double ms);
	/* an informational line (no newline), e.g. from a C unit's log */
	void (*info)(void *user, const char *line);
	/* offline mode: a chunk of SQL output */
	void (*sql)(void *user, const char *text);
};

struct mg_session;

/*
 * Open a session: load units from cfg->script_location and build the
 * graph.  Connecting is separate (mg_session_connect) so graph-only
 * commands never touch the database.
 */
int mg_session_open(struct mg_session **out, const struct mg_config *cfg,
		    const struct mg_hooks *hooks, struct mg_error *err) MG_WUR;
/*
 * mg_session_open and mg_session_connect at once: a second thread
 * connects while the units load (a connection is mostly waiting for the
 * server).  A load error wins over a connection error, as the two calls
 * in turn would report.
 */
int mg_session_open_connected(struct mg_session **out,
			      const struct mg_config *cfg,
			      const struct mg_hooks *hooks, unsigned wait_ms,
			      struct mg_error *err) MG_WUR;
/*
 * mg_session_open_connected, and the connecting thread reads the version
 * table as soon as it is connected, for the next mg_session_current to
 * return (`current` then waits for no round trip after the load).
 */
int mg_session_open_current(struct mg_session **out,
			    const struct mg_config *cfg,
			    const struct mg_hooks *hooks, unsigned wait_ms,
			    struct mg_error *err) MG_WUR;
void mg_session_free(struct mg_session *s);

const struct mg_graph *mg_session_graph(const struct mg_session *s);
enum mg_dialect mg_session_dialect(const struct mg_session *s);
/* The URL, masked, safe to print. */
const char *mg_session_url_masked(const struct mg_session *s);

/* Connect, waiting up to wait_ms for the server to accept (0: try once). */
int mg_session_connect(struct mg_session *s, unsigned wait_ms,
		       struct mg_error *err) MG_WUR;

/*
 * The revisions the database stands at (the version table's rows),
 * sorted.  A missing version table reads as no rows.  Strings are
 * malloc'd; free with mg_strv_free.
 */
int mg_session_current(struct mg_session *s, char ***revs, size_t *nrevs,
		       struct mg_error *err) MG_WUR;
void mg_strv_free(char **v, size_t n);

enum mg_run_flags {
	MG_RUN_SQL = 1 << 0,     /* offline: write SQL, do not connect */
	MG_RUN_DRY = 1 << 1,     /* connect, lock, plan; change nothing */
	MG_RUN_PURGE = 1 << 2,   /* stamp: empty the version table first */
	MG_RUN_STRICT = 1 << 3   /* a database ahead of the code is an error */
};

/* upgrade / downgrade to `target`. */
int mg_run_migrate(struct mg_session *s, enum mg_direction dir,
		   const char *target, unsigned flags,
		   struct mg_error *err) MG_WUR;

/* stamp: set the version table to `target` without running units. */
int mg_run_stamp(struct mg_session *s, const char *target, unsigned flags,
		 struct mg_error *err) MG_WUR;

/*
 * The live schema, normalised (tables, columns, keys, indexes, views,
 * sequences; the version and history tables left out).  *out malloc'd.
 */
int mg_session_schema(struct mg_session *s, int json, char **out,
		      struct mg_error *err) MG_WUR;

/*
 * check: MG_OK when the graph has one head and the database stands at
 * it, every applied unit's file is unchanged since it ran, and (when
 * `schema_file` is given) the schema equals that file's dump.  Otherwise
 * MG_EDRIFT with *report (malloc'd) listing every problem.  Other errors
 * (cannot connect, ...) as usual, *report NULL.
 */
int mg_run_check(struct mg_session *s, const char *schema_file,
		 char **report, struct mg_error *err) MG_WUR;

/*
 * check --roundtrip on a scratch database (refused unless empty): for
 * each unit from base, upgrade it, downgrade it, compare the schema with
 * the one before, upgrade again.  MG_EDRIFT with *report naming the first
 * unit whose downgrade does not restore the schema, and the diff.
 */
int mg_run_roundtrip(struct mg_session *s, char **report,
		     struct mg_error *err) MG_WUR;

/* ------------------------------------------------------------------ */
/* Writing new units (lib/revision.c)                                   */

struct mg_revision_opts {
	const char *message;
	const char *rev_id;       /* NULL: next NNNN_slug */
	const char *head;         /* NULL: the single current head */
	const char *branch_label; /* may be NULL */
	const char *depends_on;   /* may be NULL */
	const char *const *merge; /* merge: the revisions to join */
	size_t nmerge;
	int c_unit;               /* write a .c unit */
	const char *create_date;  /* NULL: now, UTC */
};

/* Write a new unit file into cfg->script_location; *path_out is malloc'd. */
int mg_revision_write(const struct mg_graph *g, const struct mg_config *cfg,
		      const struct mg_revision_opts *opts, char **path_out,
		      struct mg_error *err) MG_WUR;

/* Write migrate.ini and an empty versions/ into `dir`. */
int mg_init_write(const char *dir, struct mg_error *err) MG_WUR;

#endif /* MIGRATE_H */
