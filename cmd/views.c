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

static void comma(FILE *f, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", v[i]);
}

static void down_text(FILE *f, const struct mg_unit *u)
{
	if (!u->ndown)
		fputs("<base>", f);
	else
		comma(f, u->down_revisions, u->ndown);
}

enum {
	FMT_PARENTS = 1 << 0,   /* "PARENT -> REV" */
	FMT_BRANCHES = 1 << 1,  /* " (label)" */
	FMT_HEADS = 1 << 2,     /* " (head)", " (effective head)" */
	FMT_TREE = 1 << 3,      /* " (branchpoint)", " (mergepoint)" */
	FMT_DOC = 1 << 4        /* ", message" */
};

/* Alembic's Script.cmd_format, non-verbose. */
static void rev_line(FILE *f, const struct mg_graph *g,
		     const struct mg_unit *u, unsigned fmt)
{
	unsigned fl = mg_graph_flags(g, u);

	if (fmt & FMT_PARENTS) {
		down_text(f, u);
		if (u->ndepends) {
			fputs(" (", f);
			comma(f, u->depends_on, u->ndepends);
			fputc(')', f);
		}
		fputs(" -> ", f);
	}
	fputs(u->revision, f);
	if (fmt & FMT_BRANCHES) {
		size_t n = 0, i;
		const char **l = mg_graph_labels(g, u, &n);

		if (n) {
			fputs(" (", f);
			for (i = 0; i < n; i++)
				fprintf(f, "%s%s", i ? ", " : "", l[i]);
			fputc(')', f);
		}
		free(l);
	}
	if (fmt & (FMT_HEADS | FMT_TREE)) {
		if (fl & MG_REV_HEAD)
			fputs(" (head)", f);
		if (fl & MG_REV_EFFECTIVE_HEAD)
			fputs(" (effective head)", f);
	}
	if (fmt & FMT_TREE) {
		if (fl & MG_REV_BRANCHPOINT)
			fputs(" (branchpoint)", f);
		if (fl & MG_REV_MERGEPOINT)
			fputs(" (mergepoint)", f);
	}
	if (fmt & FMT_DOC)
		fprintf(f, ", %s", u->message ? u->message : "");
}

/* Alembic's Script.log_entry (the verbose form). */
static void show_block(FILE *f, const struct mg_graph *g,
		       const struct mg_unit *u)
{
	unsigned fl = mg_graph_flags(g, u);

	fprintf(f, "Rev: %s%s%s%s\n", u->revision,
		(fl & (MG_REV_HEAD | MG_REV_EFFECTIVE_HEAD)) ? " (head)" : "",
		(fl & MG_REV_BRANCHPOINT) ? " (branchpoint)" : "",
		(fl & MG_REV_MERGEPOINT) ? " (mergepoint)" : "");
	fputs((fl & MG_REV_MERGEPOINT) ? "Merges: " : "Parent: ", f);
	down_text(f, u);
	fputc('\n', f);
	if (u->ndepends) {
		fputs("Also depends on: ", f);
		comma(f, u->depends_on, u->ndepends);
		fputc('\n', f);
	}
	if (fl & MG_REV_BRANCHPOINT) {
		struct mg_rev_list kids = MG_REV_LIST_INIT;
		size_t i;

		mg_graph_children(g, u, &kids);
		fputs("Branches into: ", f);
		for (i = 0; i < kids.n; i++)
			fprintf(f, "%s%s", i ? ", " : "", kids.v[i]->revision);
		fputc('\n', f);
		mg_rev_list_release(&kids);
	}
	if (u->nlabels) {
		fputs("Branch names: ", f);
		comma(f, u->branch_labels, u->nlabels);
		fputc('\n', f);
	}
	fprintf(f, "Path: %s\n\n", u->path);
	fprintf(f, "    %s\n\n", u->message ? u->message : "");
	fprintf(f, "    Revision ID: %s\n    Revises: ", u->revision);
	comma(f, u->down_revisions, u->ndown);
	fprintf(f, "\n    Create Date: %s\n\n",
		u->create_date ? u->create_date : "");
}

static void json_unit(FILE *f, const struct mg_graph *g,
		      const struct mg_unit *u)
{
	unsigned fl = mg_graph_flags(g, u);
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
	fprintf(f, ", \"is_head\": %s, \"is_branch_point\": %s, "
		"\"is_merge_point\": %s, \"transactional\": %s}",
		(fl & MG_REV_HEAD) ? "true" : "false",
		(fl & MG_REV_BRANCHPOINT) ? "true" : "false",
		(fl & MG_REV_MERGEPOINT) ? "true" : "false",
		u->transactional ? "true" : "false");
}

/* A JSON array of units, or the text lines / blocks of a list. */
static void print_list(const struct mg_graph *g,
		       const struct mg_rev_list *l, const struct view_opts *v,
		       unsigned fmt)
{
	size_t i;

	if (v->json)
		fputc('[', stdout);
	for (i = 0; i < l->n; i++) {
		if (v->json) {
			if (i)
				fputs(", ", stdout);
			json_unit(stdout, g, l->v[i]);
		} else if (v->verbose) {
			show_block(stdout, g, l->v[i]);
		} else {
			rev_line(stdout, g, l->v[i], fmt);
			fputc('\n', stdout);
		}
	}
	if (v->json)
		puts("]");
}

int cmd_current(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("current");
	struct mg_error err = MG_ERROR_INIT;
	struct mg_session *s = NULL;
	const struct mg_graph *g;
	struct view_opts v;
	char **revs = NULL;
	size_t n = 0, i;
	int rc;

	rc = parse_view_args(spec, argc, argv, 0, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s, CLI_CONNECT_CURRENT);
	if (rc)
		return rc;
	rc = mg_session_current(s, &revs, &n, &err);
	if (rc) {
		out_error(&err);
		mg_session_free(s);
		return rc;
	}
	g = mg_session_graph(s);
	if (v.json) {
		fputs("{\"url\": ", stdout);
		out_json_str(stdout, mg_session_url_masked(s));
		fputs(", \"current\": [", stdout);
	} else if (v.verbose) {
		printf("Current revision(s) for %s:\n",
		       mg_session_url_masked(s));
	}
	for (i = 0; i < n; i++) {
		const struct mg_unit *u = mg_graph_find(g, revs[i]);

		if (v.json) {
			if (i)
				fputs(", ", stdout);
			if (u) {
				json_unit(stdout, g, u);
			} else {
				fputs("{\"revision\": ", stdout);
				out_json_str(stdout, revs[i]);
				fputs(", \"known\": false}", stdout);
			}
		} else if (!u) {
			printf("%s (not in %s)\n", revs[i],
			       cli->cfg.script_location);
		} else if (v.verbose) {
			show_block(stdout, g, u);
		} else {
			rev_line(stdout, g, u, FMT_HEADS | FMT_TREE);
			fputc('\n', stdout);
		}
	}
	if (v.json)
		puts("]}");
	mg_strv_free(revs, n);
	mg_session_free(s);
	return 0;
}

int cmd_heads(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("heads");
	struct mg_rev_list heads = MG_REV_LIST_INIT;
	struct mg_session *s = NULL;
	struct view_opts v;
	int rc;

	rc = parse_view_args(spec, argc, argv, 0, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s, 0);
	if (rc)
		return rc;
	mg_graph_heads(mg_session_graph(s), &heads);
	print_list(mg_session_graph(s), &heads, &v, FMT_BRANCHES | FMT_HEADS);
	mg_rev_list_release(&heads);
	mg_session_free(s);
	return 0;
}

int cmd_branches(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("branches");
	struct mg_rev_list bp = MG_REV_LIST_INIT;
	struct mg_session *s = NULL;
	const struct mg_graph *g;
	struct view_opts v;
	size_t i, k;
	int rc;

	rc = parse_view_args(spec, argc, argv, 0, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s, 0);
	if (rc)
		return rc;
	g = mg_session_graph(s);
	mg_graph_branches(g, &bp);
	if (v.json) {
		print_list(g, &bp, &v, 0);
	} else {
		for (i = 0; i < bp.n; i++) {
			struct mg_rev_list kids = MG_REV_LIST_INIT;
			size_t w = strlen(bp.v[i]->revision);

			rev_line(stdout, g, bp.v[i], FMT_BRANCHES | FMT_HEADS |
				 FMT_TREE);
			fputc('\n', stdout);
			mg_graph_children(g, bp.v[i], &kids);
			for (k = 0; k < kids.n; k++) {
				printf("%*s -> ", (int)w, "");
				rev_line(stdout, g, kids.v[k],
					 FMT_BRANCHES | FMT_HEADS | FMT_TREE |
						 (v.verbose ? FMT_DOC : 0));
				fputc('\n', stdout);
			}
			fputc('\n', stdout);
			mg_rev_list_release(&kids);
		}
	}
	mg_rev_list_release(&bp);
	mg_session_free(s);
	return 0;
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("show");
	struct mg_rev_list l = MG_REV_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_session *s = NULL;
	struct view_opts v;
	const char *rev;
	int rc;

	/* show REV [--format json]: one positional argument */
	if (argc >= 2 && argv[1][0] != '-') {
		rev = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
	} else {
		rev = NULL;
	}
	rc = parse_view_args(spec, argc, argv, 0, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!rev)
		return out_usage_error(spec, "missing revision");
	rc = cli_open_session(cli, &s, 0);
	if (rc)
		return rc;
	rc = mg_graph_revisions(mg_session_graph(s), rev, &l, &err);
	if (rc) {
		out_error(&err);
	} else {
		v.verbose = 1;
		print_list(mg_session_graph(s), &l, &v, 0);
	}
	mg_rev_list_release(&l);
	mg_session_free(s);
	return rc;
}

int cmd_history(struct cli *cli, int argc, char **argv)
{
	const struct cmd_spec *spec = cmd_find("history");
	struct mg_rev_list list = MG_REV_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_session *s = NULL;
	struct view_opts v;
	char **cur = NULL;
	size_t ncur = 0;
	int rc;

	rc = parse_view_args(spec, argc, argv, 1, &v);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_open_session(cli, &s, 0);
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
	print_list(mg_session_graph(s), &list, &v,
		   FMT_PARENTS | FMT_BRANCHES | FMT_HEADS | FMT_TREE | FMT_DOC);
	mg_rev_list_release(&list);
	mg_strv_free(cur, ncur);
	mg_session_free(s);
	return 0;
fail:
	out_error(&err);
	mg_strv_free(cur, ncur);
	mg_session_free(s);
	return rc;
}
