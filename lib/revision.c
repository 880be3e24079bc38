/*
 * revision.c - writing new files: `init` (migrate.ini and versions/) and
 * `revision` / `merge` (a new unit from a template).
 *
 * New ids are NNNN_slug: one more than the highest leading number among
 * the existing units' ids, four digits at least, then the message made
 * lower-case with runs of other characters turned into '_', cut so the
 * id fits the version table's 32 characters.
 */
#include "mg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static unsigned long leading_number(const char *s)
{
	unsigned long n = 0;

	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s) && n < 100000000UL)
		n = n * 10 + (unsigned long)(*s++ - '0');
	return n;
}

static char *next_id(const struct mg_graph *g, const char *message)
{
	unsigned long max = 0, n;
	struct mg_buf id = MG_BUF_INIT;
	size_t i, keep;
	int under = 0;

	for (i = 0; i < mg_graph_count(g); i++) {
		n = leading_number(mg_graph_unit(g, i)->revision);
		if (n > max)
			max = n;
	}
	mg_buf_printf(&id, "%04lu_", max + 1);
	keep = id.len;
	for (; message && *message && id.len < MG_REVISION_MAX; message++) {
		unsigned char c = (unsigned char)*message;

		if (isalnum(c) && c < 128) {
			mg_buf_putc(&id, (char)tolower(c));
			under = 0;
		} else if (!under && id.len > keep) {
			mg_buf_putc(&id, '_');
			under = 1;
		}
	}
	while (id.len > keep && id.ptr[id.len - 1] == '_')
		id.ptr[--id.len] = '\0';
	if (id.len == keep)
		mg_buf_puts(&id, "unit");
	return mg_buf_detach(&id);
}

/* A YAML scalar: plain when that is safe, else double-quoted. */
static void yaml_scalar(struct mg_buf *b, const char *s)
{
	const char *p;
	int plain = s[0] && !strchr("!&*-?{}[],#|>@`\"'%: ", s[0]) &&
		    s[strlen(s) - 1] != ' ' && strcmp(s, "null") &&
		    strcmp(s, "true") && strcmp(s, "false");

	for (p = s; plain && *p; p++)
		if ((unsigned char)*p < 32 || (p[0] == ':' && p[1] == ' ') ||
		    (p[0] == ' ' && p[1] == '#') || (p[0] == ':' && !p[1]))
			plain = 0;
	if (plain) {
		mg_buf_puts(b, s);
		return;
	}
	mg_buf_putc(b, '"');
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			mg_buf_putc(b, '\\');
		if (*p == '\n')
			mg_buf_puts(b, "\\n");
		else if ((unsigned char)*p < 32)
			mg_buf_putc(b, ' ');
		else
			mg_buf_putc(b, *p);
	}
	mg_buf_putc(b, '"');
}

static void header_line(struct mg_buf *b, const char *prefix,
			const char *key, const char *const *v, size_t n,
			int list)
{
	size_t i;

	mg_buf_printf(b, "%s%s: ", prefix, key);
	if (n == 0)
		mg_buf_puts(b, "null");
	else if (n == 1 && !list)
		yaml_scalar(b, v[0]);
	else {
		mg_buf_putc(b, '[');
		for (i = 0; i < n; i++) {
			if (i)
				mg_buf_puts(b, ", ");
			yaml_scalar(b, v[i]);
		}
		mg_buf_putc(b, ']');
	}
	mg_buf_putc(b, '\n');
}

static int write_new_file(const char *path, const char *text,
			  struct mg_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	size_t len = strlen(text), off = 0;

	if (fd < 0)
		return mg_error_set(err, MG_ECONFIG, path, 0,
				    "cannot create: %s", strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			int e = errno;

			close(fd);
			unlink(path);
			return mg_error_set(err, MG_ECONFIG, path, 0,
					    "cannot write: %s", strerror(e));
		}
		off += (size_t)w;
	}
	if (close(fd) != 0)
		return mg_error_set(err, MG_ECONFIG, path, 0,
				    "cannot write: %s", strerror(errno));
	return MG_OK;
}

/*
 * The body of a new C unit, after its header lines.  The API is in
 * migrate_unit.h; docs/c-units.md explains it.
 */
static const char c_template[] =
	" */\n"
	"#include <migrate_unit.h>\n"
	"\n"
	"/*\n"
	" * Both functions run inside the migration's transaction and\n"
	" * return 0 on success.  migrate_exec(ctx, sql) runs one\n"
	" * statement; migrate_exec_params and migrate_query take $1, $2,\n"
	" * ... parameters; return migrate_fail(ctx, \"...\") to stop with\n"
	" * a message.  See docs/c-units.md.\n"
	" */\n"
	"\n"
	"int upgrade(migrate_ctx *ctx)\n"
	"{\n"
	"\t(void)ctx;\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"int downgrade(migrate_ctx *ctx)\n"
	"{\n"
	"\t(void)ctx;\n"
	"\treturn 0;\n"
	"}\n";

int mg_revision_write(const struct mg_graph *g, const struct mg_config *cfg,
		      const struct mg_revision_opts *o, char **path_out,
		      struct mg_error *err)
{
	struct mg_rev_list down = MG_REV_LIST_INIT;
	struct mg_buf text = MG_BUF_INIT, fname = MG_BUF_INIT;
	const char **downs = NULL;
	const char *pre = o->c_unit ? " * " : "-- ";
	char *id = NULL, *path = NULL, date[32];
	size_t i;
	int rc = MG_OK;

	*path_out = NULL;
	if (o->c_unit) {
		/* the header is a block comment: nothing may close it */
		const char *v[3];

		v[0] = o->message;
		v[1] = o->branch_label;
		v[2] = o->depends_on;
		for (i = 0; i < MG_ARRAY_SIZE(v); i++)
			if (v[i] && strstr(v[i], "*/"))
				return mg_error_set(err, MG_EUSAGE, NULL, 0,
					"'%s' cannot go in a C unit's header: "
					"'*/' would end its comment", v[i]);
	}
	if (o->nmerge) {
		for (i = 0; i < o->nmerge && rc == MG_OK; i++) {
			struct mg_rev_list one = MG_REV_LIST_INIT;
			size_t k;

			rc = mg_graph_resolve(g, o->merge[i], NULL, 0, MG_UP,
					      &one, err);
			for (k = 0; rc == MG_OK && k < one.n; k++)
				mg_rev_list_push(&down, one.v[k]);
			mg_rev_list_release(&one);
		}
		if (rc == MG_OK && down.n < 2)
			rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
					  "merge needs at least two revisions "
					  "to join; got %zu", down.n);
	} else if (o->head) {
		rc = mg_graph_resolve(g, o->head, NULL, 0, MG_UP, &down, err);
	} else {
		mg_graph_heads(g, &down);
		if (down.n > 1)
			rc = mg_error_set(err, MG_ECONFIG, NULL, 0,
				"Multiple heads are present; please specify "
				"the head revision on which the new revision "
				"should be based (--head), or perform a merge");
	}
	if (rc)
		goto out;

	id = o->rev_id ? mg_strdup(o->rev_id) : next_id(g, o->message);
	if (strlen(id) > MG_REVISION_MAX || strpbrk(id, "@-+: \t\n/") ||
	    !id[0]) {
		rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
				  "invalid revision id '%s': at most %d "
				  "characters, none of '@ - + : /' or white "
				  "space", id, MG_REVISION_MAX);
		goto out;
	}
	if (mg_graph_find(g, id)) {
		rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
				  "revision id '%s' already exists in %s", id,
				  mg_graph_find(g, id)->path);
		goto out;
	}
	if (o->create_date) {
		snprintf(date, sizeof(date), "%s", o->create_date);
	} else {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	downs = mg_calloc(down.n ? down.n : 1, sizeof(*downs));
	for (i = 0; i < down.n; i++)
		downs[i] = down.v[i]->revision;

	if (o->c_unit)
		mg_buf_puts(&text, "/*\n");
	header_line(&text, pre, "revision", (const char *const *)&id, 1, 0);
	header_line(&text, pre, "down_revision", downs, down.n, o->nmerge > 0);
	{
		const char *m = o->message ? o->message : "";

		header_line(&text, pre, "message", &m, 1, 0);
	}
	{
		const char *d = date;

		header_line(&text, pre, "create_date", &d, 1, 0);
	}
	if (o->branch_label)
		header_line(&text, pre, "branch_labels", &o->branch_label, 1,
			    0);
	if (o->depends_on)
		header_line(&text, pre, "depends_on", &o->depends_on, 1, 0);
	mg_buf_printf(&text, "%stransactional: true\n", pre);
	if (o->c_unit)
		mg_buf_puts(&text, c_template);
	else
		mg_buf_puts(&text,
			    "-- migrate:upgrade\n\n-- migrate:downgrade\n\n");

	mg_buf_printf(&fname, "%s.%s", id, o->c_unit ? "c" : "sql");
	path = mg_path_join(cfg->script_location, fname.ptr);
	rc = write_new_file(path, text.ptr, err);
	if (rc == MG_OK) {
		*path_out = path;
		path = NULL;
	}
out:
	free(downs);
	free(id);
	free(path);
	mg_buf_release(&text);
	mg_buf_release(&fname);
	mg_rev_list_release(&down);
	return rc;
}

static const char ini_template[] =
	"# migrate configuration.  Every key is described in\n"
	"# docs/configuration.md; these are the defaults.\n"
	"[migrate]\n"
	"# folder of migration units, relative to this file\n"
	"script_location = versions\n"
	"# database used when neither --url nor DATABASE_URL is given\n"
	"url = sqlite:///./dev.db\n"
	"version_table = alembic_version\n"
	"transaction_per_migration = false\n"
	"lock_timeout = 60s\n";

int mg_init_write(const char *dir, struct mg_error *err)
{
	char *ini, *versions;
	struct stat st;
	int rc = MG_OK;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return mg_error_set(err, MG_ECONFIG, dir, 0,
				    "cannot create folder: %s",
				    strerror(errno));
	ini = mg_path_join(dir, "migrate.ini");
	versions = mg_path_join(dir, "versions");
	if (stat(ini, &st) == 0) {
		rc = mg_error_set(err, MG_ECONFIG, ini, 0,
				  "already exists; not overwriting it");
		goto out;
	}
	if (mkdir(versions, 0755) != 0 && errno != EEXIST) {
		rc = mg_error_set(err, MG_ECONFIG, versions, 0,
				  "cannot create folder: %s", strerror(errno));
		goto out;
	}
	rc = write_new_file(ini, ini_template, err);
out:
	free(ini);
	free(versions);
	return rc;
}
