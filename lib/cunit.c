/*
 * cunit.c - C migration units: loading their compiled objects and the
 * unit API of include/migrate_unit.h.
 *
 * A unit versions/NNNN_x.c is compiled (by `migrate build`, cmd/build.c)
 * to versions/NNNN_x.so, which exports `upgrade`, `downgrade` and
 * `migrate_unit_sha256`, the SHA-256 of the source it was built from.
 * Loading checks that checksum against the source file as it is now, so
 * an object built from an older version of the unit never runs.
 *
 * The migrate_* functions below are the unit API.  The migrate program
 * is linked with -rdynamic, so they are in its dynamic symbol table and
 * the object's references to them are bound when it is loaded: a unit
 * links against nothing.
 *
 * Failures inside a unit are sticky.  The first failed statement (or
 * migrate_fail) is remembered; every later call fails at once without
 * touching the database; and the unit fails whatever it returns.  On
 * PostgreSQL the transaction is unusable after a failed statement
 * anyway, and on SQLite carrying on would commit half a unit's work.
 *
 * This file does not compile anything and does not print.
 */
#include "mg.h"
#include "cunit.h"
#include "migrate_unit.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

typedef int (*unit_fn)(migrate_ctx *ctx);

struct mg_cunit {
	const struct mg_unit *u;
	char *obj;     /* the object's path, as shown to users */
	void *handle;  /* dlopen's */
	unit_fn up;
	unit_fn down;
};

/* What a unit function runs against; lives for one mg_cunit_run. */
struct migrate_ctx {
	const struct mg_db_ops *ops;
	struct mg_db *db;
	enum mg_dialect dialect;
	const struct mg_hooks *hooks;
	const struct mg_unit *u;
	int failed;    /* a call failed or migrate_fail was called */
	char *fail;    /* the unit's own message (migrate_fail), or NULL */
	char *dbmsg;   /* the first database error, or NULL */
	char *stmt;    /* the statement it came from, shortened */
};

/* "dir/NNNN_x.c" -> "dir/NNNN_x.so" (malloc'd) */
static char *object_path(const char *src)
{
	size_t n = strlen(src);

	if (n > 2 && !strcmp(src + n - 2, ".c"))
		n -= 2;
	return mg_asprintf("%.*s.so", (int)n, src);
}

static int load_error(struct mg_cunit *c, struct mg_error *err,
		      const char *fmt, ...) MG_PRINTF(3, 4);

static int load_error(struct mg_cunit *c, struct mg_error *err,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mg_error_vset(err, MG_ECONFIG, c->u->path, 0, fmt, ap);
	va_end(ap);
	mg_cunit_close(c);
	return MG_ECONFIG;
}

/*
 * dlsym for a function.  POSIX guarantees a function's address converts
 * through void *; memcpy says so without the cast ISO C frowns on.
 */
static unit_fn find_fn(void *handle, const char *name)
{
	void *sym = dlsym(handle, name);
	unit_fn fn = NULL;

	if (sym)
		memcpy(&fn, &sym, sizeof(fn));
	return fn;
}

int mg_cunit_open(struct mg_cunit **out, const struct mg_unit *u,
		  struct mg_error *err)
{
	struct mg_cunit *c = mg_calloc(1, sizeof(*c));
	const char *recorded;
	char hex[65], *load;
	struct stat st;

	*out = NULL;
	c->u = u;
	c->obj = object_path(u->path);
	if (stat(c->obj, &st) != 0) {
		if (errno == ENOENT)
			return load_error(c, err,
				"not compiled (%s missing); run 'migrate "
				"build' (needs a C compiler) or ship the .so "
				"with the build", c->obj);
		return load_error(c, err, "cannot read compiled object "
				  "'%s': %s", c->obj, strerror(errno));
	}
	/* a path without a slash would send dlopen searching the system */
	load = strchr(c->obj, '/') ? mg_strdup(c->obj) :
				     mg_asprintf("./%s", c->obj);
	dlerror();
	c->handle = dlopen(load, RTLD_NOW | RTLD_LOCAL);
	free(load);
	if (!c->handle) {
		const char *why = dlerror();

		return load_error(c, err, "cannot load compiled object "
				  "'%s': %s", c->obj, why ? why : "unknown "
				  "dlopen error");
	}
	if (mg_unit_sha256_hex(u, hex, err) != MG_OK) {
		mg_cunit_close(c);
		return MG_ECONFIG;
	}
	recorded = dlsym(c->handle, "migrate_unit_sha256");
	if (!recorded)
		return load_error(c, err,
			"compiled object %s records no source checksum (it "
			"was not built by 'migrate build'); run 'migrate "
			"build --force'", c->obj);
	if (strncmp(recorded, hex, sizeof(hex)))
		return load_error(c, err,
			"compiled object %s was built from another version "
			"of this file; run 'migrate build'", c->obj);
	c->up = find_fn(c->handle, "upgrade");
	c->down = find_fn(c->handle, "downgrade");
	if (!c->up || !c->down)
		return load_error(c, err,
			"cannot load compiled object %s: it defines no "
			"'%s' function (a C unit defines int upgrade"
			"(migrate_ctx *) and int downgrade(migrate_ctx *))",
			c->obj, c->up ? "downgrade" : "upgrade");
	*out = c;
	return MG_OK;
}

void mg_cunit_close(struct mg_cunit *c)
{
	if (!c)
		return;
	if (c->handle)
		dlclose(c->handle);
	free(c->obj);
	free(c);
}

/* ------------------------------------------------------------------ */
/* The unit API                                                         */

static char *vformat(const char *fmt, va_list ap) MG_PRINTF(1, 0);

static char *vformat(const char *fmt, va_list ap)
{
	va_list again;
	char *s;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return mg_strdup(fmt);
	s = mg_malloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* The statement for an error message: one line, at most 200 bytes. */
static char *shorten(const char *sql)
{
	struct mg_buf b = MG_BUF_INIT;
	int space = 0;

	for (; *sql && b.len < 200; sql++) {
		if (*sql == ' ' || *sql == '\t' || *sql == '\n' ||
		    *sql == '\r') {
			space = b.len > 0;
			continue;
		}
		if (space)
			mg_buf_putc(&b, ' ');
		space = 0;
		mg_buf_putc(&b, *sql);
	}
	if (*sql)
		mg_buf_puts(&b, "...");
	return mg_buf_detach(&b);
}

/* Remember a failed call (the first one only); returns non-zero. */
static int db_failed(migrate_ctx *ctx, const char *sql,
		     const struct mg_error *e)
{
	if (!ctx->dbmsg) {
		ctx->dbmsg = mg_strdup(e->msg[0] ? e->msg :
				       "unknown database error");
		ctx->stmt = sql ? shorten(sql) : NULL;
	}
	ctx->failed = 1;
	return -1;
}

/* A call the unit got wrong (NULL SQL, a negative count, ...). */
static int misuse(migrate_ctx *ctx, const char *fmt, ...) MG_PRINTF(2, 3);

static int misuse(migrate_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->fail) {
		va_start(ap, fmt);
		ctx->fail = vformat(fmt, ap);
		va_end(ap);
	}
	ctx->failed = 1;
	return -1;
}

static int check_params(migrate_ctx *ctx, const char *fn, const char *sql,
			int n, const char *const *values)
{
	if (!sql)
		return misuse(ctx, "%s() called with no SQL (NULL)", fn);
	if (n < 0 || (n > 0 && !values))
		return misuse(ctx, "%s() called with %d parameters and %s "
			      "values", fn, n, values ? "some" : "no (NULL)");
	return 0;
}

int migrate_exec(migrate_ctx *ctx, const char *sql)
{
	struct mg_error e = MG_ERROR_INIT;
	struct mg_stmt_list list = { NULL, 0, 0 };
	size_t n = 0;

	if (!ctx)
		return -1;
	if (ctx->failed)
		return -1;
	if (!sql)
		return misuse(ctx, "migrate_exec() called with no SQL (NULL)");
	/*
	 * One statement per call, on both databases: SQLite's prepare would
	 * stop at the first, and PostgreSQL's simple protocol (db_pg.c) would
	 * run them all.  Text the splitter rejects goes on to the database,
	 * which says what is wrong with it.
	 */
	if (mg_sql_split(sql, strlen(sql), ctx->dialect, NULL, 1, &list,
			 NULL) == MG_OK)
		n = list.n;
	mg_stmt_list_release(&list);
	if (n > 1) {
		mg_error_set(&e, MG_EUNIT, NULL, 0,
			     "migrate_exec() runs one statement and this SQL "
			     "holds %zu: call it once for each", n);
		return db_failed(ctx, sql, &e);
	}
	if (ctx->ops->exec(ctx->db, sql, strlen(sql), NULL, &e) != MG_OK)
		return db_failed(ctx, sql, &e);
	return 0;
}

int migrate_exec_params(migrate_ctx *ctx, const char *sql, int n,
			const char *const *values)
{
	struct mg_error e = MG_ERROR_INIT;

	if (!ctx)
		return -1;
	if (ctx->failed ||
	    check_params(ctx, "migrate_exec_params", sql, n, values))
		return -1;
	if (ctx->ops->exec_params(ctx->db, sql, n, values, &e) != MG_OK)
		return db_failed(ctx, sql, &e);
	return 0;
}

int migrate_query(migrate_ctx *ctx, const char *sql, int n,
		  const char *const *values,
		  int (*row)(void *user, int ncols, const char *const *cols),
		  void *user)
{
	struct mg_error e = MG_ERROR_INIT;

	if (!ctx)
		return -1;
	if (ctx->failed || check_params(ctx, "migrate_query", sql, n, values))
		return -1;
	if (!row)
		return misuse(ctx, "migrate_query() called with no row "
			      "function (NULL)");
	if (ctx->ops->query(ctx->db, sql, n, values, row, user, &e) != MG_OK)
		return db_failed(ctx, sql, &e);
	/* a call made from inside `row` may have failed */
	return ctx->failed ? -1 : 0;
}

const char *migrate_dialect(const migrate_ctx *ctx)
{
	if (!ctx)
		return "";
	return mg_dialect_name(ctx->dialect);
}

void migrate_log(migrate_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *text, *line, *nl;

	if (!ctx || !fmt || !ctx->hooks || !ctx->hooks->info)
		return;
	va_start(ap, fmt);
	text = vformat(fmt, ap);
	va_end(ap);
	/* one info line per line of text */
	for (line = text; line; line = nl) {
		char *msg;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (!nl && !*line && line != text)
			break; /* the text's final newline */
		msg = mg_asprintf("%s: %s", ctx->u->revision, line);
		ctx->hooks->info(ctx->hooks->user, msg);
		free(msg);
	}
	free(text);
}

int migrate_fail(migrate_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return -1;
	if (!ctx->fail) {
		va_start(ap, fmt);
		ctx->fail = fmt ? vformat(fmt, ap) : mg_strdup("failed");
		va_end(ap);
	}
	ctx->failed = 1;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Running                                                              */

int mg_cunit_run(struct mg_cunit *c, enum mg_direction dir,
		 const struct mg_db_ops *ops, struct mg_db *db,
		 enum mg_dialect dialect, const struct mg_hooks *hooks,
		 struct mg_error *err)
{
	const char *name = dir == MG_UP ? "upgrade" : "downgrade";
	migrate_ctx ctx;
	struct mg_buf msg = MG_BUF_INIT;
	int ret, rc = MG_OK;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ops = ops;
	ctx.db = db;
	ctx.dialect = dialect;
	ctx.hooks = hooks;
	ctx.u = c->u;
	ret = (dir == MG_UP ? c->up : c->down)(&ctx);
	if (ctx.failed || ret != 0) {
		mg_buf_printf(&msg, "%s() failed: ", name);
		if (ctx.fail)
			mg_buf_puts(&msg, ctx.fail);
		if (ctx.fail && ctx.dbmsg)
			mg_buf_puts(&msg, ": ");
		if (ctx.dbmsg)
			mg_buf_puts(&msg, ctx.dbmsg);
		if (!ctx.fail && !ctx.dbmsg)
			mg_buf_printf(&msg, "it returned %d (call "
				      "migrate_fail() to say why)", ret);
		if (ctx.stmt)
			mg_buf_printf(&msg, "\nstatement: %s", ctx.stmt);
		rc = mg_error_set(err, MG_EUNIT, c->u->path, 0, "%s",
				  mg_buf_str(&msg));
	}
	mg_buf_release(&msg);
	free(ctx.fail);
	free(ctx.dbmsg);
	free(ctx.stmt);
	return rc;
}
