/*
 * integ_main.c - integration suites: the built binary ($MIGRATE_BIN)
 * against real SQLite files and a throwaway PostgreSQL cluster.
 */
#include "suites.h"
#include "testutil.h"

#include <stdlib.h>

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define ADD_SUITE(name) srunner_add_suite(sr, name##_suite());
	INTEG_SUITES(ADD_SUITE)
#undef ADD_SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
