/*
 * create.c - the commands that write files: init, revision, merge.
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cmd_init(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("init");
	struct mg_error err = MG_ERROR_INIT;
	const char *dir = ".";
	int rc;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cmd_print_usage(stdout, spec);
		return 0;
	}
	if (argc > 2)
		return out_usage_error(spec, "too many arguments");
	if (argc == 2) {
		if (argv[1][0] == '-')
			return out_usage_error(spec, "unknown option '%s'",
					       argv[1]);
		dir = argv[1];
	}
	rc = mg_init_write(dir, &err);
	if (rc) {
		out_error(&err);
		return rc;
	}
	out_info(cli, "wrote %s/migrate.ini and %s/versions/", dir, dir);
	return 0;
}

static int write_unit(struct cli *cli, const struct mg_revision_opts *o)
{
	struct mg_session *s = NULL;
	struct mg_error err = MG_ERROR_INIT;
	char *path = NULL;
	int rc;

	rc = cli_open_session(cli, &s, 0);
	if (rc)
		return rc;
	rc = mg_revision_write(mg_session_graph(s), &cli->cfg, o, &path,
			       &err);
	if (rc) {
		out_error(&err);
	} else {
		out_info(cli, "Generating %s ...  done", path);
		printf("%s\n", path);
	}
	free(path);
	mg_session_free(s);
	return rc;
}

int cmd_revision(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "head", required_argument, NULL, 'H' },
		{ "branch-label", required_argument, NULL, 'B' },
		{ "depends-on", required_argument, NULL, 'D' },
		{ "rev-id", required_argument, NULL, 'R' },
		{ "c", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_spec *spec = cmd_find("revision");
	struct mg_revision_opts o;
	int opt;

	memset(&o, 0, sizeof(o));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			o.message = optarg;
			break;
		case 'H':
			o.head = optarg;
			break;
		case 'B':
			o.branch_label = optarg;
			break;
		case 'D':
			o.depends_on = optarg;
			break;
		case 'R':
			o.rev_id = optarg;
			break;
		case 'C':
			o.c_unit = 1;
			break;
		case 'h':
			cmd_print_usage(stdout, spec);
			return 0;
		default:
			return out_usage_error(spec, "unknown or incomplete "
					       "option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return out_usage_error(spec, "unexpected argument '%s'",
				       argv[optind]);
	if (!o.message || !o.message[0])
		return out_usage_error(spec, "a message is required (-m)");
	return write_unit(cli, &o);
}

int cmd_merge(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "rev-id", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_spec *spec = cmd_find("merge");
	struct mg_revision_opts o;
	int opt;

	memset(&o, 0, sizeof(o));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			o.message = optarg;
			break;
		case 'R':
			o.rev_id = optarg;
			break;
		case 'h':
			cmd_print_usage(stdout, spec);
			return 0;
		default:
			return out_usage_error(spec, "unknown or incomplete "
					       "option '%s'", argv[optind - 1]);
		}
	}
	if (!o.message || !o.message[0])
		return out_usage_error(spec, "a message is required (-m)");
	if (argc - optind < 1)
		return out_usage_error(spec, "merge needs the revisions to "
				       "join (or 'heads')");
	o.merge = (const char *const *)(argv + optind);
	o.nmerge = (size_t)(argc - optind);
	return write_unit(cli, &o);
}
