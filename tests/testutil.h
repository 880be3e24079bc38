/*
 * testutil.h - helpers shared by the unit and integration suites.
 */
#ifndef MG_TESTUTIL_H
#define MG_TESTUTIL_H

#include <stddef.h>

/* Fixtures folder (tests/fixtures), relative to the source root. */
#define FIX "tests/fixtures/"

/* A fresh folder under $TMPDIR (or /tmp); tu_rmrf removes it. */
char *tu_mkdtemp(const char *tag);
void tu_rmrf(const char *path);

/* Write `content` to dir/name, creating folders in `name` as needed. */
void tu_write(const char *dir, const char *name, const char *content);
/* Read a whole file (malloc'd), or NULL. */
char *tu_slurp(const char *path);
/* dir/name, malloc'd */
char *tu_path(const char *dir, const char *name);

/* A finished run of a program. */
struct tu_run {
	int status;  /* exit code, or 128 + signal */
	char *out;   /* everything on stdout */
	char *err;   /* everything on stderr */
};

/*
 * Run the migrate binary ($MIGRATE_BIN, else ./build/migrate) in `cwd`
 * with the NULL-terminated `argv` (without argv[0]).  `env` is a
 * NULL-terminated list of "NAME=value" to add (or "NAME=" to unset), may
 * be NULL.  When $MIGRATE_WRAPPER is set (e.g. valgrind), the binary runs
 * under it.  Output is captured; the run's exit code is returned.
 */
int tu_migrate(struct tu_run *r, const char *cwd, const char *const *env,
	       const char *const *argv);
/* Run any program the same way (argv[0] is looked up in PATH). */
int tu_spawn(struct tu_run *r, const char *cwd, const char *const *env,
	     const char *const *argv, int wrap);
void tu_run_release(struct tu_run *r);

/* The first line of s, malloc'd (for asserting on a message). */
char *tu_first_line(const char *s);

#endif
