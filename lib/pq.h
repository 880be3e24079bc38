/*
 * pq.h - libpq, loaded when the first PostgreSQL database is opened.
 *
 * Loading libpq costs more than everything else migrate does to start:
 * it brings OpenSSL, Kerberos, LDAP and GnuTLS, about 5 ms of CPU and
 * 6 MiB of memory on the machines we measured (docs/benchmarks.md).  A
 * SQLite run, `heads` or `history` never talks to PostgreSQL, so the
 * binary does not link libpq; db_pg.c includes this header instead of
 * calling libpq directly, and mg_pq_load() dlopens the library on first
 * use (lib/dl.c, which loads libsqlite3 the same way: sq.h).  The calls
 * in db_pg.c read as ordinary libpq calls: the macros at the end of this
 * header send each one through the table.
 *
 * The library's file name is its SONAME, found by the Makefile from the
 * libpq it compiles against (MG_LIBPQ_SONAME).
 */
#ifndef MG_PQ_H
#define MG_PQ_H

#include <libpq-fe.h>

#include "mg.h"

#ifndef MG_LIBPQ_SONAME
#define MG_LIBPQ_SONAME "libpq.so.5"
#endif

/* Every libpq function migrate calls. */
#define MG_PQ_FUNCS(X)                                                 \
	X(PQclear)                                                     \
	X(PQcmdStatus)                                                 \
	X(PQcmdTuples)                                                 \
	X(PQconnectdbParams)                                           \
	X(PQconninfoFree)                                              \
	X(PQconninfoParse)                                             \
	X(PQerrorMessage)                                              \
	X(PQexec)                                                      \
	X(PQexecParams)                                                \
	X(PQfinish)                                                    \
	X(PQfreemem)                                                   \
	X(PQgetCopyData)                                               \
	X(PQgetResult)                                                 \
	X(PQgetisnull)                                                 \
	X(PQgetvalue)                                                  \
	X(PQnfields)                                                   \
	X(PQntuples)                                                   \
	X(PQpass)                                                      \
	X(PQputCopyEnd)                                                \
	X(PQresultErrorField)                                          \
	X(PQresultErrorMessage)                                        \
	X(PQresultStatus)                                              \
	X(PQsetNoticeProcessor)                                        \
	X(PQstatus)                                                    \
	X(PQtransactionStatus)

#define MG_PQ_MEMBER(name) __typeof__(name) *name;
struct mg_pq_api {
	MG_PQ_FUNCS(MG_PQ_MEMBER)
};
#undef MG_PQ_MEMBER

extern struct mg_pq_api mg_pq;

/*
 * Load libpq once (later calls return at once).  On failure err says
 * which file could not be loaded and why (MG_ECONNECT).
 */
int mg_pq_load(struct mg_error *err);

#ifndef MG_PQ_IMPL
#define PQclear (*mg_pq.PQclear)
#define PQcmdStatus (*mg_pq.PQcmdStatus)
#define PQcmdTuples (*mg_pq.PQcmdTuples)
#define PQconnectdbParams (*mg_pq.PQconnectdbParams)
#define PQconninfoFree (*mg_pq.PQconninfoFree)
#define PQconninfoParse (*mg_pq.PQconninfoParse)
#define PQerrorMessage (*mg_pq.PQerrorMessage)
#define PQexec (*mg_pq.PQexec)
#define PQexecParams (*mg_pq.PQexecParams)
#define PQfinish (*mg_pq.PQfinish)
#define PQfreemem (*mg_pq.PQfreemem)
#define PQgetCopyData (*mg_pq.PQgetCopyData)
#define PQgetResult (*mg_pq.PQgetResult)
#define PQgetisnull (*mg_pq.PQgetisnull)
#define PQgetvalue (*mg_pq.PQgetvalue)
#define PQnfields (*mg_pq.PQnfields)
#define PQntuples (*mg_pq.PQntuples)
#define PQpass (*mg_pq.PQpass)
#define PQputCopyEnd (*mg_pq.PQputCopyEnd)
#define PQresultErrorField (*mg_pq.PQresultErrorField)
#define PQresultErrorMessage (*mg_pq.PQresultErrorMessage)
#define PQresultStatus (*mg_pq.PQresultStatus)
#define PQsetNoticeProcessor (*mg_pq.PQsetNoticeProcessor)
#define PQstatus (*mg_pq.PQstatus)
#define PQtransactionStatus (*mg_pq.PQtransactionStatus)
#endif

#endif
