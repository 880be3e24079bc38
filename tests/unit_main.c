/*
 * unit_main.c - runs every unit suite (no database server needed).
 * CK_RUN_SUITE / CK_RUN_CASE select a subset, as Check documents.
 */
#include "suites.h"
#include "testutil.h"

#include <stdlib.h>

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define ADD_SUITE(name) srunner_add_suite(sr, name##_suite());
	UNIT_SUITES(ADD_SUITE)
#undef ADD_SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
