/*
 * dbutil.h - looking at a test database through the library's own
 * backends, shared by the integration suites.  Every helper asserts (a
 * failure fails the test) and takes the database's URL.
 */
#ifndef MG_TESTS_DBUTIL_H
#define MG_TESTS_DBUTIL_H

#include "mg.h"

/* Open `url` (SQLite busy timeout 10 s); *ops is its backend. */
struct mg_db *tdb_open(const char *url, const struct mg_db_ops **ops);
/* Run one statement. */
void tdb_exec(const char *url, const char *sql);
/* Does table `name` exist? */
int tdb_has_table(const char *url, const char *name);
/* Every row of `sql`: columns joined with '|', rows with ','; malloc'd. */
char *tdb_rows(const char *url, const char *sql);

#endif
