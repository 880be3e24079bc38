/*
 * migrate_unit.h - the API a C migration unit is written against.
 *
 * A C unit is one file, NNNN_slug.c, in the units folder.  It starts with
 * the YAML header in a block comment, includes this header, and defines
 *
 *	int upgrade(migrate_ctx *ctx);
 *	int downgrade(migrate_ctx *ctx);
 *
 * each returning 0 on success.  `migrate build` compiles it to a shared
 * object next to the source (NNNN_slug.so); migrate loads that object
 * when the unit runs and calls one of the two functions inside the run's
 * transaction.  The functions below are defined by the migrate program
 * itself: the object needs no library to link against.
 *
 * Rules (docs/c-units.md has the whole story):
 *
 *   - Parameters are written $1, $2, ... on both PostgreSQL and SQLite and
 *     always passed as text; never paste values into SQL text.
 *   - One call runs exactly one statement.
 *   - A failed call is final: it returns non-zero, every later call
 *     returns non-zero without touching the database, and the unit fails
 *     with the database's message whatever it returns.  Return at once.
 *   - migrate_fail() records a message and returns non-zero, for
 *     `return migrate_fail(ctx, "...")`.
 *   - Strings handed to a row callback are valid only during that call.
 *
 * This file is part of migrate and may be used in units under any
 * licence.
 */
#ifndef MIGRATE_UNIT_H
#define MIGRATE_UNIT_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MIGRATE_UNIT_EXPORT __attribute__((visibility("default")))
#define MIGRATE_UNIT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MIGRATE_UNIT_EXPORT
#define MIGRATE_UNIT_PRINTF(f, a)
#endif

/* The running unit's handle: its database connection and its state. */
typedef struct migrate_ctx migrate_ctx;

/* Run one statement.  0 on success. */
int migrate_exec(migrate_ctx *ctx, const char *sql);

/* Run one statement with parameters $1..$n (values[i] NULL = SQL NULL). */
int migrate_exec_params(migrate_ctx *ctx, const char *sql, int n,
			const char *const *values);

/*
 * Run a query with parameters $1..$n, calling `row` for each result row
 * with its columns as text (cols[i] NULL for SQL NULL); a non-zero return
 * from `row` stops the query.  0 on success, also when `row` stopped it.
 */
int migrate_query(migrate_ctx *ctx, const char *sql, int n,
		  const char *const *values,
		  int (*row)(void *user, int ncols, const char *const *cols),
		  void *user);

/* "postgresql" or "sqlite". */
const char *migrate_dialect(const migrate_ctx *ctx);

/* A line for the log (shown as INFO, prefixed with the revision). */
void migrate_log(migrate_ctx *ctx, const char *fmt, ...)
	MIGRATE_UNIT_PRINTF(2, 3);

/* Fail the unit with this message; returns non-zero. */
int migrate_fail(migrate_ctx *ctx, const char *fmt, ...)
	MIGRATE_UNIT_PRINTF(2, 3);

/* What the unit defines.  Helpers of its own should be static. */
MIGRATE_UNIT_EXPORT int upgrade(migrate_ctx *ctx);
MIGRATE_UNIT_EXPORT int downgrade(migrate_ctx *ctx);

/*
 * `migrate build` compiles the unit with -DMIGRATE_UNIT_SHA256="<hex>",
 * the SHA-256 of its source file; the object exports it here, and migrate
 * refuses to run an object whose checksum is not that of the source.
 */
#ifdef MIGRATE_UNIT_SHA256
MIGRATE_UNIT_EXPORT extern const char migrate_unit_sha256[];
const char migrate_unit_sha256[] = MIGRATE_UNIT_SHA256;
#endif

#ifdef __cplusplus
}
#endif

#endif /* MIGRATE_UNIT_H */
