/*
 * cunit.h - C migration units: compiled shared objects, loaded with
 * dlopen, run against the unit API of include/migrate_unit.h.
 *
 * The executor (lib/exec.c) uses exactly these three calls: open every C
 * unit of a plan during pre-flight (so a missing or stale object stops
 * the run before anything changed), run one inside whatever transaction
 * the executor has open, close them at the end.
 */
#ifndef MG_CUNIT_H
#define MG_CUNIT_H

#include "mg.h"

struct mg_cunit;

/*
 * Find the unit's compiled object, check it was built from exactly this
 * source (its recorded SHA-256 equals mg_unit_sha256_hex(u)) and load it, resolving
 * both `upgrade` and `downgrade`.  Missing object, stale object, missing
 * function: MG_ECONFIG naming u->path and saying how to build it
 * ("run 'migrate build' or 'make units'").
 */
int mg_cunit_open(struct mg_cunit **out, const struct mg_unit *u,
		  struct mg_error *err) MG_WUR;
void mg_cunit_close(struct mg_cunit *c);

/*
 * Run the unit's upgrade or downgrade through the backend `ops`/`db`
 * (the executor has already opened the transaction, if any).  A non-zero
 * return from the unit, or migrate_fail(), is MG_EUNIT with err->file =
 * the unit's path and the unit's message; a failing SQL statement inside
 * is MG_EUNIT with the database's message.  hooks->info receives
 * migrate_log() lines.
 */
int mg_cunit_run(struct mg_cunit *c, enum mg_direction dir,
		 const struct mg_db_ops *ops, struct mg_db *db,
		 enum mg_dialect dialect, const struct mg_hooks *hooks,
		 struct mg_error *err) MG_WUR;

#endif
