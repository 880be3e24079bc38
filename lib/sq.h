/*
 * sq.h - libsqlite3, loaded when the first SQLite database is opened.
 *
 * As pq.h for libpq: a PostgreSQL run, `heads` or `history` never opens
 * SQLite, so the binary does not link libsqlite3 (its pages were ~0.7 MiB
 * of a PostgreSQL run's peak RSS).  db_sqlite.c includes this header and
 * calls sqlite3_* by their usual names; mg_sq_load() dlopens the library
 * by the SONAME the Makefile reads (MG_LIBSQLITE_SONAME).
 */
#ifndef MG_SQ_H
#define MG_SQ_H

#include <sqlite3.h>

#include "mg.h"

#ifndef MG_LIBSQLITE_SONAME
#define MG_LIBSQLITE_SONAME "libsqlite3.so.0"
#endif

/* sqlite3_error_offset() is 3.38's; older headers go without it. */
#if SQLITE_VERSION_NUMBER >= 3038000
#define MG_SQ_FUNCS_3_38(X) X(sqlite3_error_offset)
#else
#define MG_SQ_FUNCS_3_38(X)
#endif

/* Every libsqlite3 function migrate calls. */
#define MG_SQ_FUNCS(X)                                                 \
	X(sqlite3_bind_parameter_index)                                \
	X(sqlite3_bind_text)                                           \
	X(sqlite3_busy_timeout)                                        \
	X(sqlite3_changes)                                             \
	X(sqlite3_close)                                               \
	X(sqlite3_column_count)                                        \
	X(sqlite3_column_text)                                         \
	X(sqlite3_config)                                              \
	X(sqlite3_errcode)                                             \
	X(sqlite3_errmsg)                                              \
	X(sqlite3_errstr)                                              \
	X(sqlite3_exec)                                                \
	X(sqlite3_extended_result_codes)                               \
	X(sqlite3_finalize)                                            \
	X(sqlite3_get_autocommit)                                      \
	X(sqlite3_open_v2)                                             \
	X(sqlite3_prepare_v2)                                          \
	X(sqlite3_step)                                                \
	MG_SQ_FUNCS_3_38(X)

#define MG_SQ_MEMBER(name) __typeof__(name) *name;
struct mg_sq_api {
	MG_SQ_FUNCS(MG_SQ_MEMBER)
};
#undef MG_SQ_MEMBER

extern struct mg_sq_api mg_sq;

/*
 * Load libsqlite3 once (later calls return at once).  On failure err says
 * which file could not be loaded and why (MG_ECONNECT).
 */
int mg_sq_load(struct mg_error *err);

#ifndef MG_SQ_IMPL
#define sqlite3_bind_parameter_index (*mg_sq.sqlite3_bind_parameter_index)
#define sqlite3_bind_text (*mg_sq.sqlite3_bind_text)
#define sqlite3_busy_timeout (*mg_sq.sqlite3_busy_timeout)
#define sqlite3_changes (*mg_sq.sqlite3_changes)
#define sqlite3_close (*mg_sq.sqlite3_close)
#define sqlite3_column_count (*mg_sq.sqlite3_column_count)
#define sqlite3_column_text (*mg_sq.sqlite3_column_text)
#define sqlite3_config (*mg_sq.sqlite3_config)
#define sqlite3_errcode (*mg_sq.sqlite3_errcode)
#define sqlite3_errmsg (*mg_sq.sqlite3_errmsg)
#define sqlite3_errstr (*mg_sq.sqlite3_errstr)
#define sqlite3_exec (*mg_sq.sqlite3_exec)
#define sqlite3_extended_result_codes (*mg_sq.sqlite3_extended_result_codes)
#define sqlite3_finalize (*mg_sq.sqlite3_finalize)
#define sqlite3_get_autocommit (*mg_sq.sqlite3_get_autocommit)
#define sqlite3_open_v2 (*mg_sq.sqlite3_open_v2)
#define sqlite3_prepare_v2 (*mg_sq.sqlite3_prepare_v2)
#define sqlite3_step (*mg_sq.sqlite3_step)
#if SQLITE_VERSION_NUMBER >= 3038000
#define sqlite3_error_offset (*mg_sq.sqlite3_error_offset)
#endif
#endif

#endif
