/*
 * check.c - the CI commands: schema (a normalised dump) and check
 * (drift: pending units, several heads, changed applied units, a schema
 * that differs from a file; or --roundtrip on a scratch database).
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int parse_format(const struct cmd_spec *spec, const char *arg,
			int *json)
{
	if (!strcmp(arg, "json"))
		*json = 1;
	else if (!strcmp(arg, "text"))
		*json = 0;
	else
		return out_usage_error(spec, "unknown format '%s' (text or "
				       "json)", arg);
	return 0;
}

int cmd_schema(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_spec *spec = cmd_find("schema");
	struct mg_error err = MG_ERROR_INIT;
	struct mg_session *s = NULL;
	char *dump = NULL;
	int opt, json = 0, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if ((rc = parse_format(spec, optarg, &json)))
				return rc;
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
	rc = cli_open_session(cli, &s, 1);
	if (rc)
		return rc;
	rc = mg_session_schema(s, json, &dump, &err);
	if (rc)
		out_error(&err);
	else
		fputs(dump, stdout);
	free(dump);
	mg_session_free(s);
	return rc;
}

/*
 * The report as JSON: one string per problem (problems are separated by
 * a blank line, see mg_run_check).
 */
static void json_report(const char *report)
{
	const char *p = report;
	int first = 1;

	fputs("{\"ok\": false, \"problems\": [", stdout);
	while (p && *p) {
		const char *sep = strstr(p, "\n\n");
		size_t n = sep ? (size_t)(sep - p) : strlen(p);
		char *one = malloc(n + 1);

		if (!one)
			abort();
		memcpy(one, p, n);
		one[n] = '\0';
		if (n && one[n - 1] == '\n')
			one[n - 1] = '\0';
		if (!first)
			fputs(", ", stdout);
		out_json_str(stdout, one);
		free(one);
		first = 0;
		p = sep ? sep + 2 : p + n;
	}
	puts("]}");
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "schema", required_argument, NULL, 's' },
		{ "roundtrip", no_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_spec *spec = cmd_find("check");
	struct mg_error err = MG_ERROR_INIT;
	struct mg_session *s = NULL;
	const char *schema_file = NULL;
	char *report = NULL;
	int opt, json = 0, roundtrip = 0, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			schema_file = optarg;
			break;
		case 'r':
			roundtrip = 1;
			break;
		case 'f':
			if ((rc = parse_format(spec, optarg, &json)))
				return rc;
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
	if (roundtrip && schema_file)
		return out_usage_error(spec, "--roundtrip and --schema "
				       "exclude each other");
	rc = cli_open_session(cli, &s, 1);
	if (rc)
		return rc;
	rc = roundtrip ? mg_run_roundtrip(s, &report, &err) :
			 mg_run_check(s, schema_file, &report, &err);
	if (rc == MG_EDRIFT) {
		if (json)
			json_report(report);
		else
			fputs(report, stdout);
		fprintf(stderr, "migrate: error: check found drift%s\n",
			roundtrip ? " (roundtrip)" : "");
	} else if (rc) {
		out_error(&err);
	} else if (json) {
		puts("{\"ok\": true, \"problems\": []}");
	} else {
		out_info(cli, "check: the database is at head and matches");
	}
	free(report);
	mg_session_free(s);
	return rc;
}
