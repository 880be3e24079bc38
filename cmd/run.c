/*
 * run.c - the commands that change a database: upgrade, downgrade, stamp.
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <ctype.h>
#include <getopt.h>
#include <string.h>

/* "-1", "+2": relative targets, which getopt would take for options. */
static int is_relative(const char *s)
{
	if ((s[0] != '-' && s[0] != '+') || !s[1])
		return 0;
	for (s++; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * Parse "COMMAND [options] TARGET".  Relative targets are pulled out
 * before getopt sees them.  Returns 0, or an exit code after printing.
 */
static int parse_run_args(const struct cmd_spec *spec, int argc, char **argv,
			  unsigned allowed, unsigned *flags,
			  const char **target)
{
	static const struct option opts[] = {
		{ "sql", no_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "strict", no_argument, NULL, 'T' },
		{ "purge", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *rest[64];
	const char *pos[8];
	int nrest = 0, npos = 0, i, opt;

	*flags = 0;
	*target = NULL;
	for (i = 0; i < argc && nrest < 63; i++) {
		if (i > 0 && is_relative(argv[i])) {
			if (npos < 8)
				pos[npos++] = argv[i];
			continue;
		}
		rest[nrest++] = argv[i];
	}
	rest[nrest] = NULL;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(nrest, rest, "h", opts, NULL)) != -1) {
		unsigned f = 0;

		switch (opt) {
		case 'S':
			f = MG_RUN_SQL;
			break;
		case 'D':
			f = MG_RUN_DRY;
			break;
		case 'T':
			f = MG_RUN_STRICT;
			break;
		case 'P':
			f = MG_RUN_PURGE;
			break;
		case 'h':
			cmd_print_usage(stdout, spec);
			return -1;
		default:
			return out_usage_error(spec, "unknown option '%s'",
					       rest[optind - 1]);
		}
		if (!(allowed & f))
			return out_usage_error(spec, "'%s' takes no option "
					       "'%s'", spec->name,
					       rest[optind - 1]);
		*flags |= f;
	}
	for (i = optind; i < nrest && npos < 8; i++)
		pos[npos++] = rest[i];
	if (npos != 1)
		return out_usage_error(spec, npos ? "too many targets" :
				       "missing target");
	if ((*flags & MG_RUN_SQL) && (*flags & MG_RUN_DRY))
		return out_usage_error(spec, "--sql and --dry-run exclude "
				       "each other");
	*target = pos[0];
	return 0;
}

static int run(struct cli *cli, const char *name, enum mg_direction dir,
	       int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find(name);
	struct mg_session *s = NULL;
	struct mg_error err = MG_ERROR_INIT;
	const char *target;
	unsigned flags;
	int rc;

	rc = parse_run_args(spec, argc, argv,
			    MG_RUN_SQL | MG_RUN_DRY |
				    (dir == MG_UP ? MG_RUN_STRICT : 0),
			    &flags, &target);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s, !(flags & MG_RUN_SQL));
	if (rc)
		return rc;
	rc = mg_run_migrate(s, dir, target, flags, &err);
	if (rc)
		goto fail;
	mg_session_free(s);
	return 0;
fail:
	out_error(&err);
	mg_session_free(s);
	return rc;
}

int cmd_upgrade(struct cli *cli, int argc, char **argv)
{
	return run(cli, "upgrade", MG_UP, argc, argv);
}

int cmd_downgrade(struct cli *cli, int argc, char **argv)
{
	return run(cli, "downgrade", MG_DOWN, argc, argv);
}

int cmd_stamp(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("stamp");
	struct mg_session *s = NULL;
	struct mg_error err = MG_ERROR_INIT;
	const char *target;
	unsigned flags;
	int rc;

	rc = parse_run_args(spec, argc, argv, MG_RUN_PURGE | MG_RUN_DRY,
			    &flags, &target);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s, 1);
	if (rc)
		return rc;
	rc = mg_run_stamp(s, target, flags, &err);
	if (rc)
		out_error(&err);
	mg_session_free(s);
	return rc;
}
