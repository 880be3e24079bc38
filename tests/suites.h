/*
 * suites.h - every Check suite, one per lib/ module.
 *
 * Add a suite: write tests/unit/check_<module>.c defining <module>_suite(),
 * then add one line to UNIT_SUITES (or INTEG_SUITES) below.
 */
#ifndef MG_TESTS_SUITES_H
#define MG_TESTS_SUITES_H

#include <check.h>

#define UNIT_SUITES(X) \
	X(util) \
	X(sqlsplit) \
	X(config) \
	X(unit) \
	X(ucache) \
	X(graph) \
	X(schema)

#define INTEG_SUITES(X) \
	X(cli) \
	X(pg) \
	X(cunit) \
	X(reliability) \
	X(schema_pg)

#define DECLARE_SUITE(name) Suite *name##_suite(void);
UNIT_SUITES(DECLARE_SUITE)
INTEG_SUITES(DECLARE_SUITE)
#undef DECLARE_SUITE

#endif
