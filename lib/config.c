/*
 * config.c - migrate.ini, DATABASE_URL, --url and -x into a struct
 * mg_config; database URLs taken apart and masked.
 *
 * The ini file is read with inih.  Only [migrate] matters; other sections
 * (an Alembic-style file may hold [loggers] and the like) are skipped, but
 * an unknown key inside [migrate] is an error, since it is nearly always a
 * typo.  Values get configparser's interpolation, limited to %(here)s and
 * %%.  The environment is never read here: cmd/ passes it in
 * struct mg_config_opts.
 *
 * This file does not connect, and does not check that script_location
 * exists: the unit loader says so when it reads the folder.
 */
#include "mg.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_URL "sqlite:///./dev.db"

/* ------------------------------------------------------------------ */
/* Secrets                                                              */

/* Characters that end a URL inside free text such as a libpq message. */
static int ends_url(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '"' || c == '\'' || c == '<' || c == '>';
}

static const char *last_char_in(const char *a, const char *e, char c)
{
	const char *found = NULL;

	for (; a < e; a++)
		if (*a == c)
			found = a;
	return found;
}

static const char *first_char_in(const char *a, const char *e, char c)
{
	for (; a < e; a++)
		if (*a == c)
			return a;
	return e;
}

/*
 * The '@' that ends the userinfo of the URL whose authority starts at a
 * (the URL ends at e), or NULL.  libpq takes the first '@' before the
 * first '/'; taking the last one masks a password holding an unencoded
 * '@'.  A password holding an unencoded '/' has no '@' before the first
 * '/': then the last '@' before any '?' is taken.
 */
static const char *userinfo_end(const char *a, const char *e)
{
	const char *at = last_char_in(a, first_char_in(a, e, '/'), '@');

	if (!at)
		at = last_char_in(a, first_char_in(a, e, '?'), '@');
	return at;
}

/* Does "password=" start at p, at the start of a word? */
static int is_password_param(const char *text, const char *p)
{
	char b;

	if (strncasecmp(p, "password=", 9) != 0)
		return 0;
	if (p == text)
		return 1;
	b = p[-1];
	return !((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
		 (b >= '0' && b <= '9') || b == '_');
}

/*
 * Where the value of a password= parameter at v ends: a quoted conninfo
 * value ('...' with backslash escapes) up to its closing quote, anything
 * else up to '&' or white space or a quote.
 */
static const char *param_value_end(const char *v)
{
	if (*v == '\'') {
		for (v++; *v && *v != '\''; v++)
			if (*v == '\\' && v[1])
				v++;
		return v;
	}
	while (*v && *v != '&' && !ends_url(*v))
		v++;
	return v;
}

/* Mask URL passwords and password= values; the literal pass is apart. */
static char *mask_structured(const char *text)
{
	struct mg_buf b = MG_BUF_INIT;
	const char *p = text, *a, *e, *at, *colon, *v, *ve;

	while (*p) {
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			a = p + 3;
			for (e = a; !ends_url(*e); e++)
				;
			at = userinfo_end(a, e);
			colon = at ? first_char_in(a, at, ':') : NULL;
			if (colon && colon != at && colon + 1 != at) {
				mg_buf_add(&b, p, (size_t)(colon + 1 - p));
				mg_buf_puts(&b, "***");
				p = at;
				continue;
			}
			mg_buf_add(&b, p, 3);
			p = a;
			continue;
		}
		if (is_password_param(text, p)) {
			v = p + 9;
			ve = param_value_end(v);
			if (*v == '\'') {
				mg_buf_add(&b, p, 10);
				mg_buf_puts(&b, "***");
				p = ve;
				continue;
			}
			if (ve != v) {
				mg_buf_add(&b, p, 9);
				mg_buf_puts(&b, "***");
				p = ve;
				continue;
			}
		}
		mg_buf_putc(&b, *p++);
	}
	return mg_buf_detach(&b);
}

/*
 * A malloc'd copy of text with every URL userinfo password, every
 * password=VALUE (URL query or conninfo) and every occurrence of
 * `password` (when non-empty) replaced by ***.
 */
char *mg_mask_secrets(const char *text, const char *password)
{
	struct mg_buf b = MG_BUF_INIT;
	char *masked = mask_structured(text ? text : "");
	const char *p, *hit;
	size_t n;

	if (!password || !password[0])
		return masked;
	n = strlen(password);
	for (p = masked; (hit = strstr(p, password)) != NULL; p = hit + n) {
		mg_buf_add(&b, p, (size_t)(hit - p));
		mg_buf_puts(&b, "***");
	}
	mg_buf_puts(&b, p);
	free(masked);
	return mg_buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* Database URLs                                                        */

static const char *const pg_schemes[] = {
	"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg",
};

static const char *const sqlite_schemes[] = { "sqlite", "sqlite+pysqlite" };

static int scheme_in(const char *s, size_t n, const char *const *list,
		     size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0)
			return 1;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s into a malloc'd string; NULL on bad or %00 escapes. */
static char *percent_decode(const char *s)
{
	struct mg_buf b = MG_BUF_INIT;
	int hi, lo;

	for (; *s; s++) {
		if (*s != '%') {
			mg_buf_putc(&b, *s);
			continue;
		}
		hi = hex_value(s[1]);
		lo = hi < 0 ? -1 : hex_value(s[2]);
		if (lo < 0 || (hi == 0 && lo == 0)) {
			mg_buf_release(&b);
			return NULL;
		}
		mg_buf_putc(&b, (char)(hi * 16 + lo));
		s += 2;
	}
	return mg_buf_detach(&b);
}

/* The part after "sqlite://": "" or "/" + a path, as SQLAlchemy takes it. */
static int parse_sqlite(struct mg_url *url, const char *rest,
			struct mg_error *err)
{
	if (rest[0] == '\0' || strcmp(rest, "/") == 0 ||
	    strcmp(rest, "/:memory:") == 0) {
		url->path = mg_strdup(":memory:");
		return MG_OK;
	}
	if (rest[0] != '/')
		return mg_error_set(err, MG_ECONFIG, NULL, 0,
				    "unsupported database URL '%s': a sqlite "
				    "URL names no host (write "
				    "sqlite:///relative.db or "
				    "sqlite:////absolute.db)", url->masked);
	if (strchr(rest, '?'))
		return mg_error_set(err, MG_ECONFIG, NULL, 0,
				    "unsupported database URL '%s': query "
				    "parameters are not supported for sqlite",
				    url->masked);
	url->path = percent_decode(rest + 1);
	if (!url->path)
		return mg_error_set(err, MG_ECONFIG, NULL, 0,
				    "unsupported database URL '%s': bad "
				    "percent-encoding in the path",
				    url->masked);
	return MG_OK;
}

/*
 * Take a URL apart.  On error url holds nothing (all NULL) and err says
 * "unsupported database URL '<masked>'".
 */
int mg_url_parse(struct mg_url *url, const char *text, struct mg_error *err)
{
	const char *sep;
	size_t n;
	int rc = MG_OK;

	memset(url, 0, sizeof(*url));
	url->masked = mg_mask_secrets(text, NULL);
	sep = text ? strstr(text, "://") : NULL;
	n = sep ? (size_t)(sep - text) : 0;
	if (sep && scheme_in(text, n, pg_schemes, MG_ARRAY_SIZE(pg_schemes))) {
		url->dialect = MG_DIALECT_PG;
		url->conninfo = mg_asprintf("postgresql://%s", sep + 3);
	} else if (sep && scheme_in(text, n, sqlite_schemes,
				    MG_ARRAY_SIZE(sqlite_schemes))) {
		url->dialect = MG_DIALECT_SQLITE;
		rc = parse_sqlite(url, sep + 3, err);
	} else {
		rc = mg_error_set(err, MG_ECONFIG, NULL, 0,
				  "unsupported database URL '%s'", url->masked);
	}
	if (rc != MG_OK)
		mg_url_release(url);
	return rc;
}

void mg_url_release(struct mg_url *url)
{
	free(url->conninfo);
	free(url->path);
	free(url->masked);
	memset(url, 0, sizeof(*url));
}

/* ------------------------------------------------------------------ */
/* Values                                                               */

enum key {
	K_SCRIPT_LOCATION,
	K_URL,
	K_VERSION_TABLE,
	K_VERSION_TABLE_SCHEMA,
	K_HISTORY_TABLE,
	K_TXN_PER_MIGRATION,
	K_LOCK_TIMEOUT,
	K_STATEMENT_TIMEOUT,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_SCRIPT_LOCATION] = "script_location",
	[K_URL] = "url",
	[K_VERSION_TABLE] = "version_table",
	[K_VERSION_TABLE_SCHEMA] = "version_table_schema",
	[K_HISTORY_TABLE] = "history_table",
	[K_TXN_PER_MIGRATION] = "transaction_per_migration",
	[K_LOCK_TIMEOUT] = "lock_timeout",
	[K_STATEMENT_TIMEOUT] = "statement_timeout",
};

/* Key names compare as configparser's do: without regard to case. */
static int find_key(const char *name, size_t n)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (strlen(key_names[k]) == n &&
		    strncasecmp(name, key_names[k], n) == 0)
			return k;
	return -1;
}

/* Everything read so far, before it becomes a struct mg_config. */
struct loader {
	const char *path;    /* the ini file, for messages */
	const char *here;    /* its folder, absolute */
	struct mg_error *err;
	unsigned line;       /* line inih is on (set by the reader) */
	int failed;          /* the handler filled err */
	int seen[K_COUNT];   /* keys the ini file set */
	char *str[K_COUNT];  /* string values; NULL: default */
	unsigned url_line;   /* line of url in the ini, 0 for -x */
	int txn;
	unsigned lock_ms, stmt_ms;
};

/* true/false, yes/no, on/off, 1/0, any case. */
static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < MG_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * 500ms, 60s, 2m, 1h, or a bare count of seconds, into milliseconds.
 * Returns 0, or -1 with *why set.
 */
static int parse_duration(const char *v, unsigned *ms, const char **why)
{
	unsigned long long n = 0, mult;
	const char *p = v;

	*why = "invalid duration (expected e.g. 500ms, 60s, 2m or 1h)";
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n > UINT_MAX)
			break;
	}
	while (*p >= '0' && *p <= '9')
		p++;
	if (strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "s") == 0 || *p == '\0')
		mult = 1000;
	else if (strcmp(p, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		mult = 60 * 60 * 1000;
	else
		return -1;
	if (n > UINT_MAX || n * mult > UINT_MAX) {
		*why = "duration out of range (at most 4294967295ms, "
		       "about 49 days)";
		return -1;
	}
	*ms = (unsigned)(n * mult);
	return 0;
}

/* Check value v for key k and keep it.  Returns 0, or -1 with *why set. */
static int set_value(struct loader *ld, int k, const char *v,
		     const char **why)
{
	switch (k) {
	case K_SCRIPT_LOCATION:
		if (!v[0]) {
			*why = "must not be empty";
			return -1;
		}
		break;
	case K_URL:
		break; /* checked once chosen: an overridden one may be bad */
	case K_VERSION_TABLE:
	case K_HISTORY_TABLE:
		if (!mg_is_plain_ident(v)) {
			*why = "must be a plain SQL identifier";
			return -1;
		}
		break;
	case K_VERSION_TABLE_SCHEMA:
		if (v[0] && !mg_is_plain_ident(v)) {
			*why = "must be a plain SQL identifier";
			return -1;
		}
		break;
	case K_TXN_PER_MIGRATION:
		if (parse_bool(v, &ld->txn) != 0) {
			*why = "must be true or false (or yes/no, on/off, 1/0)";
			return -1;
		}
		return 0;
	case K_LOCK_TIMEOUT:
		return parse_duration(v, &ld->lock_ms, why);
	case K_STATEMENT_TIMEOUT:
		if (!v[0]) {
			ld->stmt_ms = 0;
			return 0;
		}
		return parse_duration(v, &ld->stmt_ms, why);
	}
	free(ld->str[k]);
	ld->str[k] = v[0] || k == K_URL ? mg_strdup(v) : NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The ini file                                                         */

/*
 * configparser's interpolation, reduced to what Alembic provides:
 * %(here)s is the ini file's folder, %% a literal %.  Fills err (line
 * 0: the caller knows it) and returns -1 on anything else.
 */
static int expand(struct loader *ld, int k, const char *v, char **out)
{
	struct mg_buf b = MG_BUF_INIT;
	const char *close;

	for (; *v; v++) {
		if (*v != '%') {
			mg_buf_putc(&b, *v);
			continue;
		}
		if (v[1] == '%') {
			mg_buf_putc(&b, '%');
			v++;
			continue;
		}
		close = v[1] == '(' ? strchr(v + 2, ')') : NULL;
		if (!close || close[1] != 's') {
			mg_error_set(ld->err, MG_ECONFIG, ld->path, ld->line,
				     "invalid '%%' in value of %s: write "
				     "'%%%%' for a literal '%%'", key_names[k]);
			goto fail;
		}
		if ((size_t)(close - v - 2) != 4 ||
		    strncasecmp(v + 2, "here", 4) != 0) {
			mg_error_set(ld->err, MG_ECONFIG, ld->path, ld->line,
				     "unknown interpolation '%.*s' in value of "
				     "%s: only %%(here)s is defined",
				     (int)(close + 2 - v), v, key_names[k]);
			goto fail;
		}
		mg_buf_puts(&b, ld->here);
		v = close + 1;
	}
	*out = mg_buf_detach(&b);
	return 0;
fail:
	mg_buf_release(&b);
	return -1;
}

/* Is the line inih is on indented (a configparser continuation line)? */
static int line_indented(const struct mg_buf *text)
{
	const char *s = mg_buf_str(text);

	return s[0] == ' ' || s[0] == '\t';
}

/* inih's reader: fgets that counts lines and keeps the current one. */
struct reader {
	FILE *f;
	struct loader *ld;
	int at_bol;          /* the next read starts a new line */
	struct mg_buf text;  /* the current line, as far as read */
};

static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t n;

	if (!fgets(str, num, r->f))
		return NULL;
	if (r->at_bol) {
		r->ld->line++;
		mg_buf_reset(&r->text);
	}
	n = strlen(str);
	mg_buf_add(&r->text, str, n);
	r->at_bol = n && str[n - 1] == '\n';
	return str;
}

struct handler_ctx {
	struct loader *ld;
	struct reader *rd;
};

/* inih's callback: one key = value.  Returning 0 stops the parse. */
static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct handler_ctx *hc = user;
	struct loader *ld = hc->ld;
	char *v = NULL, *shown;
	const char *why;
	int k;

	if (ld->failed)
		return 0;
	if (!section[0]) {
		mg_error_set(ld->err, MG_ECONFIG, ld->path, ld->line,
			     "key '%s' outside any section: put it under "
			     "[migrate]", name);
		goto fail;
	}
	if (strcmp(section, "migrate") != 0)
		return 1;
	k = find_key(name, strlen(name));
	if (k < 0) {
		mg_error_set(ld->err, MG_ECONFIG, ld->path, ld->line,
			     "unknown key '%s' in [migrate]", name);
		goto fail;
	}
	if (ld->seen[k]) {
		if (line_indented(&hc->rd->text))
			mg_error_set(ld->err, MG_ECONFIG, ld->path, ld->line,
				     "indented line continues the value of "
				     "'%s': values must fit on one line",
				     key_names[k]);
		else
			mg_error_set(ld->err, MG_ECONFIG, ld->path, ld->line,
				     "duplicate key '%s' in [migrate]",
				     key_names[k]);
		goto fail;
	}
	ld->seen[k] = 1;
	if (expand(ld, k, value, &v) != 0)
		goto fail;
	if (set_value(ld, k, v, &why) != 0) {
		shown = mg_mask_secrets(v, NULL);
		mg_error_set(ld->err, MG_ECONFIG, ld->path, ld->line,
			     "invalid value '%s' for %s: %s", shown,
			     key_names[k], why);
		free(shown);
		goto fail;
	}
	if (k == K_URL)
		ld->url_line = ld->line;
	free(v);
	return 1;
fail:
	free(v);
	ld->failed = 1;
	return 0;
}

/*
 * inih settings for one parse.  Debian's libinih makes its compile-time
 * options run-time variables: lines of any length (a heap buffer that
 * grows), and a stop at the first error so its line is the one reported.
 */
struct ini_settings {
	bool use_stack, allow_realloc, stop_on_first_error;
	int max_line;
};

static void ini_settings_swap(struct ini_settings *s)
{
	struct ini_settings old = {
		ini_use_stack, ini_allow_realloc, ini_stop_on_first_error,
		ini_max_line
	};

	ini_use_stack = s->use_stack;
	ini_allow_realloc = s->allow_realloc;
	ini_stop_on_first_error = s->stop_on_first_error;
	ini_max_line = s->max_line;
	*s = old;
}

/* Read the [migrate] section of the open file f into ld. */
static int read_ini(struct loader *ld, FILE *f)
{
	struct reader rd = { f, ld, 1, MG_BUF_INIT };
	struct handler_ctx hc = { ld, &rd };
	struct ini_settings set = { false, true, true, 1 << 20 };
	const char *s;
	int ret;

	ini_settings_swap(&set);
	ret = ini_parse_stream(read_line, &rd, on_key, &hc);
	ini_settings_swap(&set);
	s = mg_buf_str(&rd.text);
	while (*s == ' ' || *s == '\t')
		s++;
	if (ld->failed) {
		ret = MG_ECONFIG;
	} else if (ferror(f)) {
		ret = mg_error_set(ld->err, MG_ECONFIG, NULL, 0,
				   "cannot read config file '%s': %s",
				   ld->path, strerror(errno));
	} else if (ret > 0 && *s == '[') {
		ret = mg_error_set(ld->err, MG_ECONFIG, ld->path,
				   (unsigned)ret,
				   "invalid section header: missing ']'");
	} else if (ret > 0) {
		ret = mg_error_set(ld->err, MG_ECONFIG, ld->path,
				   (unsigned)ret,
				   "invalid line: expected 'key = value' or "
				   "'[section]'");
	} else if (ret < 0) {
		ret = mg_error_set(ld->err, MG_ECONFIG, NULL, 0,
				   "cannot read config file '%s': out of "
				   "memory", ld->path);
	}
	mg_buf_release(&rd.text);
	return ret;
}

/*
 * Open the config file.  With must_exist 0, a missing file is no error:
 * *out is NULL.
 */
static int open_ini(const char *path, int must_exist, FILE **out,
		    struct mg_error *err)
{
	struct stat st;
	FILE *f;

	*out = NULL;
	f = fopen(path, "r");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return MG_OK;
		return mg_error_set(err, MG_ECONFIG, NULL, 0,
				    "cannot open config file '%s': %s", path,
				    strerror(errno));
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return mg_error_set(err, MG_ECONFIG, NULL, 0,
				    "cannot read config file '%s': %s", path,
				    strerror(EISDIR));
	}
	*out = f;
	return MG_OK;
}

/* ------------------------------------------------------------------ */
/* Paths                                                                */

/* The current directory, malloc'd, or NULL with err set. */
static char *current_dir(struct mg_error *err)
{
	size_t n = 256;
	char *buf = NULL;

	for (;;) {
		buf = mg_realloc(buf, n);
		if (getcwd(buf, n))
			return buf;
		if (errno != ERANGE)
			break;
		n *= 2;
	}
	mg_error_set(err, MG_ECONFIG, NULL, 0,
		     "cannot get the current directory: %s", strerror(errno));
	free(buf);
	return NULL;
}

/*
 * The absolute folder of file `path`, with "." and ".." folded away
 * lexically (as Python's os.path.abspath, which Alembic uses for here).
 */
static char *abs_dir(const char *path, const char *cwd)
{
	const char *slash = strrchr(path, '/');
	struct mg_buf in = MG_BUF_INIT, out = MG_BUF_INIT;
	const char *p, *seg;
	size_t n;

	if (path[0] != '/')
		mg_buf_puts(&in, cwd);
	mg_buf_putc(&in, '/');
	if (slash)
		mg_buf_add(&in, path, (size_t)(slash - path));
	for (p = mg_buf_str(&in); *p;) {
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out.len && out.ptr[out.len - 1] != '/')
				out.len--;
			if (out.len)
				out.len--;
			if (out.ptr)
				out.ptr[out.len] = '\0';
			continue;
		}
		mg_buf_putc(&out, '/');
		mg_buf_add(&out, seg, n);
	}
	mg_buf_release(&in);
	if (!out.len)
		mg_buf_puts(&out, "/");
	return mg_buf_detach(&out);
}

/* ------------------------------------------------------------------ */
/* -x key=value                                                         */

static int apply_xargs(struct loader *ld, const struct mg_config_opts *opts,
		       struct mg_error *err)
{
	const char *arg, *eq, *why;
	char *shown;
	size_t i;
	int k, rc = MG_OK;

	for (i = 0; i < opts->nxargs && rc == MG_OK; i++) {
		arg = opts->xargs[i];
		eq = strchr(arg, '=');
		k = eq ? find_key(arg, (size_t)(eq - arg)) : -1;
		shown = mg_mask_secrets(arg, NULL);
		if (!eq) {
			rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
					  "-x %s: expected key=value", shown);
		} else if (k < 0) {
			rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
					  "-x %s: unknown key '%.*s'", shown,
					  (int)(eq - arg), arg);
		} else if (set_value(ld, k, eq + 1, &why) != 0) {
			rc = mg_error_set(err, MG_ECONFIG, NULL, 0,
					  "-x %s: %s", shown, why);
		} else if (k == K_URL) {
			ld->url_line = 0;
		}
		free(shown);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Putting it together                                                  */

/* Pick the URL by precedence and check it. */
static int choose_url(struct mg_config *cfg, struct loader *ld,
		      const struct mg_config_opts *opts, struct mg_error *err)
{
	struct mg_url url;
	const char *text, *from = NULL;
	int rc;

	if (opts->url_flag) {
		text = opts->url_flag;
		cfg->url_source = MG_URL_FROM_FLAG;
		from = " (from --url)";
	} else if (opts->env_url && opts->env_url[0]) {
		text = opts->env_url;
		cfg->url_source = MG_URL_FROM_ENV;
		from = " (from DATABASE_URL)";
	} else if (ld->str[K_URL]) {
		text = ld->str[K_URL];
		cfg->url_source = MG_URL_FROM_INI;
		if (!ld->url_line)
			from = " (from -x url)";
	} else {
		text = DEFAULT_URL;
		cfg->url_source = MG_URL_FROM_DEFAULT;
	}
	rc = mg_url_parse(&url, text, err);
	mg_url_release(&url);
	if (rc != MG_OK) {
		if (from) {
			size_t n = strlen(err->msg);

			snprintf(err->msg + n, sizeof(err->msg) - n, "%s",
				 from);
		} else {
			snprintf(err->file, sizeof(err->file), "%s", ld->path);
			err->line = ld->url_line;
		}
		return rc;
	}
	cfg->url = mg_strdup(text);
	return MG_OK;
}

/*
 * script_location, relative to here.  When here is the current folder a
 * relative value stays relative, so that messages name
 * versions/0001_x.sql rather than a long absolute path.
 */
static char *resolve_script_location(const char *value, const char *here,
				     const char *cwd)
{
	if (value[0] == '/' || strcmp(here, cwd) == 0)
		return mg_strdup(value);
	return mg_path_join(here, value);
}

int mg_config_load(struct mg_config *cfg, const struct mg_config_opts *opts,
		   struct mg_error *err)
{
	struct loader ld;
	const char *path = NULL;
	char *cwd = NULL, *here = NULL;
	FILE *f = NULL;
	int rc, k;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ld, 0, sizeof(ld));
	ld.err = err;
	ld.lock_ms = 60 * 1000;

	cwd = current_dir(err);
	if (!cwd)
		return MG_ECONFIG;
	if (opts->config_path) {
		path = opts->config_path;
		rc = open_ini(path, 1, &f, err);
	} else if (opts->env_config && opts->env_config[0]) {
		path = opts->env_config;
		rc = open_ini(path, 1, &f, err);
	} else {
		path = "migrate.ini";
		rc = open_ini(path, 0, &f, err);
	}
	if (rc != MG_OK)
		goto out;
	if (!f)
		path = NULL;
	here = path ? abs_dir(path, cwd) : mg_strdup(cwd);
	ld.path = path;
	ld.here = here;
	if (f) {
		rc = read_ini(&ld, f);
		if (rc != MG_OK)
			goto out;
	}
	rc = apply_xargs(&ld, opts, err);
	if (rc != MG_OK)
		goto out;
	rc = choose_url(cfg, &ld, opts, err);
	if (rc != MG_OK)
		goto out;

	cfg->path = path ? mg_strdup(path) : NULL;
	cfg->here = here;
	here = NULL;
	cfg->script_location = resolve_script_location(
		ld.str[K_SCRIPT_LOCATION] ? ld.str[K_SCRIPT_LOCATION]
					  : "versions",
		cfg->here, cwd);
	cfg->version_table = mg_strdup(ld.str[K_VERSION_TABLE]
				       ? ld.str[K_VERSION_TABLE]
				       : "alembic_version");
	cfg->version_table_schema = ld.str[K_VERSION_TABLE_SCHEMA];
	ld.str[K_VERSION_TABLE_SCHEMA] = NULL;
	cfg->history_table = mg_strdup(ld.str[K_HISTORY_TABLE]
				       ? ld.str[K_HISTORY_TABLE]
				       : "migrate_history");
	cfg->transaction_per_migration = ld.txn;
	cfg->lock_timeout_ms = ld.lock_ms;
	cfg->statement_timeout_ms = ld.stmt_ms;
out:
	if (f)
		fclose(f);
	for (k = 0; k < K_COUNT; k++)
		free(ld.str[k]);
	free(here);
	free(cwd);
	if (rc != MG_OK)
		mg_config_release(cfg);
	return rc;
}

void mg_config_release(struct mg_config *cfg)
{
	free(cfg->path);
	free(cfg->here);
	free(cfg->script_location);
	free(cfg->url);
	free(cfg->version_table);
	free(cfg->version_table_schema);
	free(cfg->history_table);
	memset(cfg, 0, sizeof(*cfg));
}
