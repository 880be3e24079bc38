/*
 * views.c - read-only commands: current, heads, history.
 * Text output follows Alembic's layout; --format json is for machines.
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct view_opts {
	int verbose;
	int json;
	const char *range;
};

static int parse_view_args(const struct cmd_spec *spec, int argc,
			   char **argv, int allow_range, struct view_opts *v)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "format", required_argument, NULL, 'f' },
		{ "rev-range", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	memset(v, 0, sizeof(*v));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vr:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			v->verbose = 1;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				v->json = 1;
			else if (strcmp(optarg, "text"))
				return out_usage_error(spec, "unknown format "
						       "'%s' (text or json)",
						       optarg);
			break;
		case 'r':
			if (!allow_range)
				return out_usage_error(spec, "'%s' takes no "
						       "-r", spec->name);
			v->range = optarg;
			break;
		case 'h':
			cmd_print_usage(stdout, spec);
			return -1;
		default:
			return out_usage_error(spec, "unknown or incomplete "
					       "option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return out_usage_error(spec, "unexpected argument '%s'",
				       argv[optind]);
	return 0;
}

static int is_head(const struct mg_rev_list *heads, const struct mg_unit *u)
{
	size_t i;

	for (i = 0; i < heads->n; i++)
		if (heads->v[i] == u)
			return 1;
	return 0;
}

static void labels(FILE *f, const struct mg_unit *u)
{
	size_t i;

	if (!u->nlabels)
		return;
	fputs(" (", f);
	for (i = 0; i < u->nlabels; i++)
		fprintf(f, "%s%s", i ? ", " : "", u->branch_labels[i]);
	fputc(')', f);
}

static void strv_line(FILE *f, const char *title, char *const *v, size_t n,
		      const char *none)
{
	size_t i;

	fprintf(f, "%s: ", title);
	if (!n)
		fputs(none, f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", v[i]);
	fputc('\n', f);
}

/* Alembic's verbose block for one unit. */
static void show_block(FILE *f, const struct mg_unit *u, int head)
{
	fprintf(f, "Rev: %s%s\n", u->revision, head ? " (head)" : "");
	strv_line(f, "Parent", u->down_revisions, u->ndown, "<base>");
	if (u->nlabels)
		strv_line(f, "Branch names", u->branch_labels, u->nlabels, "");
	if (u->ndepends)
		strv_line(f, "Also depends on", u->depends_on, u->ndepends, "");
	fprintf(f, "Path: %s\n\n", u->path);
	fprintf(f, "    %s\n\n", u->message ? u->message : "");
	fprintf(f, "    Revision ID: %s\n", u->revision);
	fputs("    Revises: ", f);
	{
		size_t i;

		for (i = 0; i < u->ndown; i++)
			fprintf(f, "%s%s", i ? ", " : "", u->down_revisions[i]);
	}
	fprintf(f, "\n    Create Date: %s\n\n",
		u->create_date ? u->create_date : "");
}

static void json_unit(FILE *f, const struct mg_unit *u, int head)
{
	size_t i;

	fputs("{\"revision\": ", f);
	out_json_str(f, u->revision);
	fputs(", \"down_revisions\": [", f);
	for (i = 0; i < u->ndown; i++) {
		if (i)
			fputs(", ", f);
		out_json_str(f, u->down_revisions[i]);
	}
	fputs("], \"branch_labels\": [", f);
	for (i = 0; i < u->nlabels; i++) {
		if (i)
			fputs(", ", f);
		out_json_str(f, u->branch_labels[i]);
	}
	fputs("], \"depends_on\": [", f);
	for (i = 0; i < u->ndepends; i++) {
		if (i)
			fputs(", ", f);
		out_json_str(f, u->depends_on[i]);
	}
	fputs("], \"message\": ", f);
	out_json_str(f, u->message ? u->message : "");
	fputs(", \"create_date\": ", f);
	if (u->create_date)
		out_json_str(f, u->create_date);
	else
		fputs("null", f);
	fputs(", \"path\": ", f);
	out_json_str(f, u->path);
	fprintf(f, ", \"is_head\": %s, \"transactional\": %s}",
		head ? "true" : "false", u->transactional ? "true" : "false");
}

int cmd_current(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("current");
	struct mg_rev_list heads = MG_REV_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_session *s = NULL;
	struct view_opts v;
	char **revs = NULL;
	size_t n = 0, i;
	int rc;

	rc = parse_view_args(spec, argc, argv, 0, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s);
	if (rc)
		return rc;
	rc = mg_session_connect(s, cli->wait_ms, &err);
	if (rc == MG_OK)
		rc = mg_session_current(s, &revs, &n, &err);
	if (rc) {
		out_error(&err);
		mg_session_free(s);
		return rc;
	}
	mg_graph_heads(mg_session_graph(s), &heads);
	if (v.json) {
		fputs("{\"url\": ", stdout);
		out_json_str(stdout, mg_session_url_masked(s));
		fputs(", \"current\": [", stdout);
	} else if (v.verbose) {
		printf("Current revision(s) for %s:\n",
		       mg_session_url_masked(s));
	}
	for (i = 0; i < n; i++) {
		const struct mg_unit *u = mg_graph_find(mg_session_graph(s),
							revs[i]);

		if (v.json) {
			if (i)
				fputs(", ", stdout);
			if (u) {
				json_unit(stdout, u, is_head(&heads, u));
			} else {
				fputs("{\"revision\": ", stdout);
				out_json_str(stdout, revs[i]);
				fputs(", \"known\": false}", stdout);
			}
		} else if (!u) {
			printf("%s (not in %s)\n", revs[i],
			       cli->cfg.script_location);
		} else if (v.verbose) {
			show_block(stdout, u, is_head(&heads, u));
		} else {
			fputs(u->revision, stdout);
			labels(stdout, u);
			puts(is_head(&heads, u) ? " (head)" : "");
		}
	}
	if (v.json)
		puts("]}");
	mg_strv_free(revs, n);
	mg_rev_list_release(&heads);
	mg_session_free(s);
	return 0;
}

int cmd_heads(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("heads");
	struct mg_rev_list heads = MG_REV_LIST_INIT;
	struct mg_session *s = NULL;
	struct view_opts v;
	size_t i;
	int rc;

	rc = parse_view_args(spec, argc, argv, 0, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s);
	if (rc)
		return rc;
	mg_graph_heads(mg_session_graph(s), &heads);
	if (v.json)
		fputc('[', stdout);
	for (i = 0; i < heads.n; i++) {
		const struct mg_unit *u = heads.v[i];

		if (v.json) {
			if (i)
				fputs(", ", stdout);
			json_unit(stdout, u, 1);
		} else if (v.verbose) {
			show_block(stdout, u, 1);
		} else {
			fputs(u->revision, stdout);
			labels(stdout, u);
			puts(" (head)");
		}
	}
	if (v.json)
		puts("]");
	mg_rev_list_release(&heads);
	mg_session_free(s);
	return 0;
}

int cmd_history(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("history");
	struct mg_rev_list heads = MG_REV_LIST_INIT, list = MG_REV_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_session *s = NULL;
	struct view_opts v;
	char **cur = NULL;
	size_t ncur = 0, i;
	int rc;

	rc = parse_view_args(spec, argc, argv, 1, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s);
	if (rc)
		return rc;
	/* "current" in a range needs the database; nothing else does */
	if (v.range && strstr(v.range, "current")) {
		rc = mg_session_connect(s, cli->wait_ms, &err);
		if (rc == MG_OK)
			rc = mg_session_current(s, &cur, &ncur, &err);
		if (rc)
			goto fail;
	}
	rc = mg_graph_history(mg_session_graph(s), v.range,
			      (const char *const *)cur, ncur, &list, &err);
	if (rc)
		goto fail;
	mg_graph_heads(mg_session_graph(s), &heads);
	if (v.json)
		fputc('[', stdout);
	for (i = 0; i < list.n; i++) {
		const struct mg_unit *u = list.v[i];
		int head = is_head(&heads, u);

		if (v.json) {
			if (i)
				fputs(", ", stdout);
			json_unit(stdout, u, head);
			continue;
		}
		if (v.verbose) {
			show_block(stdout, u, head);
			continue;
		}
		if (u->ndown == 0) {
			fputs("<base>", stdout);
		} else {
			size_t k;

			for (k = 0; k < u->ndown; k++)
				printf("%s%s", k ? ", " : "",
				       u->down_revisions[k]);
		}
		printf(" -> %s", u->revision);
		labels(stdout, u);
		if (head)
			fputs(" (head)", stdout);
		if (mg_graph_is_branchpoint(mg_session_graph(s), u))
			fputs(" (branchpoint)", stdout);
		if (u->ndown > 1)
			fputs(" (mergepoint)", stdout);
		printf(", %s\n", u->message ? u->message : "");
	}
	if (v.json)
		puts("]");
	mg_rev_list_release(&list);
	mg_rev_list_release(&heads);
	mg_strv_free(cur, ncur);
	mg_session_free(s);
	return 0;
fail:
	out_error(&err);
	mg_strv_free(cur, ncur);
	mg_session_free(s);
	return rc;
}
