/*
 * out.c - everything migrate prints: errors, Alembic-worded log lines,
 * JSON strings, and loading the config / session with errors reported.
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void out_error(const struct mg_error *err)
{
	fputs("migrate: error: ", stderr);
	if (err->file[0]) {
		fputs(err->file, stderr);
		if (err->line)
			fprintf(stderr, ":%u", err->line);
		fputs(": ", stderr);
	}
	fputs(err->msg[0] ? err->msg : "unknown error", stderr);
	fputc('\n', stderr);
}

int out_usage_error(const struct cmd_spec *c, const char *fmt, ...)
{
	va_list ap;

	fputs("migrate: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		cmd_print_usage(stderr, c);
	return MG_EUSAGE;
}

/* State of the log line a running unit has open (no newline yet). */
static int line_open;

static void close_line(void)
{
	if (line_open) {
		fputc('\n', stderr);
		line_open = 0;
	}
}

void out_info(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->verbosity < 0)
		return;
	close_line();
	fputs("INFO  [migrate] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void out_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void join(FILE *f, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", v[i]);
}

void out_arrow(FILE *f, const struct mg_unit *u, enum mg_direction dir)
{
	if (dir == MG_UP) {
		join(f, u->down_revisions, u->ndown);
		fprintf(f, " -> %s", u->revision);
	} else {
		fprintf(f, "%s -> ", u->revision);
		join(f, u->down_revisions, u->ndown);
	}
}

static void hook_start(void *user, const struct mg_step *st)
{
	const struct cli *cli = user;
	char buf[4096];
	FILE *f;
	size_t i;

	if (cli->verbosity < 0)
		return;
	close_line();
	/*
	 * stderr is unbuffered: compose the line in memory and write it in
	 * one call (one system call per unit, not one per piece).
	 */
	f = fmemopen(buf, sizeof(buf), "w");
	if (!f)
		f = stderr;
	if (!st->unit) {
		fputs("INFO  [migrate] Running stamp_revision ", f);
		for (i = 0; i < st->ndel; i++)
			fprintf(f, "%s%s", i ? ", " : "", st->del[i]);
		fputs(" -> ", f);
		for (i = 0; i < st->nins; i++)
			fprintf(f, "%s%s", i ? ", " : "", st->ins[i]);
	} else {
		fprintf(f, "INFO  [migrate] Running %s ",
			st->dir == MG_UP ? "upgrade" : "downgrade");
		out_arrow(f, st->unit, st->dir);
		fprintf(f, ", %s", st->unit->message ? st->unit->message : "");
	}
	if (f != stderr) {
		long n = ftell(f);

		fclose(f);
		if (n > 0)
			fwrite(buf, 1, (size_t)n < sizeof(buf) ? (size_t)n :
				       sizeof(buf) - 1, stderr);
	}
	line_open = 1;
}

static void hook_done(void *user, const struct mg_step *st, int ok,
		      double ms)
{
	const struct cli *cli = user;

	if (cli->verbosity < 0)
		return;
	if (!line_open) {
		/*
		 * A unit logged lines while it ran, so its "Running ..."
		 * line is closed: say how it ended on a line of its own.
		 */
		if (!st->unit)
			return;
		fprintf(stderr, "INFO  [migrate] %s %s ",
			ok ? "Finished" : "FAILED",
			st->dir == MG_UP ? "upgrade" : "downgrade");
		out_arrow(stderr, st->unit, st->dir);
		if (ok)
			fprintf(stderr, " (%.1f ms)", ms);
		fputc('\n', stderr);
		return;
	}
	if (ok && st->unit) {
		char end[64];

		snprintf(end, sizeof(end), " (%.1f ms)\n", ms);
		fputs(end, stderr);
	} else if (ok)
		fputc('\n', stderr);
	else
		fputs(" FAILED\n", stderr);
	line_open = 0;
}

static void hook_info(void *user, const char *line)
{
	out_info(user, "%s", line);
}

static void hook_sql(void *user, const char *text)
{
	(void)user;
	fputs(text, stdout);
}

void out_hooks(struct cli *cli, struct mg_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->user = cli;
	h->step_start = hook_start;
	h->step_done = hook_done;
	h->info = hook_info;
	h->sql = hook_sql;
}

int cli_load_config(struct cli *cli)
{
	struct mg_config_opts o;
	struct mg_error err = MG_ERROR_INIT;
	int rc;

	if (cli->cfg_loaded)
		return MG_OK;
	memset(&o, 0, sizeof(o));
	o.config_path = cli->config_path;
	o.env_config = getenv("MIGRATE_CONFIG");
	o.env_url = getenv("DATABASE_URL");
	o.url_flag = cli->url;
	o.xargs = cli->xargs;
	o.nxargs = cli->nxargs;
	rc = mg_config_load(&cli->cfg, &o, &err);
	if (rc) {
		out_error(&err);
		return rc;
	}
	cli->cfg_loaded = 1;
	return MG_OK;
}

int cli_open_session(struct cli *cli, struct mg_session **out, int connect)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_hooks h;
	int rc;

	*out = NULL;
	rc = cli_load_config(cli);
	if (rc)
		return rc;
	out_hooks(cli, &h);
	if (connect == CLI_CONNECT_CURRENT)
		rc = mg_session_open_current(out, &cli->cfg, &h, cli->wait_ms,
					     &err);
	else if (connect)
		rc = mg_session_open_connected(out, &cli->cfg, &h,
					       cli->wait_ms, &err);
	else
		rc = mg_session_open(out, &cli->cfg, &h, &err);
	if (rc) {
		out_error(&err);
		return rc;
	}
	return MG_OK;
}
