/*
 * check_config.c - migrate.ini, URL precedence, -x, database URLs and
 * masking (lib/config.c).
 */
#define _DEFAULT_SOURCE
#include "mg.h"
#include "suites.h"
#include "testutil.h"

#include <ini.h>
#include <limits.h>
#include <unistd.h>

#define CFIX FIX "config/"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static char *cwd_now(void)
{
	char buf[4096];

	ck_assert_ptr_nonnull(getcwd(buf, sizeof(buf)));
	return mg_strdup(buf);
}

/* The absolute path of the fixtures folder. */
static char *fixture_dir(void)
{
	char *cwd = cwd_now();
	char *p = mg_asprintf("%s/%s", cwd, "tests/fixtures/config");

	free(cwd);
	return p;
}

static int load(struct mg_config *cfg, const char *path,
		const char *const *xargs, size_t nx, struct mg_error *err)
{
	struct mg_config_opts o = { 0 };

	o.config_path = path;
	o.xargs = xargs;
	o.nxargs = nx;
	return mg_config_load(cfg, &o, err);
}

/* Tests that need a current folder of their own: a fresh temp dir. */
static char *tmp_dir, *old_cwd;

static void tmp_cwd_setup(void)
{
	char buf[4096];

	old_cwd = mg_strdup(getcwd(buf, sizeof(buf)) ? buf : ".");
	tmp_dir = tu_mkdtemp("config");
	if (chdir(tmp_dir) != 0)
		abort();
}

static void tmp_cwd_teardown(void)
{
	if (chdir(old_cwd) != 0)
		abort();
	tu_rmrf(tmp_dir);
	free(tmp_dir);
	free(old_cwd);
	tmp_dir = old_cwd = NULL;
}

/* ------------------------------------------------------------------ */
/* URLs                                                                 */

static const struct url_case {
	const char *text;
	enum mg_dialect dialect;
	const char *conninfo; /* pg */
	const char *path;     /* sqlite */
	const char *masked;
} url_cases[] = {
	{ "postgres://u:pw@h:5432/db", MG_DIALECT_PG,
	  "postgresql://u:pw@h:5432/db", NULL, "postgres://u:***@h:5432/db" },
	{ "postgresql://u:pw@h/db", MG_DIALECT_PG, "postgresql://u:pw@h/db",
	  NULL, "postgresql://u:***@h/db" },
	{ "postgresql+psycopg2://u:pw@h/db", MG_DIALECT_PG,
	  "postgresql://u:pw@h/db", NULL, "postgresql+psycopg2://u:***@h/db" },
	{ "postgresql+psycopg://u:pw@h/db", MG_DIALECT_PG,
	  "postgresql://u:pw@h/db", NULL, "postgresql+psycopg://u:***@h/db" },
	{ "POSTGRES://h/db", MG_DIALECT_PG, "postgresql://h/db", NULL,
	  "POSTGRES://h/db" },
	{ "postgresql://", MG_DIALECT_PG, "postgresql://", NULL,
	  "postgresql://" },
	{ "postgres://u:pw@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d1?"
	  "sslmode=require",
	  MG_DIALECT_PG,
	  "postgresql://u:pw@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d1?"
	  "sslmode=require",
	  NULL,
	  "postgres://u:***@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d1?"
	  "sslmode=require" },
	{ "postgresql:///app?host=/var/run/postgresql&application_name=x",
	  MG_DIALECT_PG,
	  "postgresql:///app?host=/var/run/postgresql&application_name=x",
	  NULL,
	  "postgresql:///app?host=/var/run/postgresql&application_name=x" },
	/* no password: unchanged */
	{ "postgresql://u@h/db", MG_DIALECT_PG, "postgresql://u@h/db", NULL,
	  "postgresql://u@h/db" },
	{ "postgresql://h:5432/db", MG_DIALECT_PG, "postgresql://h:5432/db",
	  NULL, "postgresql://h:5432/db" },
	{ "postgresql://u:@h/db", MG_DIALECT_PG, "postgresql://u:@h/db", NULL,
	  "postgresql://u:@h/db" },
	/* passwords with @, :, /, ? and percent-encoding */
	{ "postgresql://u:p@ss@h/db", MG_DIALECT_PG, "postgresql://u:p@ss@h/db",
	  NULL, "postgresql://u:***@h/db" },
	{ "postgresql://u:p:ss@h/db", MG_DIALECT_PG, "postgresql://u:p:ss@h/db",
	  NULL, "postgresql://u:***@h/db" },
	{ "postgresql://u:p%40ss%3A@h/db", MG_DIALECT_PG,
	  "postgresql://u:p%40ss%3A@h/db", NULL, "postgresql://u:***@h/db" },
	{ "postgresql://u:pa/ss@h/db", MG_DIALECT_PG,
	  "postgresql://u:pa/ss@h/db", NULL, "postgresql://u:***@h/db" },
	{ "postgresql://u:pa?ss@h/db", MG_DIALECT_PG,
	  "postgresql://u:pa?ss@h/db", NULL, "postgresql://u:***@h/db" },
	/* in the query string */
	{ "postgresql://h/db?user=u&password=s3cret&sslmode=require",
	  MG_DIALECT_PG,
	  "postgresql://h/db?user=u&password=s3cret&sslmode=require", NULL,
	  "postgresql://h/db?user=u&password=***&sslmode=require" },
	{ "postgresql://u:pw@h/db?password=p@x", MG_DIALECT_PG,
	  "postgresql://u:pw@h/db?password=p@x", NULL,
	  "postgresql://u:***@h/db?password=***" },
	{ "postgresql://h/db?application_name=a@b", MG_DIALECT_PG,
	  "postgresql://h/db?application_name=a@b", NULL,
	  "postgresql://h/db?application_name=a@b" },
	/* SQLite */
	{ "sqlite:///relative.db", MG_DIALECT_SQLITE, NULL, "relative.db",
	  "sqlite:///relative.db" },
	{ "sqlite:///./dev.db", MG_DIALECT_SQLITE, NULL, "./dev.db",
	  "sqlite:///./dev.db" },
	{ "sqlite:///dir/sub/x.db", MG_DIALECT_SQLITE, NULL, "dir/sub/x.db",
	  "sqlite:///dir/sub/x.db" },
	{ "sqlite:////abs/x.db", MG_DIALECT_SQLITE, NULL, "/abs/x.db",
	  "sqlite:////abs/x.db" },
	{ "sqlite+pysqlite:///rel.db", MG_DIALECT_SQLITE, NULL, "rel.db",
	  "sqlite+pysqlite:///rel.db" },
	{ "sqlite+pysqlite:////abs/x.db", MG_DIALECT_SQLITE, NULL, "/abs/x.db",
	  "sqlite+pysqlite:////abs/x.db" },
	{ "sqlite://", MG_DIALECT_SQLITE, NULL, ":memory:", "sqlite://" },
	{ "sqlite:///:memory:", MG_DIALECT_SQLITE, NULL, ":memory:",
	  "sqlite:///:memory:" },
	{ "sqlite:///", MG_DIALECT_SQLITE, NULL, ":memory:", "sqlite:///" },
	{ "sqlite:///my%20db%25.db", MG_DIALECT_SQLITE, NULL, "my db%.db",
	  "sqlite:///my%20db%25.db" },
	{ "SQLite:///x.db", MG_DIALECT_SQLITE, NULL, "x.db",
	  "SQLite:///x.db" },
};

START_TEST(url_parses)
{
	const struct url_case *c = &url_cases[_i];
	struct mg_error err = MG_ERROR_INIT;
	struct mg_url url;

	ck_assert_int_eq(mg_url_parse(&url, c->text, &err), MG_OK);
	ck_assert_int_eq(url.dialect, c->dialect);
	if (c->conninfo)
		ck_assert_str_eq(url.conninfo, c->conninfo);
	else
		ck_assert_ptr_null(url.conninfo);
	if (c->path)
		ck_assert_str_eq(url.path, c->path);
	else
		ck_assert_ptr_null(url.path);
	ck_assert_str_eq(url.masked, c->masked);
	mg_url_release(&url);
	ck_assert_ptr_null(url.masked);
	mg_url_release(&url);
}
END_TEST

static const struct bad_url_case {
	const char *text;
	const char *msg;
} bad_url_cases[] = {
	{ "", "unsupported database URL ''" },
	{ "garbage", "unsupported database URL 'garbage'" },
	{ "://h/db", "unsupported database URL '://h/db'" },
	{ "mysql://u:s3cret@h/db",
	  "unsupported database URL 'mysql://u:***@h/db'" },
	{ "postgresql+asyncpg://u:s3cret@h/db",
	  "unsupported database URL 'postgresql+asyncpg://u:***@h/db'" },
	{ "postgresql:/h/db", "unsupported database URL 'postgresql:/h/db'" },
	{ "sqlite:/x.db", "unsupported database URL 'sqlite:/x.db'" },
	{ "sqlite:x.db", "unsupported database URL 'sqlite:x.db'" },
	{ " sqlite:///x.db", "unsupported database URL ' sqlite:///x.db'" },
	{ "sqlite://host/x.db",
	  "unsupported database URL 'sqlite://host/x.db': a sqlite URL names "
	  "no host (write sqlite:///relative.db or sqlite:////absolute.db)" },
	{ "sqlite:///x.db?mode=ro",
	  "unsupported database URL 'sqlite:///x.db?mode=ro': query "
	  "parameters are not supported for sqlite" },
	{ "sqlite:///x%zz.db",
	  "unsupported database URL 'sqlite:///x%zz.db': bad "
	  "percent-encoding in the path" },
	{ "sqlite:///x%4",
	  "unsupported database URL 'sqlite:///x%4': bad percent-encoding "
	  "in the path" },
	{ "sqlite:///x%00.db",
	  "unsupported database URL 'sqlite:///x%00.db': bad "
	  "percent-encoding in the path" },
};

START_TEST(url_rejects)
{
	const struct bad_url_case *c = &bad_url_cases[_i];
	struct mg_error err = MG_ERROR_INIT;
	struct mg_url url;

	ck_assert_int_eq(mg_url_parse(&url, c->text, &err), MG_ECONFIG);
	ck_assert_int_eq(err.code, MG_ECONFIG);
	ck_assert_str_eq(err.msg, c->msg);
	ck_assert_str_eq(err.file, "");
	ck_assert_uint_eq(err.line, 0);
	ck_assert(strstr(err.msg, "s3cret") == NULL);
	ck_assert_ptr_null(url.conninfo);
	ck_assert_ptr_null(url.path);
	ck_assert_ptr_null(url.masked);
}
END_TEST

static const struct mask_case {
	const char *text;
	const char *password;
	const char *out;
} mask_cases[] = {
	{ "", NULL, "" },
	{ "no secrets here", NULL, "no secrets here" },
	{ "no secrets here", "", "no secrets here" },
	{ "postgresql://u:pw@h/db", NULL, "postgresql://u:***@h/db" },
	{ "could not connect to \"postgresql://u:pw@h/db\": refused", NULL,
	  "could not connect to \"postgresql://u:***@h/db\": refused" },
	{ "a postgres://u:one@h/a and mysql://v:two@k/b.", NULL,
	  "a postgres://u:***@h/a and mysql://v:***@k/b." },
	{ "FATAL:  password authentication failed for user \"app\"",
	  "hunter2",
	  "FATAL:  password authentication failed for user \"app\"" },
	{ "invalid value hunter2x, again hunter2", "hunter2",
	  "invalid value ***x, again ***" },
	{ "postgresql://u:hunter2@h/db hunter2", "hunter2",
	  "postgresql://u:***@h/db ***" },
	{ "host=h password=s3cret dbname=d", NULL,
	  "host=h password=*** dbname=d" },
	{ "host=h password='s3 cr\\'et' dbname=d", NULL,
	  "host=h password='***' dbname=d" },
	{ "h?PASSWORD=x&a=b", NULL, "h?PASSWORD=***&a=b" },
	{ "mypassword=x", NULL, "mypassword=x" },
	{ "password=", NULL, "password=" },
	{ "***", "***", "***" },
	{ "aXa", "a", "***X***" },
};

START_TEST(mask_secrets)
{
	const struct mask_case *c = &mask_cases[_i];
	char *s = mg_mask_secrets(c->text, c->password);

	ck_assert_str_eq(s, c->out);
	free(s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Loading                                                              */

START_TEST(ok_ini)
{
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *dir = fixture_dir(), *loc = mg_asprintf("%s/units", dir);

	ck_assert_int_eq(load(&cfg, CFIX "ok.ini", NULL, 0, &err), MG_OK);
	ck_assert_str_eq(cfg.path, CFIX "ok.ini");
	ck_assert_str_eq(cfg.here, dir);
	ck_assert_str_eq(cfg.script_location, loc);
	ck_assert_str_eq(cfg.url, "postgresql://app:s3cret@db.example.com:5432"
				  "/app?sslmode=require");
	ck_assert_int_eq(cfg.url_source, MG_URL_FROM_INI);
	ck_assert_str_eq(cfg.version_table, "my_version");
	ck_assert_str_eq(cfg.version_table_schema, "public");
	ck_assert_str_eq(cfg.history_table, "my_history");
	ck_assert_int_eq(cfg.transaction_per_migration, 1);
	ck_assert_uint_eq(cfg.lock_timeout_ms, 120000);
	ck_assert_uint_eq(cfg.statement_timeout_ms, 500);
	mg_config_release(&cfg);
	ck_assert_ptr_null(cfg.url);
	mg_config_release(&cfg);
	free(loc);
	free(dir);
}
END_TEST

static void assert_defaults(const struct mg_config *cfg)
{
	ck_assert_str_eq(cfg->url, "sqlite:///./dev.db");
	ck_assert_int_eq(cfg->url_source, MG_URL_FROM_DEFAULT);
	ck_assert_str_eq(cfg->version_table, "alembic_version");
	ck_assert_ptr_null(cfg->version_table_schema);
	ck_assert_str_eq(cfg->history_table, "migrate_history");
	ck_assert_int_eq(cfg->transaction_per_migration, 0);
	ck_assert_uint_eq(cfg->lock_timeout_ms, 60000);
	ck_assert_uint_eq(cfg->statement_timeout_ms, 0);
}

START_TEST(empty_section_is_defaults)
{
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *dir = fixture_dir(), *loc = mg_asprintf("%s/versions", dir);

	ck_assert_int_eq(load(&cfg, CFIX "defaults.ini", NULL, 0, &err), MG_OK);
	assert_defaults(&cfg);
	ck_assert_str_eq(cfg.script_location, loc);
	mg_config_release(&cfg);
	free(loc);
	free(dir);
}
END_TEST

START_TEST(no_ini_at_all)
{
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *cwd = cwd_now();

	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_ptr_null(cfg.path);
	ck_assert_str_eq(cfg.here, cwd);
	ck_assert_str_eq(cfg.script_location, "versions");
	assert_defaults(&cfg);
	mg_config_release(&cfg);
	free(cwd);
}
END_TEST

START_TEST(migrate_ini_in_cwd)
{
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *cwd = cwd_now(), *want;

	tu_write(".", "migrate.ini",
		 "[migrate]\nscript_location = db/versions\n"
		 "url = sqlite:///app.db\n");
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.path, "migrate.ini");
	ck_assert_str_eq(cfg.here, cwd);
	/* the ini is in the cwd: a relative value stays relative */
	ck_assert_str_eq(cfg.script_location, "db/versions");
	ck_assert_str_eq(cfg.url, "sqlite:///app.db");
	ck_assert_int_eq(cfg.url_source, MG_URL_FROM_INI);
	mg_config_release(&cfg);

	/* $MIGRATE_CONFIG and -c win over ./migrate.ini */
	tu_write(".", "sub/other.ini", "[migrate]\nurl = sqlite:///other.db\n");
	o.env_config = "sub/other.ini";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.path, "sub/other.ini");
	ck_assert_str_eq(cfg.url, "sqlite:///other.db");
	want = mg_asprintf("%s/sub", cwd);
	ck_assert_str_eq(cfg.here, want);
	free(want);
	want = mg_asprintf("%s/sub/versions", cwd);
	ck_assert_str_eq(cfg.script_location, want);
	free(want);
	mg_config_release(&cfg);
	/* an empty $MIGRATE_CONFIG counts as unset */
	o.env_config = "";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.path, "migrate.ini");
	mg_config_release(&cfg);
	o.env_config = "missing.ini";
	o.config_path = "sub/other.ini";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.path, "sub/other.ini");
	mg_config_release(&cfg);
	free(cwd);
}
END_TEST

START_TEST(absolute_script_location_kept)
{
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;

	tu_write(".", "migrate.ini", "[migrate]\nscript_location = /srv/v\n");
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.script_location, "/srv/v");
	mg_config_release(&cfg);
}
END_TEST

START_TEST(missing_named_file)
{
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;

	o.config_path = "nope.ini";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_str_eq(err.msg, "cannot open config file 'nope.ini': "
				  "No such file or directory");
	ck_assert_str_eq(err.file, "");
	ck_assert_ptr_null(cfg.url);
	ck_assert_ptr_null(cfg.here);

	o.config_path = NULL;
	o.env_config = "env.ini";
	mg_error_clear(&err);
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_str_eq(err.msg, "cannot open config file 'env.ini': "
				  "No such file or directory");

	o.config_path = CFIX;
	mg_error_clear(&err);
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_str_eq(err.msg, "cannot read config file '" CFIX
				  "': Is a directory");
}
END_TEST

START_TEST(here_expands)
{
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *dir = fixture_dir(), *want;

	ck_assert_int_eq(load(&cfg, CFIX "here.ini", NULL, 0, &err), MG_OK);
	want = mg_asprintf("%s/units", dir);
	ck_assert_str_eq(cfg.script_location, want);
	free(want);
	want = mg_asprintf("sqlite:///%s/100%%25.db", dir);
	ck_assert_str_eq(cfg.url, want);
	free(want);
	mg_config_release(&cfg);
	free(dir);
}
END_TEST

START_TEST(here_is_normalised)
{
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *dir = fixture_dir();

	ck_assert_int_eq(load(&cfg, "./tests/fixtures/../fixtures/./config//"
			      "here.ini", NULL, 0, &err), MG_OK);
	ck_assert_str_eq(cfg.here, dir);
	mg_config_release(&cfg);
	free(dir);
}
END_TEST

/* A broken fixture: the code, file, line and message of the error. */
static const struct bad_file_case {
	const char *file;
	int code;
	unsigned line;
	const char *msg;
} bad_files[] = {
	{ "bad_lock_timeout.ini", MG_ECONFIG, 4,
	  "invalid value '5x' for lock_timeout: invalid duration (expected "
	  "e.g. 500ms, 60s, 2m or 1h)" },
	{ "unknown_key.ini", MG_ECONFIG, 3,
	  "unknown key 'lock_timout' in [migrate]" },
	{ "bad_version_table.ini", MG_ECONFIG, 3,
	  "invalid value 'x-y' for version_table: must be a plain SQL "
	  "identifier" },
	{ "bad_url.ini", MG_ECONFIG, 3,
	  "unsupported database URL 'mysql://app:***@db.example.com/app'" },
	{ "bad_percent.ini", MG_ECONFIG, 2,
	  "invalid '%' in value of url: write '%%' for a literal '%'" },
	{ "unknown_interp.ini", MG_ECONFIG, 2,
	  "unknown interpolation '%(root)s' in value of script_location: only "
	  "%(here)s is defined" },
	{ "duplicate_key.ini", MG_ECONFIG, 4,
	  "duplicate key 'url' in [migrate]" },
	{ "continuation.ini", MG_ECONFIG, 3,
	  "indented line continues the value of 'url': values must fit on "
	  "one line" },
	{ "no_section.ini", MG_ECONFIG, 2,
	  "key 'url' outside any section: put it under [migrate]" },
	{ "syntax_error.ini", MG_ECONFIG, 3,
	  "invalid line: expected 'key = value' or '[section]'" },
	{ "bad_section.ini", MG_ECONFIG, 2,
	  "invalid section header: missing ']'" },
	{ "other_section_error.ini", MG_ECONFIG, 5,
	  "invalid line: expected 'key = value' or '[section]'" },
};

START_TEST(bad_file)
{
	const struct bad_file_case *c = &bad_files[_i];
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *path = mg_asprintf(CFIX "%s", c->file);

	ck_assert_int_eq(load(&cfg, path, NULL, 0, &err), c->code);
	ck_assert_int_eq(err.code, c->code);
	ck_assert_str_eq(err.file, path);
	ck_assert_uint_eq(err.line, c->line);
	ck_assert_str_eq(err.msg, c->msg);
	ck_assert(strstr(err.msg, "s3cret") == NULL);
	ck_assert_ptr_null(cfg.url);
	ck_assert_ptr_null(cfg.script_location);
	free(path);
}
END_TEST

/* One key = value line in a migrate.ini written to the cwd. */
enum field {
	FLD_LOCK, FLD_STMT, FLD_TXN, FLD_VT, FLD_SCHEMA, FLD_HIST, FLD_LOC
};

static const struct good_value_case {
	const char *line;
	enum field field;
	unsigned num;
	const char *str;
} good_values[] = {
	{ "lock_timeout = 500ms", FLD_LOCK, 500, NULL },
	{ "lock_timeout = 60s", FLD_LOCK, 60000, NULL },
	{ "lock_timeout = 2m", FLD_LOCK, 120000, NULL },
	{ "lock_timeout = 1h", FLD_LOCK, 3600000, NULL },
	{ "lock_timeout = 45", FLD_LOCK, 45000, NULL },
	{ "lock_timeout = 0", FLD_LOCK, 0, NULL },
	{ "lock_timeout = 007s", FLD_LOCK, 7000, NULL },
	{ "lock_timeout = 4294967295ms", FLD_LOCK, 4294967295u, NULL },
	{ "lock_timeout = 4294967s", FLD_LOCK, 4294967000u, NULL },
	{ "statement_timeout = 30s", FLD_STMT, 30000, NULL },
	{ "statement_timeout = 0", FLD_STMT, 0, NULL },
	{ "statement_timeout =", FLD_STMT, 0, NULL },
	{ "transaction_per_migration = true", FLD_TXN, 1, NULL },
	{ "transaction_per_migration = FALSE", FLD_TXN, 0, NULL },
	{ "transaction_per_migration = Yes", FLD_TXN, 1, NULL },
	{ "transaction_per_migration = no", FLD_TXN, 0, NULL },
	{ "transaction_per_migration = ON", FLD_TXN, 1, NULL },
	{ "transaction_per_migration = off", FLD_TXN, 0, NULL },
	{ "transaction_per_migration = 1", FLD_TXN, 1, NULL },
	{ "transaction_per_migration = 0", FLD_TXN, 0, NULL },
	{ "version_table = _Version_2", FLD_VT, 0, "_Version_2" },
	{ "Version_Table = upper_key", FLD_VT, 0, "upper_key" },
	{ "version_table: colon_form", FLD_VT, 0, "colon_form" },
	{ "version_table = v ; an inline comment", FLD_VT, 0, "v" },
	{ "version_table_schema = app", FLD_SCHEMA, 0, "app" },
	{ "version_table_schema =", FLD_SCHEMA, 0, NULL },
	{ "history_table = applied", FLD_HIST, 0, "applied" },
	{ "script_location = db/migrations", FLD_LOC, 0, "db/migrations" },
	{ "script_location = 100%%", FLD_LOC, 0, "100%" },
};

static void check_field(const struct mg_config *cfg, enum field f,
			unsigned num, const char *str)
{
	const char *s = NULL;

	switch (f) {
	case FLD_LOCK:
		ck_assert_uint_eq(cfg->lock_timeout_ms, num);
		return;
	case FLD_STMT:
		ck_assert_uint_eq(cfg->statement_timeout_ms, num);
		return;
	case FLD_TXN:
		ck_assert_int_eq(cfg->transaction_per_migration, (int)num);
		return;
	case FLD_VT:
		s = cfg->version_table;
		break;
	case FLD_SCHEMA:
		s = cfg->version_table_schema;
		break;
	case FLD_HIST:
		s = cfg->history_table;
		break;
	case FLD_LOC:
		s = cfg->script_location;
		break;
	}
	if (str)
		ck_assert_str_eq(s, str);
	else
		ck_assert_ptr_null(s);
}

START_TEST(good_value)
{
	const struct good_value_case *c = &good_values[_i];
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *ini = mg_asprintf("[migrate]\n%s\n", c->line);

	tu_write(".", "migrate.ini", ini);
	ck_assert_msg(mg_config_load(&cfg, &o, &err) == MG_OK, "%s: %s",
		      c->line, err.msg);
	check_field(&cfg, c->field, c->num, c->str);
	mg_config_release(&cfg);
	free(ini);
}
END_TEST

#define DURATION_HINT "invalid duration (expected e.g. 500ms, 60s, 2m or 1h)"
#define RANGE_HINT "duration out of range (at most 4294967295ms, about 49 days)"
#define BOOL_HINT "must be true or false (or yes/no, on/off, 1/0)"
#define IDENT_HINT "must be a plain SQL identifier"

static const struct bad_value_case {
	const char *key, *value;
	const char *why;
} bad_values[] = {
	{ "lock_timeout", "-1", DURATION_HINT },
	{ "lock_timeout", "5x", DURATION_HINT },
	{ "lock_timeout", "1.5.2", DURATION_HINT },
	{ "lock_timeout", "1.5s", DURATION_HINT },
	{ "lock_timeout", "s", DURATION_HINT },
	{ "lock_timeout", "10 s", DURATION_HINT },
	{ "lock_timeout", "10S", DURATION_HINT },
	{ "lock_timeout", "+5", DURATION_HINT },
	{ "lock_timeout", "", DURATION_HINT },
	{ "lock_timeout", "4294967296ms", RANGE_HINT },
	{ "lock_timeout", "4294968s", RANGE_HINT },
	{ "lock_timeout", "99999999999999999999999h", RANGE_HINT },
	{ "lock_timeout", "1194h", RANGE_HINT },
	{ "lock_timeout", "71583m", RANGE_HINT },
	{ "statement_timeout", "ten", DURATION_HINT },
	{ "statement_timeout", "5d", DURATION_HINT },
	{ "transaction_per_migration", "maybe", BOOL_HINT },
	{ "transaction_per_migration", "", BOOL_HINT },
	{ "transaction_per_migration", "2", BOOL_HINT },
	{ "version_table", "x-y", IDENT_HINT },
	{ "version_table", "", IDENT_HINT },
	{ "version_table", "1st", IDENT_HINT },
	{ "version_table", "\"quoted\"", IDENT_HINT },
	{ "version_table", "public.v", IDENT_HINT },
	{ "version_table_schema", "my schema", IDENT_HINT },
	{ "history_table", "h;drop", IDENT_HINT },
	{ "script_location", "", "must not be empty" },
};

START_TEST(bad_value)
{
	const struct bad_value_case *c = &bad_values[_i];
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *ini = mg_asprintf("[migrate]\n# a comment\n\n%s = %s\n", c->key,
				c->value);
	char *msg = mg_asprintf("invalid value '%s' for %s: %s", c->value,
				c->key, c->why);

	tu_write(".", "migrate.ini", ini);
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_str_eq(err.file, "migrate.ini");
	ck_assert_uint_eq(err.line, 4);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_ptr_null(cfg.url);
	free(ini);
	free(msg);
}
END_TEST

/* The same bad values given with -x. */
START_TEST(bad_xarg_value)
{
	const struct bad_value_case *c = &bad_values[_i];
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *x = mg_asprintf("%s=%s", c->key, c->value);
	char *msg = mg_asprintf("-x %s: %s", x, c->why);
	const char *xargs[1];

	xargs[0] = x;
	ck_assert_int_eq(load(&cfg, CFIX "ok.ini", xargs, 1, &err),
			 MG_ECONFIG);
	ck_assert_str_eq(err.file, "");
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.msg, msg);
	free(x);
	free(msg);
}
END_TEST

START_TEST(long_line)
{
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_buf ini = MG_BUF_INIT, url = MG_BUF_INIT;
	int i;

	mg_buf_puts(&url, "postgresql://u:pw@h/db?application_name=");
	for (i = 0; i < 1000; i++)
		mg_buf_putc(&url, (char)('a' + i % 26));
	mg_buf_printf(&ini, "[migrate]\nurl = %s\nlock_timeout = 5x\n",
		      mg_buf_str(&url));
	tu_write(".", "migrate.ini", mg_buf_str(&ini));
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_uint_eq(err.line, 3);

	mg_buf_reset(&ini);
	mg_buf_printf(&ini, "[migrate]\nurl = %s\n", mg_buf_str(&url));
	tu_write(".", "migrate.ini", mg_buf_str(&ini));
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.url, mg_buf_str(&url));
	mg_config_release(&cfg);
	/* inih's global settings are back as they were */
	ck_assert_int_eq(ini_max_line, 200);
	ck_assert(ini_use_stack);
	ck_assert(!ini_stop_on_first_error);
	mg_buf_release(&ini);
	mg_buf_release(&url);
}
END_TEST

START_TEST(crlf_and_bom)
{
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;

	tu_write(".", "migrate.ini",
		 "\xef\xbb\xbf[migrate]\r\nlock_timeout = 2s\r\n"
		 "url = sqlite:///a.db\r\n\r\nversion_table = v-1\r\n");
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_uint_eq(err.line, 5);
	ck_assert_str_eq(err.msg, "invalid value 'v-1' for version_table: "
				  IDENT_HINT);
	tu_write(".", "migrate.ini",
		 "\xef\xbb\xbf[migrate]\r\nlock_timeout = 2s\r\n"
		 "url = sqlite:///a.db\r\n");
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_uint_eq(cfg.lock_timeout_ms, 2000);
	ck_assert_str_eq(cfg.url, "sqlite:///a.db");
	mg_config_release(&cfg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* URL precedence                                                       */

/*
 * Every combination of --url (unset, set), DATABASE_URL (unset, empty,
 * set) and url in the ini (absent, present): _i = flag + 2 * env +
 * 6 * ini.
 */
START_TEST(url_precedence)
{
	static const char *const envs[] = { NULL, "", "postgres://e@h/env" };
	int flag = _i % 2, env = (_i / 2) % 3, ini = _i / 6;
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	const char *want;
	enum mg_url_source src;

	tu_write(".", "migrate.ini",
		 ini ? "[migrate]\nurl = sqlite:///ini.db\n" : "[migrate]\n");
	o.url_flag = flag ? "sqlite:///flag.db" : NULL;
	o.env_url = envs[env];
	if (flag) {
		want = "sqlite:///flag.db";
		src = MG_URL_FROM_FLAG;
	} else if (env == 2) {
		want = "postgres://e@h/env";
		src = MG_URL_FROM_ENV;
	} else if (ini) {
		want = "sqlite:///ini.db";
		src = MG_URL_FROM_INI;
	} else {
		want = "sqlite:///./dev.db";
		src = MG_URL_FROM_DEFAULT;
	}
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.url, want);
	ck_assert_int_eq(cfg.url_source, src);
	mg_config_release(&cfg);
}
END_TEST

START_TEST(url_errors_name_their_source)
{
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	const char *x[] = { "url=mysql://u:s3cret@h/x" };

	/* a bad ini url is no error when something overrides it */
	o.config_path = CFIX "bad_url.ini";
	o.env_url = "sqlite:///env.db";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.url, "sqlite:///env.db");
	mg_config_release(&cfg);

	o.env_url = "mysql://u:s3cret@h/env";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_str_eq(err.msg, "unsupported database URL "
				  "'mysql://u:***@h/env' (from DATABASE_URL)");
	ck_assert_str_eq(err.file, "");

	o.url_flag = "";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_str_eq(err.msg, "unsupported database URL '' (from --url)");

	o.url_flag = NULL;
	o.env_url = NULL;
	o.config_path = CFIX "ok.ini";
	o.xargs = x;
	o.nxargs = 1;
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_ECONFIG);
	ck_assert_str_eq(err.msg, "unsupported database URL "
				  "'mysql://u:***@h/x' (from -x url)");
	ck_assert_str_eq(err.file, "");
	ck_assert_uint_eq(err.line, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* -x                                                                   */

START_TEST(xargs_override)
{
	const char *x[] = {
		"lock_timeout=5s", "url=sqlite:///x.db",
		"transaction_per_migration=off", "lock_timeout=250ms",
		"version_table_schema=", "SCRIPT_LOCATION=other",
		"history_table=h2",
	};
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;
	char *dir = fixture_dir(), *loc = mg_asprintf("%s/other", dir);

	ck_assert_int_eq(load(&cfg, CFIX "ok.ini", x, MG_ARRAY_SIZE(x), &err),
			 MG_OK);
	ck_assert_uint_eq(cfg.lock_timeout_ms, 250);
	ck_assert_str_eq(cfg.url, "sqlite:///x.db");
	ck_assert_int_eq(cfg.url_source, MG_URL_FROM_INI);
	ck_assert_int_eq(cfg.transaction_per_migration, 0);
	ck_assert_ptr_null(cfg.version_table_schema);
	ck_assert_str_eq(cfg.script_location, loc);
	ck_assert_str_eq(cfg.history_table, "h2");
	/* untouched keys keep the ini's values */
	ck_assert_str_eq(cfg.version_table, "my_version");
	ck_assert_uint_eq(cfg.statement_timeout_ms, 500);
	mg_config_release(&cfg);
	free(loc);
	free(dir);
}
END_TEST

START_TEST(xargs_without_ini)
{
	const char *x[] = { "url=postgres://h/db", "statement_timeout=1m" };
	struct mg_config_opts o = { 0 };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;

	o.xargs = x;
	o.nxargs = 2;
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_ptr_null(cfg.path);
	ck_assert_str_eq(cfg.url, "postgres://h/db");
	ck_assert_int_eq(cfg.url_source, MG_URL_FROM_INI);
	ck_assert_uint_eq(cfg.statement_timeout_ms, 60000);
	mg_config_release(&cfg);

	/* --url and DATABASE_URL still win over -x url */
	o.env_url = "sqlite:///env.db";
	ck_assert_int_eq(mg_config_load(&cfg, &o, &err), MG_OK);
	ck_assert_str_eq(cfg.url, "sqlite:///env.db");
	ck_assert_int_eq(cfg.url_source, MG_URL_FROM_ENV);
	mg_config_release(&cfg);
}
END_TEST

static const struct bad_xarg_case {
	const char *arg;
	int code;
	const char *msg;
} bad_xargs[] = {
	{ "lock_timeout", MG_EUSAGE, "-x lock_timeout: expected key=value" },
	{ "", MG_EUSAGE, "-x : expected key=value" },
	{ "lock_timout=5s", MG_EUSAGE, "-x lock_timout=5s: unknown key "
				       "'lock_timout'" },
	{ "=5s", MG_EUSAGE, "-x =5s: unknown key ''" },
	{ "ulr=postgres://u:s3cret@h/db", MG_EUSAGE,
	  "-x ulr=postgres://u:***@h/db: unknown key 'ulr'" },
	{ "lock_timeout=5x", MG_ECONFIG, "-x lock_timeout=5x: " DURATION_HINT },
	{ "version_table=a b", MG_ECONFIG,
	  "-x version_table=a b: " IDENT_HINT },
};

START_TEST(bad_xarg)
{
	const struct bad_xarg_case *c = &bad_xargs[_i];
	const char *x[] = { "lock_timeout=1s", c->arg };
	struct mg_config cfg;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_int_eq(load(&cfg, NULL, x, 2, &err), c->code);
	ck_assert_int_eq(err.code, c->code);
	ck_assert_str_eq(err.msg, c->msg);
	ck_assert_ptr_null(cfg.url);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("url");
	TCase *tmp;

	tcase_add_loop_test(tc, url_parses, 0, MG_ARRAY_SIZE(url_cases));
	tcase_add_loop_test(tc, url_rejects, 0, MG_ARRAY_SIZE(bad_url_cases));
	tcase_add_loop_test(tc, mask_secrets, 0, MG_ARRAY_SIZE(mask_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_test(tc, ok_ini);
	tcase_add_test(tc, empty_section_is_defaults);
	tcase_add_test(tc, missing_named_file);
	tcase_add_test(tc, here_expands);
	tcase_add_test(tc, here_is_normalised);
	tcase_add_loop_test(tc, bad_file, 0, MG_ARRAY_SIZE(bad_files));
	tcase_add_test(tc, url_errors_name_their_source);
	tcase_add_test(tc, xargs_override);
	tcase_add_loop_test(tc, bad_xarg_value, 0, MG_ARRAY_SIZE(bad_values));
	tcase_add_loop_test(tc, bad_xarg, 0, MG_ARRAY_SIZE(bad_xargs));
	suite_add_tcase(s, tc);

	/* tests that write their own migrate.ini into a fresh cwd */
	tmp = tcase_create("cwd");
	tcase_add_checked_fixture(tmp, tmp_cwd_setup, tmp_cwd_teardown);
	tcase_add_test(tmp, no_ini_at_all);
	tcase_add_test(tmp, migrate_ini_in_cwd);
	tcase_add_test(tmp, absolute_script_location_kept);
	tcase_add_loop_test(tmp, good_value, 0, MG_ARRAY_SIZE(good_values));
	tcase_add_loop_test(tmp, bad_value, 0, MG_ARRAY_SIZE(bad_values));
	tcase_add_test(tmp, long_line);
	tcase_add_test(tmp, crlf_and_bom);
	tcase_add_loop_test(tmp, url_precedence, 0, 12);
	tcase_add_test(tmp, xargs_without_ini);
	suite_add_tcase(s, tmp);
	return s;
}
