/*
 * build.c - `migrate build`: compile the C units of script_location.
 *
 * Each unit NNNN_x.c becomes NNNN_x.so next to it:
 *
 *	CC -shared -fPIC -O2 -fvisibility=hidden -I INCLUDE
 *	   -DMIGRATE_UNIT_SHA256="<sha-256 of the source>"
 *	   -o NNNN_x.so NNNN_x.c
 *
 * migrate_unit.h turns the macro into the exported migrate_unit_sha256,
 * which lib/cunit.c compares with the source before running the unit.
 * An object already holding the source's checksum is up to date and is
 * left alone unless --force.  The compiler writes to a temporary file
 * that is renamed into place, so a failed or interrupted build never
 * leaves a broken object where a run would load it.
 *
 * The compiler: --cc, else $CC, else cc (split into words, so "ccache
 * gcc" works).  The folder holding migrate_unit.h: --include, else
 * $MIGRATE_INCLUDE, else the source tree's lib/include (MG_INCLUDE_DIR,
 * set by the Makefile), else the installed PREFIX/include.
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MG_INCLUDE_DIR
#define MG_INCLUDE_DIR ""
#endif
#ifndef MG_PREFIX_INCLUDE_DIR
#define MG_PREFIX_INCLUDE_DIR ""
#endif

extern char **environ;

#define MAX_CC_WORDS 32

struct build {
	struct cli *cli;
	const struct cmd_spec *spec;
	int force;
	const char *cc;       /* as given: --cc, $CC or "cc" */
	const char *incopt;   /* --include, or NULL */
	const char *incdir;   /* resolved on first use */
	size_t compiled, uptodate;
};

static int file_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder of migrate_unit.h; prints and returns non-zero if none. */
static int find_include(struct build *b)
{
	const char *env = getenv("MIGRATE_INCLUDE");
	const char *given = b->incopt ? b->incopt :
			    (env && env[0]) ? env : NULL;

	if (b->incdir)
		return 0;
	if (given) {
		if (!file_exists(given, "migrate_unit.h")) {
			fprintf(stderr, "migrate: error: no migrate_unit.h "
				"in '%s' (from %s)\n", given,
				b->incopt ? "--include" : "$MIGRATE_INCLUDE");
			return MG_ECONFIG;
		}
		b->incdir = given;
		return 0;
	}
	if (MG_INCLUDE_DIR[0] && file_exists(MG_INCLUDE_DIR, "migrate_unit.h"))
		b->incdir = MG_INCLUDE_DIR;
	else if (MG_PREFIX_INCLUDE_DIR[0] &&
		 file_exists(MG_PREFIX_INCLUDE_DIR, "migrate_unit.h"))
		b->incdir = MG_PREFIX_INCLUDE_DIR;
	if (b->incdir)
		return 0;
	fprintf(stderr, "migrate: error: cannot find migrate_unit.h (looked "
		"in '%s' and '%s'); give its folder with --include DIR or "
		"$MIGRATE_INCLUDE\n", MG_INCLUDE_DIR, MG_PREFIX_INCLUDE_DIR);
	return MG_ECONFIG;
}

/* "dir/NNNN_x.c" -> "dir/NNNN_x.so" (malloc'd) */
static char *object_path(const char *src)
{
	size_t n = strlen(src);
	char *obj = malloc(n + 2);

	if (!obj)
		abort();
	memcpy(obj, src, n - 2);
	memcpy(obj + n - 2, ".so", 4);
	return obj;
}

/*
 * Does the object at `obj` hold the checksum `hex`?  The string sits in
 * the object's data as migrate_unit_sha256; finding it is enough, and
 * runs nothing from the object.
 */
static int up_to_date(const char *obj, const char *hex)
{
	FILE *f = fopen(obj, "rb");
	size_t hlen = strlen(hex), n = 0, got;
	char buf[65536 + 64];
	int found = 0;

	if (!f)
		return 0;
	/* scan in blocks, keeping the last hlen - 1 bytes of each */
	while (!found && (got = fread(buf + n, 1, sizeof(buf) - n, f)) > 0) {
		size_t i;

		n += got;
		for (i = 0; i + hlen <= n; i++)
			if (buf[i] == hex[0] && !memcmp(buf + i, hex, hlen)) {
				found = 1;
				break;
			}
		if (n >= hlen) {
			memmove(buf, buf + n - (hlen - 1), hlen - 1);
			n = hlen - 1;
		}
	}
	fclose(f);
	return found;
}

/* Split a copy of `s` into words (blanks separate); returns the count. */
static size_t split_words(char *s, const char **words, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

/*
 * Can `name` be run: is it an executable file, as a path or in $PATH?
 * Checked before spawning because posix_spawnp does not always say:
 * under valgrind, for one, a missing program shows as exit status 127.
 * Sets errno when not.
 */
static int can_run(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[4096];
	struct stat st;

	if (strchr(name, '/')) {
		if (stat(name, &st) != 0)
			return 0;
		if (!S_ISREG(st.st_mode) || access(name, X_OK) != 0) {
			errno = EACCES;
			return 0;
		}
		return 1;
	}
	if (!path)
		path = "/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		size_t n;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		/* an empty element is the current folder */
		snprintf(full, sizeof(full), "%.*s%s%s", (int)n, p,
			 n ? "/" : "", name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(full, X_OK) == 0)
			return 1;
		if (!*end)
			break;
	}
	errno = ENOENT;
	return 0;
}

/*
 * Run argv, its stdout folded into stderr, and wait: 0 with its wait
 * status in *status, or -1 with errno set.
 */
static int run_compiler(const char *const *argv, int *status)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	fflush(NULL);
	/* posix_spawnp takes char *const[] but does not write to them */
	rc = posix_spawnp(&pid, argv[0], &fa, NULL,
			  (char *const *)(uintptr_t)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int compile_unit(struct build *b, const struct mg_unit *u,
			const char *obj, const char *hex)
{
	const char *argv[MAX_CC_WORDS + 16];
	char tmp[4096], inc[4096], def[128], *ccwords;
	size_t n;
	int status = 0, rc;

	rc = find_include(b);
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", obj, (long)getpid());
	snprintf(inc, sizeof(inc), "-I%s", b->incdir);
	snprintf(def, sizeof(def), "-DMIGRATE_UNIT_SHA256=\"%s\"", hex);
	ccwords = strdup(b->cc);
	if (!ccwords)
		abort();
	n = split_words(ccwords, argv, MAX_CC_WORDS);
	if (n == 0) {
		fprintf(stderr, "migrate: error: the C compiler command is "
			"empty (--cc or $CC)\n");
		rc = MG_EUSAGE;
		goto out;
	}
	argv[n++] = "-shared";
	argv[n++] = "-fPIC";
	argv[n++] = "-O2";
	argv[n++] = "-fvisibility=hidden";
	argv[n++] = inc;
	argv[n++] = def;
	argv[n++] = "-o";
	argv[n++] = tmp;
	argv[n++] = u->path;
	argv[n] = NULL;
	if (b->cli->verbosity > 0) {
		size_t i;

		fputs("INFO  [migrate]", stderr);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	if (!can_run(argv[0]) || run_compiler(argv, &status) != 0) {
		fprintf(stderr, "migrate: error: %s: cannot run the C compiler "
			"'%s': %s; give one with --cc CC or $CC\n", u->path,
			argv[0], strerror(errno));
		rc = MG_ECONFIG;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			fprintf(stderr, "migrate: error: %s: compilation "
				"failed ('%s' exited with status %d)\n",
				u->path, argv[0], WEXITSTATUS(status));
		else
			fprintf(stderr, "migrate: error: %s: compilation "
				"failed ('%s' killed by signal %d)\n",
				u->path, argv[0], WTERMSIG(status));
		rc = MG_ECONFIG;
		goto out;
	}
	if (rename(tmp, obj) != 0) {
		fprintf(stderr, "migrate: error: %s: cannot replace '%s': %s\n",
			u->path, obj, strerror(errno));
		rc = MG_ECONFIG;
		goto out;
	}
	b->compiled++;
	out_info(b->cli, "compiled %s -> %s", u->path, obj);
out:
	if (rc)
		unlink(tmp);
	free(ccwords);
	return rc;
}

static int parse_args(struct build *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "cc", required_argument, NULL, 'C' },
		{ "include", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			b->force = 1;
			break;
		case 'C':
			b->cc = optarg;
			break;
		case 'I':
			b->incopt = optarg;
			break;
		case 'h':
			cmd_print_usage(stdout, b->spec);
			return -1;
		default:
			return out_usage_error(b->spec, "unknown or incomplete "
					       "option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return out_usage_error(b->spec, "unexpected argument '%s'",
				       argv[optind]);
	return 0;
}

int cmd_build(struct cli *cli, int argc, char **argv)
{
	struct build b;
	struct mg_unit_list units = MG_UNIT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	const char *env_cc = getenv("CC");
	size_t i, nc = 0;
	int rc;

	memset(&b, 0, sizeof(b));
	b.cli = cli;
	b.spec = cmd_find("build");
	b.cc = env_cc && env_cc[0] ? env_cc : "cc";
	rc = parse_args(&b, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_load_config(cli);
	if (rc)
		return rc;
	rc = mg_units_load_dir(&units, cli->cfg.script_location, &err);
	if (rc) {
		out_error(&err);
		goto out;
	}
	for (i = 0; i < units.n && rc == MG_OK; i++) {
		const struct mg_unit *u = units.v[i];
		char hex[65], *obj;

		if (u->kind != MG_UNIT_C)
			continue;
		nc++;
		rc = mg_unit_sha256_hex(u, hex, &err);
		if (rc) {
			out_error(&err);
			break;
		}
		obj = object_path(u->path);
		if (!b.force && up_to_date(obj, hex)) {
			b.uptodate++;
			if (cli->verbosity > 0)
				out_info(cli, "%s is up to date", obj);
		} else {
			rc = compile_unit(&b, u, obj, hex);
		}
		free(obj);
	}
	if (rc == MG_OK) {
		if (nc == 0)
			out_info(cli, "no C units in %s",
				 cli->cfg.script_location);
		else
			out_info(cli, "%zu C unit%s: %zu compiled, %zu up to "
				 "date", nc, nc == 1 ? "" : "s", b.compiled,
				 b.uptodate);
	}
out:
	mg_unit_list_free_all(&units);
	return rc;
}
