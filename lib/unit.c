/*
 * unit.c - loading migration units: the YAML header (libyaml), the
 * `-- migrate:upgrade [dialect]` / `-- migrate:downgrade [dialect]`
 * sections, and the file's SHA-256 (libcrypto).
 *
 * A SQL unit's header is the run of `--` comment lines at the top of the
 * file, before the first section marker; with the `--` (and one space)
 * taken off, those lines are a YAML mapping.  A C unit's header is the
 * leading block comment, with the ` * ` decoration taken off.  Header
 * lines keep their file line numbers, so YAML errors point into the file.
 */
#include "cr.h"
#include "mg.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

static int has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Forget the text and sections of a body. */
static void body_clear(struct mg_unit_body *b)
{
	free(b->text);
	free(b->sections);
	memset(b, 0, sizeof(*b));
}

void mg_unit_free(struct mg_unit *u)
{
	if (!u)
		return;
	body_clear(u->body);
	if (u->slab) {
		mg_slab_unref(u->slab);
		return;
	}
	free(u->revision);
	mg_strv_free(u->down_revisions, u->ndown);
	mg_strv_free(u->depends_on, u->ndepends);
	mg_strv_free(u->branch_labels, u->nlabels);
	free(u->message);
	free(u->create_date);
	free(u->path);
	free(u);
}

struct mg_unit *mg_unit_new(const char *path)
{
	struct mg_unit *u = mg_calloc(1, sizeof(*u));

	u->body = &u->body_store;
	u->path = mg_strdup(path);
	u->transactional = 1;
	u->kind = has_suffix(path, ".c") ? MG_UNIT_C : MG_UNIT_SQL;
	return u;
}

/* ------------------------------------------------------------------ */
/* Header text extraction                                               */

/* Length of the line starting at p (without its '\n'). */
static size_t line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? (size_t)(nl - p) : (size_t)(end - p);
}

/* Is [p, p+n) a section marker line (`-- migrate:...`)? */
static int is_marker(const char *p, size_t n)
{
	size_t i = 0;

	if (n < 2 || p[0] != '-' || p[1] != '-')
		return 0;
	i = 2;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return n - i >= 8 && strncmp(p + i, "migrate:", 8) == 0;
}

/*
 * SQL unit: collect the leading `--` lines (up to the first marker) into
 * `yaml`, one output line per file line.  *body is where the header ends.
 */
static void sql_header(const char *text, size_t len, struct mg_buf *yaml,
		       size_t *body, unsigned *body_line)
{
	const char *p = text, *end = text + len;
	unsigned line = 1;

	while (p < end) {
		size_t n = line_len(p, end);
		size_t skip;

		if (n < 2 || p[0] != '-' || p[1] != '-' || is_marker(p, n))
			break;
		skip = 2;
		if (skip < n && p[skip] == ' ')
			skip++;
		mg_buf_add(yaml, p + skip, n - skip);
		mg_buf_putc(yaml, '\n');
		p += n;
		if (p < end)
			p++;
		line++;
	}
	*body = (size_t)(p - text);
	*body_line = line;
}

/*
 * C unit: the leading block comment.  Each line loses leading blanks and
 * one `*` (and one space after it).  Returns 0 when there is no leading
 * comment or it is not closed.
 */
static int c_header(const char *text, size_t len, struct mg_buf *yaml,
		    unsigned *first_line)
{
	const char *p = text, *end = text + len, *close;
	unsigned line = 1;

	while (p < end && isspace((unsigned char)*p)) {
		if (*p == '\n')
			line++;
		p++;
	}
	if (end - p < 2 || p[0] != '/' || p[1] != '*')
		return 0;
	*first_line = line;
	p += 2;
	close = NULL;
	{
		const char *q;

		for (q = p; q + 1 < end; q++)
			if (q[0] == '*' && q[1] == '/') {
				close = q;
				break;
			}
	}
	if (!close)
		return 0;
	while (p < close) {
		const char *nl = memchr(p, '\n', (size_t)(close - p));
		const char *le = nl ? nl : close;
		const char *s = p;

		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		if (s < le && *s == '*') {
			s++;
			if (s < le && *s == ' ')
				s++;
		} else {
			s = p;
		}
		mg_buf_add(yaml, s, (size_t)(le - s));
		mg_buf_putc(yaml, '\n');
		p = nl ? nl + 1 : close;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* YAML                                                                 */

struct header_ctx {
	struct mg_unit *u;
	const char *path;
	unsigned line0; /* file line of yaml line 1 */
	struct mg_error *err;
	unsigned seen;  /* bit per key */
};

static int yerr(struct header_ctx *h, const yaml_node_t *n, const char *fmt,
		...) MG_PRINTF(3, 4);

static int yerr(struct header_ctx *h, const yaml_node_t *n, const char *fmt,
		...)
{
	unsigned line = h->line0 + (n ? (unsigned)n->start_mark.line : 0);
	va_list ap;

	va_start(ap, fmt);
	mg_error_vset(h->err, MG_ECONFIG, h->path, line, fmt, ap);
	va_end(ap);
	return MG_ECONFIG;
}

static int scalar_is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* A scalar or a list of scalars (or null) into a string vector. */
static int strlist(struct header_ctx *h, yaml_document_t *doc,
		   yaml_node_t *n, const char *key, char ***out, size_t *nout)
{
	yaml_node_item_t *it;

	if (n->type == YAML_SCALAR_NODE) {
		if (scalar_is_null(n))
			return MG_OK;
		*out = mg_malloc(sizeof(char *));
		(*out)[0] = mg_strdup((const char *)n->data.scalar.value);
		*nout = 1;
		return MG_OK;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return yerr(h, n, "'%s' must be a string or a list of strings",
			    key);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(doc, *it);

		if (!e || e->type != YAML_SCALAR_NODE || scalar_is_null(e))
			return yerr(h, e ? e : n,
				    "'%s' must be a string or a list of strings",
				    key);
		*out = mg_reallocarray(*out, *nout + 1, sizeof(char *));
		(*out)[(*nout)++] =
			mg_strdup((const char *)e->data.scalar.value);
	}
	return MG_OK;
}

static int scalar_str(struct header_ctx *h, yaml_node_t *n, const char *key,
		      char **out, int allow_null)
{
	if (n->type != YAML_SCALAR_NODE)
		return yerr(h, n, "'%s' must be a string", key);
	if (scalar_is_null(n)) {
		if (!allow_null)
			return yerr(h, n, "'%s' must not be empty", key);
		return MG_OK;
	}
	*out = mg_strdup((const char *)n->data.scalar.value);
	return MG_OK;
}

static int scalar_bool(struct header_ctx *h, yaml_node_t *n, const char *key,
		       int *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes",
					   "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no",
					  "No", "NO", "off", "Off", "OFF" };
	const char *v;
	size_t i;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return yerr(h, n, "'%s' must be true or false", key);
	v = (const char *)n->data.scalar.value;
	for (i = 0; i < MG_ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i])) {
			*out = 1;
			return MG_OK;
		}
		if (!strcmp(v, no[i])) {
			*out = 0;
			return MG_OK;
		}
	}
	return yerr(h, n, "'%s' must be true or false", key);
}

enum {
	K_REVISION = 1 << 0,
	K_DOWN = 1 << 1,
	K_MESSAGE = 1 << 2,
	K_DATE = 1 << 3,
	K_LABELS = 1 << 4,
	K_DEPENDS = 1 << 5,
	K_TX = 1 << 6
};

static int header_key(struct header_ctx *h, yaml_document_t *doc,
		      yaml_node_t *k, yaml_node_t *v)
{
	struct mg_unit *u = h->u;
	const char *key;
	unsigned bit;
	int rc;

	if (k->type != YAML_SCALAR_NODE)
		return yerr(h, k, "header keys must be plain words");
	key = (const char *)k->data.scalar.value;
	if (!strcmp(key, "revision"))
		bit = K_REVISION;
	else if (!strcmp(key, "down_revision"))
		bit = K_DOWN;
	else if (!strcmp(key, "message"))
		bit = K_MESSAGE;
	else if (!strcmp(key, "create_date"))
		bit = K_DATE;
	else if (!strcmp(key, "branch_labels"))
		bit = K_LABELS;
	else if (!strcmp(key, "depends_on"))
		bit = K_DEPENDS;
	else if (!strcmp(key, "transactional"))
		bit = K_TX;
	else
		return yerr(h, k, "unknown header key '%s'", key);
	if (h->seen & bit)
		return yerr(h, k, "header key '%s' given twice", key);
	h->seen |= bit;

	switch (bit) {
	case K_REVISION:
		rc = scalar_str(h, v, key, &u->revision, 0);
		break;
	case K_DOWN:
		rc = strlist(h, doc, v, key, &u->down_revisions, &u->ndown);
		break;
	case K_MESSAGE:
		rc = scalar_str(h, v, key, &u->message, 1);
		break;
	case K_DATE:
		rc = scalar_str(h, v, key, &u->create_date, 1);
		break;
	case K_LABELS:
		rc = strlist(h, doc, v, key, &u->branch_labels, &u->nlabels);
		break;
	case K_DEPENDS:
		rc = strlist(h, doc, v, key, &u->depends_on, &u->ndepends);
		break;
	default:
		rc = scalar_bool(h, v, key, &u->transactional);
		break;
	}
	return rc;
}

static int parse_yaml(struct header_ctx *h, const char *yaml, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *pair;
	int rc = MG_OK;

	if (!yaml_parser_initialize(&parser)) {
		fprintf(stderr, "migrate: fatal: out of memory (yaml)\n");
		abort();
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml,
				     len);
	if (!yaml_parser_load(&parser, &doc)) {
		unsigned line = h->line0 + (unsigned)parser.problem_mark.line;

		rc = mg_error_set(h->err, MG_ECONFIG, h->path, line,
				  "malformed header: %s%s%s (the header is "
				  "the '--' lines before the first blank line "
				  "or section; other comments go after a blank "
				  "line)",
				  parser.problem ? parser.problem : "error",
				  parser.context ? " " : "",
				  parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return rc;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		rc = mg_error_set(h->err, MG_ECONFIG, h->path, h->line0,
				  "missing header: a unit starts with "
				  "'-- revision: ID' comment lines");
	} else if (root->type != YAML_MAPPING_NODE) {
		rc = yerr(h, root, "malformed header: expected 'key: value' "
			  "lines (the header is the '--' lines before the "
			  "first blank line or section; other comments go "
			  "after a blank line)");
	} else {
		for (pair = root->data.mapping.pairs.start;
		     rc == MG_OK && pair < root->data.mapping.pairs.top;
		     pair++)
			rc = header_key(h, &doc,
					yaml_document_get_node(&doc, pair->key),
					yaml_document_get_node(&doc, pair->value));
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Sections                                                             */

static int parse_marker(const struct mg_unit *u, const char *p, size_t n,
			unsigned line, struct mg_section *sec,
			struct mg_error *err)
{
	char word[64], dial[64], extra[64];
	char tmp[256];
	int k;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	word[0] = dial[0] = extra[0] = '\0';
	/* "-- migrate:upgrade postgresql" */
	k = sscanf(strstr(tmp, "migrate:") + 8, "%63s %63s %63s", word, dial,
		   extra);
	if (k < 1 || k > 2)
		return mg_error_set(err, MG_ECONFIG, u->path, line,
				    "malformed section marker '%s'", tmp);
	if (!strcmp(word, "upgrade"))
		sec->dir = MG_UP;
	else if (!strcmp(word, "downgrade"))
		sec->dir = MG_DOWN;
	else
		return mg_error_set(err, MG_ECONFIG, u->path, line,
				    "unknown section 'migrate:%s' (expected "
				    "'migrate:upgrade' or 'migrate:downgrade')",
				    word);
	if (k == 1)
		sec->dialect = MG_DIALECT_ANY;
	else if (!strcmp(dial, "postgresql") || !strcmp(dial, "postgres"))
		sec->dialect = MG_DIALECT_PG;
	else if (!strcmp(dial, "sqlite"))
		sec->dialect = MG_DIALECT_SQLITE;
	else
		return mg_error_set(err, MG_ECONFIG, u->path, line,
				    "unknown dialect '%s' in section marker "
				    "(expected 'postgresql' or 'sqlite')",
				    dial);
	return MG_OK;
}

/*
 * The file line of the first line in [p, end) that is neither blank nor a
 * `--` comment (p starts on file line `line`), or 0 when there is none.
 */
static unsigned first_sql_line(const char *p, const char *end, unsigned line)
{
	while (p < end) {
		size_t n = line_len(p, end), i = 0;

		while (i < n && isspace((unsigned char)p[i]))
			i++;
		if (i < n && !(n - i >= 2 && p[i] == '-' && p[i + 1] == '-'))
			return line;
		p += n;
		if (p < end)
			p++;
		line++;
	}
	return 0;
}

static int parse_sections(const struct mg_unit *u, size_t body,
			  unsigned body_line, struct mg_error *err)
{
	struct mg_unit_body *b = u->body;
	const char *text = b->text, *end = b->text + b->len;
	const char *p = text + body;
	struct mg_section *cur = NULL;
	int have_up = 0, have_down = 0;
	unsigned line = body_line, bad;
	size_t i;

	while (p < end) {
		size_t n = line_len(p, end);
		const char *next = p + n + (p + n < end ? 1 : 0);
		struct mg_section sec;
		int rc;

		if (!is_marker(p, n)) {
			p = next;
			line++;
			continue;
		}
		if (cur)
			cur->len = (size_t)(p - text) - cur->off;
		else if ((bad = first_sql_line(text + body, p, body_line)))
			goto outside;
		memset(&sec, 0, sizeof(sec));
		rc = parse_marker(u, p, n, line, &sec, err);
		if (rc)
			return rc;
		for (i = 0; i < b->nsections; i++)
			if (b->sections[i].dir == sec.dir &&
			    b->sections[i].dialect == sec.dialect)
				return mg_error_set(
					err, MG_ECONFIG, u->path, line,
					"section 'migrate:%s%s%s' given twice",
					sec.dir == MG_UP ? "upgrade" : "downgrade",
					sec.dialect ? " " : "",
					sec.dialect ? mg_dialect_name(sec.dialect)
						    : "");
		if (b->nsections == MG_UNIT_SECTIONS_MAX)
			return mg_error_set(err, MG_ECONFIG, u->path, line,
					    "too many sections");
		if (!b->sections)
			b->sections = mg_calloc(MG_UNIT_SECTIONS_MAX,
						sizeof(*b->sections));
		sec.off = (size_t)(next - text);
		sec.line = line + 1;
		b->sections[b->nsections] = sec;
		cur = &b->sections[b->nsections++];
		if (sec.dir == MG_UP)
			have_up = 1;
		else
			have_down = 1;
		p = next;
		line++;
	}
	if (cur)
		cur->len = b->len - cur->off;
	else if ((bad = first_sql_line(text + body, end, body_line)))
		goto outside;
	if (!have_up)
		return mg_error_set(err, MG_ECONFIG, u->path, 0,
				    "no '-- migrate:upgrade' section");
	if (!have_down)
		return mg_error_set(err, MG_ECONFIG, u->path, 0,
				    "no '-- migrate:downgrade' section (an empty "
				    "one means there is nothing to undo)");
	return MG_OK;
outside:
	return mg_error_set(err, MG_ECONFIG, u->path, bad,
			    "SQL outside any section: put it after "
			    "'-- migrate:upgrade' or '-- migrate:downgrade'");
}

/* ------------------------------------------------------------------ */

int mg_unit_parse(struct mg_unit **out, const char *path, const char *text,
		  size_t len, struct mg_error *err)
{
	struct mg_unit *u = mg_unit_new(path);
	struct mg_buf yaml = MG_BUF_INIT;
	struct header_ctx h;
	size_t body = 0;
	unsigned body_line = 1;
	int rc;

	*out = NULL;
	u->body->text = mg_strndup(text, len);
	u->body->len = len;

	if (memchr(text, '\0', len)) {
		rc = mg_error_set(err, MG_ECONFIG, path, 0,
				  "unit file holds a NUL byte");
		goto fail;
	}
	memset(&h, 0, sizeof(h));
	h.u = u;
	h.path = path;
	h.err = err;
	h.line0 = 1;
	if (u->kind == MG_UNIT_C) {
		if (!c_header(text, len, &yaml, &h.line0)) {
			rc = mg_error_set(err, MG_ECONFIG, path, 1,
					  "missing header: a C unit starts with "
					  "a /* ... */ comment holding "
					  "'revision: ID'");
			goto fail;
		}
	} else {
		sql_header(text, len, &yaml, &body, &body_line);
		if (!yaml.len) {
			rc = mg_error_set(err, MG_ECONFIG, path, 1,
					  "missing header: a unit starts with "
					  "'-- revision: ID' comment lines");
			goto fail;
		}
	}
	rc = parse_yaml(&h, mg_buf_str(&yaml), yaml.len);
	if (rc)
		goto fail;
	if (!(h.seen & K_REVISION) || !u->revision) {
		rc = mg_error_set(err, MG_ECONFIG, path, h.line0,
				  "missing 'revision' in header");
		goto fail;
	}
	if (u->kind == MG_UNIT_SQL) {
		rc = parse_sections(u, body, body_line, err);
		if (rc)
			goto fail;
	}
	mg_buf_release(&yaml);
	*out = u;
	return MG_OK;
fail:
	mg_buf_release(&yaml);
	mg_unit_free(u);
	return rc;
}

int mg_unit_load(struct mg_unit **out, const char *path, struct mg_error *err)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	rc = mg_read_file(path, &text, &len, err);
	if (rc)
		return rc;
	rc = mg_unit_parse(out, path, text, len, err);
	free(text);
	return rc;
}

int mg_unit_section(const struct mg_unit *u, enum mg_direction dir,
		    enum mg_dialect dialect, const struct mg_section **out,
		    struct mg_error *err)
{
	const struct mg_section *any = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = mg_unit_load_body(u, err);
	if (rc)
		return rc;
	for (i = 0; i < u->body->nsections; i++) {
		const struct mg_section *s = &u->body->sections[i];

		if (s->dir != dir)
			continue;
		if (s->dialect == dialect) {
			*out = s;
			return MG_OK;
		}
		if (s->dialect == MG_DIALECT_ANY)
			any = s;
	}
	if (any) {
		*out = any;
		return MG_OK;
	}
	return mg_error_set(err, MG_ECONFIG, u->path, 0,
			    "unit '%s' has no %s section for %s (add "
			    "'-- migrate:%s %s' or an unqualified one)",
			    u->revision, dir == MG_UP ? "upgrade" : "downgrade",
			    mg_dialect_name(dialect),
			    dir == MG_UP ? "upgrade" : "downgrade",
			    mg_dialect_name(dialect));
}

/* SHA-256 as fetched from libcrypto (main thread only, like its users). */
static EVP_MD *sha256;

int mg_unit_sha256_hex(const struct mg_unit *u, char *out,
		       struct mg_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i;
	int rc;

	out[0] = '\0';
	rc = mg_unit_load_body(u, err);
	if (rc)
		return rc;
	/*
	 * Fetched once: EVP_Digest(..., EVP_sha256(), ...) looks the
	 * algorithm up in OpenSSL's provider tables on every call, 5% of a
	 * 1,000-unit PostgreSQL run's CPU.  Never freed, like the library.
	 */
	rc = mg_cr_load(err);
	if (rc)
		return rc;
	if (!sha256)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256 ||
	    !EVP_Digest(u->body->text, u->body->len, md, NULL, sha256, NULL))
		return mg_error_set(err, MG_ECONFIG, u->path, 0,
				    "cannot compute the file's SHA-256 "
				    "(libcrypto failed)");
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return MG_OK;
}

/* Do two string vectors hold the same strings in the same order? */
static int strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

static int str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int read_fd(int fd, const struct stat *st, const char *path,
		   char **out, size_t *len, struct mg_error *err);

/*
 * The body of a unit whose header came from the cache, when the file
 * still has the stat the cache vouched for: its text and sections, no
 * YAML.  1 when done (*rc says how), 0 when the file must be parsed anew.
 */
static int body_if_unchanged(const struct mg_unit *u, int *rc,
			     struct mg_error *err)
{
	struct mg_unit_body *b = u->body;
	struct mg_buf yaml = MG_BUF_INIT;
	struct mg_ustat now;
	struct stat st;
	size_t body = 0;
	unsigned body_line = 1;
	int fd = open(u->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	mg_ustat_from(&now, &st);
	if (!mg_ustat_eq(&now, &u->stat)) {
		close(fd);
		return 0;
	}
	*rc = read_fd(fd, &st, u->path, &b->text, &b->len, err);
	close(fd);
	if (*rc != MG_OK)
		return 1;
	if (memchr(b->text, '\0', b->len) || b->len != u->stat.size) {
		body_clear(b); /* the full parse says what is wrong */
		return 0;
	}
	if (u->kind == MG_UNIT_SQL) {
		sql_header(b->text, b->len, &yaml, &body, &body_line);
		mg_buf_release(&yaml);
		*rc = parse_sections(u, body, body_line, err);
		if (*rc != MG_OK)
			body_clear(b);
	}
	return 1;
}

int mg_unit_load_body(const struct mg_unit *u, struct mg_error *err)
{
	struct mg_unit *fresh = NULL;
	int rc;

	if (u->body->text)
		return MG_OK;
	if (u->slab && body_if_unchanged(u, &rc, err))
		return rc;
	rc = mg_unit_load(&fresh, u->path, err);
	if (rc)
		return rc;
	if (strcmp(fresh->revision, u->revision) ||
	    !strv_eq(fresh->down_revisions, fresh->ndown, u->down_revisions,
		     u->ndown) ||
	    !strv_eq(fresh->depends_on, fresh->ndepends, u->depends_on,
		     u->ndepends) ||
	    !strv_eq(fresh->branch_labels, fresh->nlabels, u->branch_labels,
		     u->nlabels) ||
	    !str_eq(fresh->message, u->message) ||
	    fresh->transactional != u->transactional) {
		mg_unit_free(fresh);
		return mg_error_set(err, MG_ECONFIG, u->path, 0,
				    "the file's header changed while migrate "
				    "was running; run the command again");
	}
	/* u is const to its users; its body is the part that may fill in */
	*u->body = *fresh->body;
	memset(fresh->body, 0, sizeof(*fresh->body));
	mg_unit_free(fresh);
	return MG_OK;
}

/* ------------------------------------------------------------------ */

void mg_unit_list_push(struct mg_unit_list *list, struct mg_unit *unit)
{
	mg_grow(&list->v, &list->cap, list->n + 1, sizeof(*list->v));
	list->v[list->n++] = unit;
}

void mg_unit_list_release(struct mg_unit_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}

void mg_unit_list_free_all(struct mg_unit_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		mg_unit_free(list->v[i]);
	mg_unit_list_release(list);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Loading a folder.  The file names come first, sorted: from the header
 * cache while the folder is unchanged, else listed; then workers take
 * the files by index (an atomic counter), so each file is
 * loaded once, into its own slot, by whichever thread gets to it.  Every
 * worker keeps the first error it met; as each takes indexes in rising
 * order, the error reported is the one of the first bad file by name,
 * whatever the threads' timing.
 */

/*
 * Heap faulted in up front, per unit of the folder: by the calling
 * thread (the names, later the graph), and shared among the workers (the
 * units).  A page faulted in one at a time costs ~10 us on the VMs we
 * measure, ~1 us in a batch (docs/internals.md).
 */
#define HEAP_MAIN_PER_UNIT 250
#define HEAP_WORKER_PER_UNIT 350

/* Folders smaller than this are loaded by the calling thread alone. */
#define LOAD_THREADS_MIN_FILES 64
#define LOAD_THREADS_MAX 8
#define LOAD_CHUNK 16

struct loader {
	const char *dir;
	int dfd;
	const char **names;            /* sorted */
	size_t n;
	struct mg_ucache *cache;       /* or NULL */
	struct mg_unit **units;        /* slot per name; NULL: skipped */
	size_t reserve;                /* heap each worker faults in first */
	void (*started)(void *);       /* or NULL */
	void *started_arg;
	atomic_size_t next;
	/* workers started before the names were read wait for them */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;
	struct worker *w;              /* w[0] is the calling thread */
	size_t running;                /* threads that started + 1 */
};

struct worker {
	struct loader *l;
	pthread_t thread;
	struct mg_slab *slab;  /* where its cached units go */
	size_t bad;        /* index of the first failed file, or SIZE_MAX */
	int rc;
	struct mg_error err;
};

/*
 * Read the open regular file fd (whose size st says) into a malloc'd
 * string.
 */
static int read_fd(int fd, const struct stat *st, const char *path,
		   char **out, size_t *len, struct mg_error *err)
{
	size_t cap = (size_t)st->st_size + 1, n = 0;
	char *text = mg_malloc(cap + 1);

	for (;;) {
		ssize_t got = read(fd, text + n, cap - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(text);
			return mg_error_set(err, MG_ECONFIG, path, 0,
					    "cannot read: %s", strerror(e));
		}
		if (got == 0)
			break;
		n += (size_t)got;
		/*
		 * A regular file read short, at the size fstat gave: that was
		 * the end, and the read that would return 0 is saved (one
		 * system call a unit).
		 */
		if (n < cap && n == (size_t)st->st_size)
			break;
		if (n == cap) { /* the file grew since fstat */
			cap *= 2;
			text = mg_realloc(text, cap + 1);
		}
	}
	text[n] = '\0';
	*out = text;
	*len = n;
	return MG_OK;
}

/*
 * Load file i: from the cache when its stat matches, else parse it.  The
 * unit keeps the stat it was loaded under, for the cache to save.
 */
static int load_one(struct loader *l, struct worker *w, size_t i,
		    struct mg_error *err)
{
	const char *name = l->names[i];
	char *path, *text = NULL;
	struct mg_ustat us;
	struct stat st;
	size_t len = 0;
	int fd, rc = MG_OK;

	if (l->cache) {
		/* gone or not a file: skipped, as readdir's */
		if (fstatat(l->dfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode))
			return MG_OK;
		mg_ustat_from(&us, &st);
		l->units[i] = mg_ucache_get(l->cache, i, l->dir, name, &us,
					    &w->slab);
		if (l->units[i])
			return MG_OK;
	}
	path = mg_path_join(l->dir, name);
	/* O_NONBLOCK: a FIFO named like a unit must not hang the load */
	fd = openat(l->dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			rc = mg_error_set(err, MG_ECONFIG, path, 0,
					  "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		goto out;
	}
	mg_ustat_from(&us, &st);
	rc = read_fd(fd, &st, path, &text, &len, err);
	close(fd);
	if (rc == MG_OK)
		rc = mg_unit_parse(&l->units[i], path, text, len, err);
	if (rc == MG_OK)
		l->units[i]->stat = us;
	free(text);
out:
	free(path);
	return rc;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct loader *l = w->l;
	/* errors after the first land here: 5 KiB, not cleared per file */
	struct mg_error e = MG_ERROR_INIT;
	size_t i, end;

	pthread_mutex_lock(&l->mu);
	while (!l->ready)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	mg_heap_reserve(l->reserve);
	/*
	 * Files are claimed LOAD_CHUNK at a time: one atomic add, and one
	 * thread writing a run of l->units, per chunk (with one a file, the
	 * threads write the counter's and the array's cache lines by turns).
	 */
	while ((i = atomic_fetch_add(&l->next, LOAD_CHUNK)) < l->n) {
		end = l->n - i < LOAD_CHUNK ? l->n : i + LOAD_CHUNK;
		for (; i < end; i++) {
			int rc = load_one(l, w, i, w->rc ? &e : &w->err);

			if (rc != MG_OK && !w->rc) {
				w->rc = rc;
				w->bad = i;
			}
		}
	}
	mg_slab_unref(w->slab); /* its units hold it from here on */
	return NULL;
}

/* One thread per CPU, at most LOAD_THREADS_MAX. */
static size_t cpu_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		return 1;
	return cpus > LOAD_THREADS_MAX ? LOAD_THREADS_MAX : (size_t)cpus;
}

/*
 * Start the workers of nw slots, the calling thread being worker 0; a
 * thread that cannot start is simply not there, the others take its
 * share.
 */
static void spawn(struct loader *l, size_t nw)
{
	size_t k;

	l->w = mg_calloc(nw, sizeof(*l->w));
	l->running = 1;
	for (k = 0; k < nw; k++) {
		l->w[k].l = l;
		l->w[k].bad = SIZE_MAX;
	}
	for (k = 1; k < nw; k++)
		if (pthread_create(&l->w[k].thread, NULL, work, &l->w[k]) == 0)
			l->running = k + 1;
		else
			break;
}

/* Let the workers go, work beside them; the first error by file order
 * goes to err. */
static int load_all(struct loader *l, struct mg_error *err)
{
	size_t k, bad = SIZE_MAX;
	int rc = MG_OK;

	l->reserve = l->n * HEAP_WORKER_PER_UNIT / l->running;
	pthread_mutex_lock(&l->mu);
	l->ready = 1;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	work(&l->w[0]);
	for (k = 1; k < l->running; k++)
		pthread_join(l->w[k].thread, NULL);
	for (k = 0; k < l->running; k++)
		if (l->w[k].rc && l->w[k].bad < bad) {
			bad = l->w[k].bad;
			rc = l->w[k].rc;
			*err = l->w[k].err;
		}
	free(l->w);
	return rc;
}

int mg_units_load_dir(struct mg_unit_list *out, const char *dir,
		      struct mg_error *err)
{
	return mg_units_load_dir_started(out, dir, NULL, NULL, err);
}

/*
 * The unit file names of the folder open at l->dfd, sorted, into
 * l->names: one block of storage (*store) for them all.
 */
static int list_names(struct loader *l, struct mg_buf *store,
		      struct mg_error *err)
{
	/* fdopendir takes the descriptor it is given: a copy */
	int fd = fcntl(l->dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	size_t *off = NULL, cap = 0, i;

	if (!d) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return mg_error_set(err, MG_ECONFIG, l->dir, 0,
				    "cannot read the units folder: %s",
				    strerror(e));
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!has_suffix(de->d_name, ".sql") &&
		    !has_suffix(de->d_name, ".c"))
			continue;
		mg_grow(&off, &cap, l->n + 1, sizeof(*off));
		off[l->n++] = store->len;
		mg_buf_add(store, de->d_name, strlen(de->d_name) + 1);
	}
	closedir(d);
	l->names = mg_calloc(l->n ? l->n : 1, sizeof(*l->names));
	for (i = 0; i < l->n; i++)
		l->names[i] = store->ptr + off[i];
	free(off);
	if (l->n)
		qsort(l->names, l->n, sizeof(*l->names), cmp_str);
	return MG_OK;
}

int mg_units_load_dir_started(struct mg_unit_list *out, const char *dir,
			      void (*started)(void *), void *arg,
			      struct mg_error *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct mg_buf store = MG_BUF_INIT;
	struct loader l;
	struct mg_ustat dus;
	struct stat dst;
	size_t i;
	int64_t start_ns;
	int rc = MG_OK, lrc, listed = 0, save = 0, have_dus;

	if (dfd < 0)
		return mg_error_set(err, MG_ECONFIG, dir, 0,
				    "cannot open the units folder: %s",
				    strerror(errno));
	memset(&l, 0, sizeof(l));
	l.dir = dir;
	l.dfd = dfd;
	l.started = started;
	l.started_arg = arg;
	pthread_mutex_init(&l.mu, NULL);
	pthread_cond_init(&l.cv, NULL);
	atomic_init(&l.next, 0);
	/*
	 * The caller's thread starts first thing, and so the workers, before
	 * it (pthread_create would wait for its dlopen); they wait for the
	 * names.  Without it, they start once the number of files is known.
	 */
	if (started) {
		spawn(&l, cpu_threads());
		started(arg);
	}
	start_ns = mg_ucache_now_ns();
	have_dus = fstat(dfd, &dst) == 0;
	if (have_dus)
		mg_ustat_from(&dus, &dst);
	l.cache = mg_ucache_open(dir);
	if (!have_dus || !mg_ucache_names(l.cache, &dus, &l.names, &l.n)) {
		rc = list_names(&l, &store, err);
		listed = 1;
	}
	mg_heap_reserve(l.n * HEAP_MAIN_PER_UNIT);
	l.units = mg_calloc(l.n ? l.n : 1, sizeof(*l.units));
	if (!started)
		spawn(&l, l.n < LOAD_THREADS_MIN_FILES ? 1 : cpu_threads());
	if (rc != MG_OK)
		l.n = 0; /* the workers, let go, find nothing to do */
	lrc = load_all(&l, err);
	if (rc == MG_OK)
		rc = lrc;
	/*
	 * Saved when a unit was parsed, or when the folder was listed (it
	 * changed, or was not recorded yet).
	 */
	for (i = 0; i < l.n; i++)
		save |= l.units[i] && !l.units[i]->slab;
	if (rc == MG_OK && (save || listed))
		mg_ucache_save(l.cache, have_dus ? &dus : NULL, l.names,
			       l.units, l.n, start_ns);
	for (i = 0; i < l.n; i++)
		if (l.units[i])
			mg_unit_list_push(out, l.units[i]);
	close(dfd);
	mg_ucache_free(l.cache);
	free(l.names);
	mg_buf_release(&store);
	free(l.units);
	pthread_cond_destroy(&l.cv);
	pthread_mutex_destroy(&l.mu);
	return rc;
}
