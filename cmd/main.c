/*
 * main.c - global options, the command table, dispatch.
 *
 *   migrate [-c FILE] [--url URL] [-x KEY=VALUE] [-q|-v] [--wait[=S]]
 *           COMMAND [ARGS]
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_spec commands[] = {
	{ "init", cmd_init, "create migrate.ini and an empty versions/",
	  "init [DIR]" },
	{ "revision", cmd_revision, "write a new unit from a template",
	  "revision -m MESSAGE [--head REV] [--branch-label LABEL]\n"
	  "                 [--depends-on REV] [--rev-id ID] [--c]" },
	{ "merge", cmd_merge, "write a unit that joins several heads",
	  "merge -m MESSAGE REV REV..." },
	{ "upgrade", cmd_upgrade, "apply units up to a target",
	  "upgrade TARGET [--sql] [--dry-run] [--strict]\n"
	  "       TARGET: head, heads, REV, +N, REV+N, LABEL@head...;\n"
	  "       with --sql also FROM:TO (default FROM is base)" },
	{ "downgrade", cmd_downgrade, "undo units down to a target",
	  "downgrade TARGET [--sql] [--dry-run]\n"
	  "       TARGET: base, REV, -N, REV-N...; with --sql FROM:TO" },
	{ "stamp", cmd_stamp, "set the version table without running units",
	  "stamp TARGET [--purge] [--dry-run]" },
	{ "current", cmd_current, "show the revision(s) the database is at",
	  "current [--verbose] [--format text|json]" },
	{ "history", cmd_history, "list units, newest first",
	  "history [-r RANGE] [--verbose] [--format text|json]" },
	{ "heads", cmd_heads, "show the head revisions of the graph",
	  "heads [--verbose] [--format text|json]" },
	{ "check", cmd_check, "CI: fail (exit 6) on any drift",
	  "check [--schema FILE | --roundtrip] [--format text|json]" },
	{ "schema", cmd_schema, "dump the database's schema, normalised",
	  "schema [--format text|json]" },
	{ "build", cmd_build, "compile the C units of script_location",
	  "build [--force] [--cc CC] [--include DIR]" },
	{ "branches", cmd_branches, "show the branch points of the graph",
	  "branches [--verbose] [--format text|json]" },
	{ "show", cmd_show, "show one revision (or several: heads, LABEL@head)",
	  "show REV [--format text|json]" },
	{ "help", cmd_help, "show help for a command", "help [COMMAND]" },
};

const struct cmd_spec *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < MG_ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void cmd_print_usage(FILE *f, const struct cmd_spec *c)
{
	fprintf(f, "usage: migrate [global options] %s\n", c->usage);
}

static void print_main_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: migrate [-c FILE] [--url URL] [-x KEY=VALUE] [-q|-v]\n"
		"               [--wait[=SECONDS]] COMMAND [ARGS]\n\n"
		"Schema migrations for PostgreSQL and SQLite, Alembic-compatible.\n\n"
		"commands:\n");
	for (i = 0; i < MG_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f,
		"\nglobal options:\n"
		"  -c, --config FILE   config file (default $MIGRATE_CONFIG, "
		"then ./migrate.ini)\n"
		"      --url URL       database URL (default $DATABASE_URL, then "
		"the ini's url)\n"
		"  -x KEY=VALUE        override a [migrate] key for this run\n"
		"  -q, --quiet         only errors\n"
		"  -v, --verbose       more detail\n"
		"      --wait[=SECONDS] retry connecting until the database "
		"accepts (default 30)\n"
		"      --version       print the version\n\n"
		"exit codes: 0 done, 1 a unit failed, 2 usage, 3 config or graph "
		"error,\n"
		"            4 cannot connect, 5 lock not obtained, 6 drift "
		"(check)\n"
		"'migrate help COMMAND' or 'migrate COMMAND --help' for more.\n");
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *c;

	(void)cli;
	if (argc < 2) {
		print_main_usage(stdout);
		return 0;
	}
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "migrate: error: unknown command '%s'\n",
			argv[1]);
		return MG_EUSAGE;
	}
	cmd_print_usage(stdout, c);
	printf("\n%s\n", c->summary);
	return 0;
}

static int parse_wait(const char *s, unsigned *ms)
{
	char *end;
	unsigned long v;

	if (!s) {
		*ms = 30000;
		return 0;
	}
	v = strtoul(s, &end, 10);
	if (!*s || *end || v > 86400)
		return -1;
	*ms = (unsigned)v * 1000;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'U' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "wait", optional_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli;
	const struct cmd_spec *c;
	int opt, rc;

	memset(&cli, 0, sizeof(cli));
	cli.prog = "migrate";
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+c:x:qvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'U':
			cli.url = optarg;
			break;
		case 'x':
			if (cli.nxargs == MG_ARRAY_SIZE(cli.xargs)) {
				fprintf(stderr, "migrate: error: too many -x "
					"options\n");
				return MG_EUSAGE;
			}
			cli.xargs[cli.nxargs++] = optarg;
			break;
		case 'q':
			cli.verbosity = -1;
			break;
		case 'v':
			cli.verbosity = 1;
			break;
		case 'W':
			if (parse_wait(optarg, &cli.wait_ms)) {
				fprintf(stderr, "migrate: error: --wait takes "
					"a number of seconds (0-86400), not "
					"'%s'\n", optarg);
				return MG_EUSAGE;
			}
			break;
		case 'h':
			print_main_usage(stdout);
			return 0;
		case 'V':
			printf("migrate %s\n", MG_VERSION);
			return 0;
		default:
			if (optopt)
				fprintf(stderr, "migrate: error: unknown or "
					"incomplete option '-%c'\n", optopt);
			else
				fprintf(stderr, "migrate: error: unknown or "
					"incomplete option '%s'\n",
					argv[optind - 1]);
			fprintf(stderr, "try 'migrate --help'\n");
			return MG_EUSAGE;
		}
	}
	if (optind >= argc) {
		print_main_usage(stderr);
		return MG_EUSAGE;
	}
	c = cmd_find(argv[optind]);
	if (!c) {
		fprintf(stderr, "migrate: error: unknown command '%s'\n"
			"try 'migrate --help'\n", argv[optind]);
		return MG_EUSAGE;
	}
	rc = c->fn(&cli, argc - optind, argv + optind);
	if (cli.cfg_loaded)
		mg_config_release(&cli.cfg);
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "migrate: error: write failure on standard "
			"output\n");
		rc = MG_EUNIT;
	}
	return rc;
}
