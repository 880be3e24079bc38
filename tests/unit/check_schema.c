/*
 * check_schema.c - the normalised schema dump on SQLite (lib/schema.c,
 * through the backend vtable only) and the line diff.
 *
 * The expected `diff -u` outputs below were produced by GNU diff 3.8
 * (`diff -u --label a --label b A B`) and pasted in; mg_text_diff must
 * print the very same bytes, including where several shortest edits
 * exist.
 */
#include "mg.h"
#include "schema.h"
#include "suites.h"
#include "testutil.h"

#define OPS (&mg_db_sqlite_ops)

static const char *const exclude[] = { "alembic_version", "migrate_history" };

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

/* A fresh in-memory database; asserts success. */
static struct mg_db *open_mem(void)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_url u;
	struct mg_db *db = NULL;

	memset(&u, 0, sizeof(u));
	u.dialect = MG_DIALECT_SQLITE;
	u.path = (char *)(uintptr_t) ":memory:";
	ck_assert_msg(OPS->open(&db, &u, NULL, &err) == MG_OK, "open: %s",
		      err.msg);
	return db;
}

/* Run every statement of a script; asserts success. */
static void run(struct mg_db *db, const char *sql)
{
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	size_t i;

	ck_assert_msg(mg_sql_split(sql, strlen(sql), MG_DIALECT_SQLITE,
				   "script.sql", 1, &list, &err) == MG_OK,
		      "split: %s", err.msg);
	for (i = 0; i < list.n; i++)
		ck_assert_msg(OPS->exec(db, sql + list.v[i].off,
					list.v[i].len, NULL, &err) == MG_OK,
			      "%.*s: %s", (int)list.v[i].len,
			      sql + list.v[i].off, err.msg);
	mg_stmt_list_release(&list);
}

/* How many queries the dump ran (counted by a wrapping vtable). */
static unsigned nqueries;

static int counting_query(struct mg_db *db, const char *sql, int n,
			  const char *const *values, mg_row_fn row,
			  void *user, struct mg_error *err)
{
	nqueries++;
	return OPS->query(db, sql, n, values, row, user, err);
}

/* The dump of db (text or JSON); asserts success. */
static char *dump(struct mg_db *db, int json)
{
	struct mg_db_ops ops = *OPS;
	struct mg_error err = MG_ERROR_INIT;
	char *out = NULL;

	ops.query = counting_query;
	nqueries = 0;
	ck_assert_msg(mg_schema_dump(&ops, db, MG_DIALECT_SQLITE, exclude,
				     MG_ARRAY_SIZE(exclude), json, &out,
				     &err) == MG_OK, "dump: %s", err.msg);
	ck_assert_ptr_nonnull(out);
	return out;
}

/* The text dump of a fresh database after `sql`. */
static char *dump_of(const char *sql)
{
	struct mg_db *db = open_mem();
	char *out;

	run(db, sql);
	out = dump(db, 0);
	OPS->close(db);
	return out;
}

/* Assert two strings are equal, showing their diff when not. */
static void assert_same(const char *want, const char *have)
{
	char *d = mg_text_diff(want, have, "want", "have");

	ck_assert_msg(d == NULL, "dumps differ:\n%s", d ? d : "");
}

/* ------------------------------------------------------------------ */
/* Every kind of element, exactly                                       */

static const char every_kind_sql[] =
	"CREATE TABLE users (\n"
	"	id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"	email varchar(255) NOT NULL UNIQUE,\n"
	"	active integer NOT NULL DEFAULT 1\n"
	"		CONSTRAINT users_active_check\n"
	"		CHECK (active IN (0,1)),\n"
	"	created_at TEXT DEFAULT CURRENT_TIMESTAMP,\n"
	"	deleted_at TEXT,\n"
	"	note,\n"
	"	CHECK (length(email)   >  3) -- a comment, (\n"
	");\n"
	"CREATE UNIQUE INDEX users_email_lower ON users (lower(email));\n"
	"CREATE INDEX users_live_idx ON users\n"
	"	(created_at DESC, email COLLATE nocase)\n"
	"	WHERE deleted_at IS NULL;\n"
	"CREATE TABLE sessions (\n"
	"	token TEXT PRIMARY KEY,\n"
	"	user_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,\n"
	"	expires REAL,\n"
	"	kind TEXT GENERATED ALWAYS AS (substr(token, 1, 2)) VIRTUAL\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE tags (a INT, b INT, PRIMARY KEY (b, a),\n"
	"	FOREIGN KEY (a, b) REFERENCES pairs (x, y)\n"
	"	ON UPDATE SET NULL)\n"
	"	STRICT;\n"
	"CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN\n"
	"	UPDATE users SET created_at = created_at WHERE id = NEW.id;\n"
	"END;\n"
	"CREATE VIEW live_users (id, email) AS\n"
	"	SELECT id, email FROM users WHERE deleted_at IS NULL;\n";

static const char every_kind_dump[] =
	"table sessions\n"
	"  without rowid\n"
	"  column expires REAL\n"
	"  column kind TEXT generated always as (substr(token, 1, 2)) "
	"virtual\n"
	"  column token TEXT not null\n"
	"  column user_id INTEGER not null\n"
	"  primary key (token)\n"
	"  foreign key (user_id) references users (id) on delete cascade\n"
	"\n"
	"table tags\n"
	"  strict\n"
	"  column a INT not null\n"
	"  column b INT not null\n"
	"  primary key (b, a)\n"
	"  foreign key (a, b) references pairs (x, y) on update set null\n"
	"\n"
	"table users\n"
	"  column active INTEGER not null default 1\n"
	"  column created_at TEXT default CURRENT_TIMESTAMP\n"
	"  column deleted_at TEXT\n"
	"  column email VARCHAR(255) not null\n"
	"  column id INTEGER\n"
	"  column note\n"
	"  primary key (id) autoincrement\n"
	"  unique (email)\n"
	"  check (length(email) > 3)\n"
	"  check users_active_check (active IN (0, 1))\n"
	"  unique index users_email_lower on (lower(email))\n"
	"  index users_live_idx on (created_at DESC, email COLLATE NOCASE) "
	"where deleted_at IS NULL\n"
	"  trigger users_touch AFTER UPDATE ON users BEGIN UPDATE users SET "
	"created_at = created_at WHERE id = NEW.id; END\n"
	"\n"
	"view live_users\n"
	"  columns (id, email)\n"
	"  as SELECT id, email FROM users WHERE deleted_at IS NULL\n";

START_TEST(every_kind)
{
	char *out = dump_of(every_kind_sql);

	assert_same(every_kind_dump, out);
	/* one query per kind of object, however many tables */
	ck_assert_uint_eq(nqueries, 4);
	free(out);
}
END_TEST

START_TEST(empty_database)
{
	char *out = dump_of("CREATE TABLE alembic_version (version_num "
			    "VARCHAR(32) NOT NULL, CONSTRAINT "
			    "alembic_version_pkc PRIMARY KEY (version_num))");

	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Creation order, formatting and history never show                    */

/* The same schema as every_kind_sql, built another way round. */
static const char every_kind_reordered_sql[] =
	"CREATE VIEW live_users(id,email) AS SELECT id, email\n"
	"	FROM users   WHERE deleted_at IS NULL;\n"
	"CREATE TABLE tags (b INT, a INT, FOREIGN KEY (a, b)\n"
	"	REFERENCES pairs (x, y) ON UPDATE SET NULL,\n"
	"	PRIMARY KEY (b, a)) STRICT;\n"
	"CREATE TABLE sessions (\n"
	"	user_id INTEGER NOT NULL REFERENCES users (id)\n"
	"		ON DELETE CASCADE,\n"
	"	kind TEXT GENERATED ALWAYS AS (substr( token,1,2 )) VIRTUAL,\n"
	"	token TEXT PRIMARY KEY, expires REAL) WITHOUT ROWID;\n"
	"CREATE TABLE users (\n"
	"	/* the key */ id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"	active integer NOT NULL DEFAULT 1\n"
	"		CONSTRAINT users_active_check\n"
	"		CHECK (active IN (0, 1)),\n"
	"	note, email varchar(255) NOT NULL,\n"
	"	UNIQUE (email), CHECK (length(email) > 3));\n"
	"ALTER TABLE users ADD COLUMN created_at TEXT DEFAULT "
	"CURRENT_TIMESTAMP;\n"
	"ALTER TABLE users ADD COLUMN deleted_at TEXT;\n"
	"CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN\n"
	"	UPDATE users SET created_at = created_at WHERE id = NEW.id;\n"
	"END;\n"
	"CREATE INDEX users_live_idx ON users (created_at DESC,\n"
	"	email COLLATE NOCASE) WHERE deleted_at IS NULL;\n"
	"CREATE UNIQUE INDEX users_email_lower ON users (lower(email));\n";

START_TEST(order_does_not_matter)
{
	char *a = dump_of(every_kind_sql);
	char *b = dump_of(every_kind_reordered_sql);

	assert_same(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(add_then_drop_column)
{
	struct mg_db *db = open_mem();
	char *before, *after;

	run(db, every_kind_sql);
	before = dump(db, 0);
	run(db, "ALTER TABLE users ADD COLUMN display_name TEXT "
		"CHECK (display_name <> '');\n"
		"CREATE INDEX users_display_name_idx ON users "
		"(lower(display_name)) WHERE display_name IS NOT NULL;\n"
		"DROP INDEX users_display_name_idx;\n"
		"ALTER TABLE users DROP COLUMN display_name;\n");
	after = dump(db, 0);
	assert_same(before, after);
	free(before);
	free(after);
	OPS->close(db);
}
END_TEST

START_TEST(excluded_tables_left_out)
{
	char *out = dump_of(
		"CREATE TABLE alembic_version (version_num VARCHAR(32) NOT "
		"NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY "
		"(version_num));\n"
		"CREATE TABLE Migrate_History (id INTEGER PRIMARY KEY "
		"AUTOINCREMENT, revision VARCHAR(32) NOT NULL);\n"
		"CREATE INDEX migrate_history_rev ON Migrate_History "
		"(revision);\n"
		"CREATE TRIGGER migrate_history_t AFTER INSERT ON "
		"migrate_history BEGIN SELECT 1; END;\n"
		"CREATE TABLE t (alembic_version TEXT REFERENCES "
		"alembic_version (version_num));\n");

	ck_assert_str_eq(out,
			 "table t\n"
			 "  column alembic_version TEXT\n"
			 "  foreign key (alembic_version) references "
			 "alembic_version (version_num)\n");
	free(out);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Changes show up in the diff                                          */

static const struct change_case {
	const char *name, *before, *after, *diff;
} change_cases[] = {
	{ "default",
	  "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT DEFAULT 0);",
	  "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT DEFAULT 1);",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -1,4 +1,4 @@\n"
	  " table t\n"
	  "   column id INTEGER\n"
	  "-  column n INT default 0\n"
	  "+  column n INT default 1\n"
	  "   primary key (id)\n" },
	{ "nullability",
	  "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT);",
	  "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT NOT NULL);",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -1,4 +1,4 @@\n"
	  " table t\n"
	  "   column id INTEGER\n"
	  "-  column n INT\n"
	  "+  column n INT not null\n"
	  "   primary key (id)\n" },
	{ "index predicate",
	  "CREATE TABLE t (a INT, b INT);\n"
	  "CREATE INDEX t_a ON t (a) WHERE b IS NULL;",
	  "CREATE TABLE t (a INT, b INT);\n"
	  "CREATE INDEX t_a ON t (a) WHERE b IS NOT NULL;",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -1,4 +1,4 @@\n"
	  " table t\n"
	  "   column a INT\n"
	  "   column b INT\n"
	  "-  index t_a on (a) where b IS NULL\n"
	  "+  index t_a on (a) where b IS NOT NULL\n" },
	{ "table added",
	  "CREATE TABLE a (x INT); CREATE TABLE c (z INT);",
	  "CREATE TABLE a (x INT); CREATE TABLE c (z INT);\n"
	  "CREATE TABLE b (y INT, FOREIGN KEY (y) REFERENCES a (x));",
	  "--- before\n"
	  "+++ after\n"
	  "@@ -1,5 +1,9 @@\n"
	  " table a\n"
	  "   column x INT\n"
	  " \n"
	  "+table b\n"
	  "+  column y INT\n"
	  "+  foreign key (y) references a (x)\n"
	  "+\n"
	  " table c\n"
	  "   column z INT\n" },
};

START_TEST(changes_show)
{
	const struct change_case *c = &change_cases[_i];
	char *a = dump_of(c->before), *b = dump_of(c->after);
	char *d = mg_text_diff(a, b, "before", "after");

	ck_assert_msg(d != NULL, "%s: no difference", c->name);
	ck_assert_str_eq(d, c->diff);
	free(a);
	free(b);
	free(d);
}
END_TEST

/*
 * The example chain in versions/, its SQLite sections run one by one:
 * the dump is tests/fixtures/schema/raptor_sqlite.txt (checked by
 * reading it against the units), and downgrading everything leaves
 * nothing.  A new unit that changes the schema must update the fixture.
 */
static void run_section(struct mg_db *db, const struct mg_unit *u,
			enum mg_direction dir)
{
	struct mg_error err = MG_ERROR_INIT;
	const struct mg_section *sec;
	char *body;

	if (u->kind != MG_UNIT_SQL)
		return; /* C units migrate data, not the schema */
	ck_assert_msg(mg_unit_section(u, dir, MG_DIALECT_SQLITE, &sec,
				      &err) == MG_OK, "%s", err.msg);
	body = mg_strndup(u->body->text + sec->off, sec->len);
	run(db, body);
	free(body);
}

START_TEST(raptor_chain)
{
	struct mg_unit_list units = MG_UNIT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_mem();
	char *want = tu_slurp(FIX "schema/raptor_sqlite.txt"), *out;
	size_t i;

	ck_assert_ptr_nonnull(want);
	ck_assert_msg(mg_units_load_dir(&units, "versions", &err) == MG_OK,
		      "%s", err.msg);
	ck_assert_uint_ge(units.n, 3);
	for (i = 0; i < units.n; i++)
		run_section(db, units.v[i], MG_UP);
	out = dump(db, 0);
	assert_same(want, out);
	free(out);
	for (i = units.n; i-- > 0;)
		run_section(db, units.v[i], MG_DOWN);
	out = dump(db, 0);
	ck_assert_str_eq(out, "");
	free(out);
	free(want);
	mg_unit_list_free_all(&units);
	OPS->close(db);
}
END_TEST

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

START_TEST(json_exact)
{
	char *out;
	struct mg_db *db = open_mem();

	run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
		"n INT NOT NULL DEFAULT 0 CHECK (n >= 0));\n"
		"CREATE INDEX t_n ON t (n DESC) WHERE n > 0;\n"
		"CREATE VIEW v AS SELECT \"n\" FROM t;\n");
	out = dump(db, 1);
	ck_assert_str_eq(out,
		"{\n"
		"  \"extensions\": [],\n"
		"  \"functions\": [],\n"
		"  \"sequences\": [],\n"
		"  \"tables\": [\n"
		"    {\n"
		"      \"checks\": [\n"
		"        {\n"
		"          \"definition\": \"(n >= 0)\",\n"
		"          \"name\": null\n"
		"        }\n"
		"      ],\n"
		"      \"columns\": [\n"
		"        {\n"
		"          \"collation\": null,\n"
		"          \"default\": null,\n"
		"          \"generated\": null,\n"
		"          \"identity\": null,\n"
		"          \"name\": \"id\",\n"
		"          \"not_null\": false,\n"
		"          \"type\": \"INTEGER\"\n"
		"        },\n"
		"        {\n"
		"          \"collation\": null,\n"
		"          \"default\": \"0\",\n"
		"          \"generated\": null,\n"
		"          \"identity\": null,\n"
		"          \"name\": \"n\",\n"
		"          \"not_null\": true,\n"
		"          \"type\": \"INT\"\n"
		"        }\n"
		"      ],\n"
		"      \"exclusions\": [],\n"
		"      \"foreign_keys\": [],\n"
		"      \"indexes\": [\n"
		"        {\n"
		"          \"extra\": null,\n"
		"          \"keys\": [\n"
		"            \"n DESC\"\n"
		"          ],\n"
		"          \"method\": null,\n"
		"          \"name\": \"t_n\",\n"
		"          \"unique\": false,\n"
		"          \"valid\": true,\n"
		"          \"where\": \"n > 0\"\n"
		"        }\n"
		"      ],\n"
		"      \"kind\": \"table\",\n"
		"      \"name\": \"t\",\n"
		"      \"options\": [],\n"
		"      \"primary_key\": {\n"
		"        \"autoincrement\": false,\n"
		"        \"columns\": [\n"
		"          \"id\"\n"
		"        ],\n"
		"        \"definition\": \"(id)\",\n"
		"        \"name\": null\n"
		"      },\n"
		"      \"schema\": null,\n"
		"      \"triggers\": [],\n"
		"      \"uniques\": []\n"
		"    }\n"
		"  ],\n"
		"  \"types\": [],\n"
		"  \"views\": [\n"
		"    {\n"
		"      \"columns\": [],\n"
		"      \"definition\": \"SELECT \\\"n\\\" FROM t\",\n"
		"      \"materialized\": false,\n"
		"      \"name\": \"v\",\n"
		"      \"schema\": null,\n"
		"      \"triggers\": []\n"
		"    }\n"
		"  ]\n"
		"}\n");
	free(out);
	OPS->close(db);
}
END_TEST

/*
 * In pretty-printed JSON, each member's key is on its own line, indented
 * by its depth: keys at one depth must increase until a new object opens
 * at the depth above.
 */
static void assert_keys_sorted(const char *json)
{
	char last[32][64];
	const char *p = json;
	int depth;

	memset(last, 0, sizeof(last));
	while (*p) {
		const char *nl = strchr(p, '\n'), *q = p;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		while (*q == ' ')
			q++;
		depth = (int)(q - p) / 2;
		ck_assert_int_lt(depth, 31);
		if (*q == '"' && memchr(q + 1, '"', len) &&
		    strstr(q, "\": ") && strstr(q, "\": ") < p + len) {
			char key[64];
			size_t kl = (size_t)(strstr(q, "\": ") - q - 1);

			ck_assert_uint_lt(kl, sizeof(key));
			memcpy(key, q + 1, kl);
			key[kl] = '\0';
			ck_assert_msg(strcmp(last[depth], key) < 0,
				      "key '%s' after '%s'", key, last[depth]);
			strcpy(last[depth], key);
		}
		if (len && (p[len - 1] == '{' || p[len - 1] == '['))
			last[depth + 1][0] = '\0';
		if (!nl)
			break;
		p = nl + 1;
	}
}

START_TEST(json_keys_sorted)
{
	struct mg_db *db = open_mem();
	char *out;

	run(db, every_kind_sql);
	out = dump(db, 1);
	assert_keys_sorted(out);
	ck_assert(strstr(out, "\"on_delete\": \"cascade\"") != NULL);
	ck_assert(strstr(out, "\"autoincrement\": true") != NULL);
	ck_assert(strstr(out, "\"options\": [\n        \"strict\"\n      ]")
		  != NULL);
	free(out);
	OPS->close(db);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors                                                               */

static int failing_query(struct mg_db *db, const char *sql, int n,
			 const char *const *values, mg_row_fn row, void *user,
			 struct mg_error *err)
{
	(void)db;
	(void)sql;
	(void)n;
	(void)values;
	(void)row;
	(void)user;
	return mg_error_set(err, MG_EUNIT, NULL, 0, "disk I/O error");
}

START_TEST(query_error)
{
	struct mg_db_ops ops = mg_db_sqlite_ops;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_db *db = open_mem();
	char *out = (char *)1;

	ops.query = failing_query;
	ck_assert_int_eq(mg_schema_dump(&ops, db, MG_DIALECT_SQLITE, NULL, 0,
					0, &out, &err), MG_EUNIT);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err.msg, "cannot read the schema: disk I/O error");
	ck_assert_int_eq(mg_schema_dump(OPS, db, MG_DIALECT_ANY, NULL, 0, 0,
					&out, &err), MG_EUSAGE);
	ck_assert_str_eq(err.msg, "cannot dump the schema: no dialect given");
	OPS->close(db);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The diff, against GNU diff -u                                        */

static const struct diff_case {
	const char *name, *a, *b, *want;
} diff_cases[] = {
	{ "equal", "a\nb\n",
	  "a\nb\n",
	  NULL },
	{ "both empty", "",
	  "",
	  NULL },
	{ "insert", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
	  "1\n2\n3\n4\n5\nnew\n6\n7\n8\n9\n10\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -3,6 +3,7 @@\n"
	  " 3\n"
	  " 4\n"
	  " 5\n"
	  "+new\n"
	  " 6\n"
	  " 7\n"
	  " 8\n" },
	{ "delete", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
	  "1\n2\n3\n4\n6\n7\n8\n9\n10\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -2,7 +2,6 @@\n"
	  " 2\n"
	  " 3\n"
	  " 4\n"
	  "-5\n"
	  " 6\n"
	  " 7\n"
	  " 8\n" },
	{ "change", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
	  "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -2,7 +2,7 @@\n"
	  " 2\n"
	  " 3\n"
	  " 4\n"
	  "-5\n"
	  "+five\n"
	  " 6\n"
	  " 7\n"
	  " 8\n" },
	{ "insert at start", "1\n2\n3\n4\n5\n",
	  "zero\n1\n2\n3\n4\n5\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,3 +1,4 @@\n"
	  "+zero\n"
	  " 1\n"
	  " 2\n"
	  " 3\n" },
	{ "append at end", "1\n2\n3\n4\n5\n",
	  "1\n2\n3\n4\n5\nsix\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -3,3 +3,4 @@\n"
	  " 3\n"
	  " 4\n"
	  " 5\n"
	  "+six\n" },
	{ "from empty", "",
	  "x\ny\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -0,0 +1,2 @@\n"
	  "+x\n"
	  "+y\n" },
	{ "to empty", "x\n",
	  "",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1 +0,0 @@\n"
	  "-x\n" },
	{ "gap of 6 joins",
	  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
	  "one\n2\n3\n4\n5\n6\n7\neight\n9\n10\n11\n12\n13\n14\n15\n16\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,11 +1,11 @@\n"
	  "-1\n"
	  "+one\n"
	  " 2\n"
	  " 3\n"
	  " 4\n"
	  " 5\n"
	  " 6\n"
	  " 7\n"
	  "-8\n"
	  "+eight\n"
	  " 9\n"
	  " 10\n"
	  " 11\n" },
	{ "gap of 7 splits",
	  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
	  "one\n2\n3\n4\n5\n6\n7\n8\nnine\n10\n11\n12\n13\n14\n15\n16\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,4 +1,4 @@\n"
	  "-1\n"
	  "+one\n"
	  " 2\n"
	  " 3\n"
	  " 4\n"
	  "@@ -6,7 +6,7 @@\n"
	  " 6\n"
	  " 7\n"
	  " 8\n"
	  "-9\n"
	  "+nine\n"
	  " 10\n"
	  " 11\n"
	  " 12\n" },
	{ "no newline in a", "a\nb",
	  "a\nb\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,2 +1,2 @@\n"
	  " a\n"
	  "-b\n"
	  "\\ No newline at end of file\n"
	  "+b\n" },
	{ "no newline in b", "a\nb\n",
	  "a\nb",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,2 +1,2 @@\n"
	  " a\n"
	  "-b\n"
	  "+b\n"
	  "\\ No newline at end of file\n" },
	{ "no newline, last changed", "a\nb",
	  "a\nc",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,2 +1,2 @@\n"
	  " a\n"
	  "-b\n"
	  "\\ No newline at end of file\n"
	  "+c\n"
	  "\\ No newline at end of file\n" },
	{ "no newline in context", "a\nb\nc\nd",
	  "a\nB\nc\nd",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,4 +1,4 @@\n"
	  " a\n"
	  "-b\n"
	  "+B\n"
	  " c\n"
	  " d\n"
	  "\\ No newline at end of file\n" },
	{ "block inserted", "table a\n  column x\n\ntable c\n  column z\n",
	  "table a\n  column x\n\ntable b\n  column y\n\ntable c\n  column z\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,5 +1,8 @@\n"
	  " table a\n"
	  "   column x\n"
	  " \n"
	  "+table b\n"
	  "+  column y\n"
	  "+\n"
	  " table c\n"
	  "   column z\n" },
	{ "several shortest edits",
	  "b\nc\nc\na\na\nb\nc\nb\nb\na\nb\nb\na\nb\nb\nb\nb\nb\nc\n",
	  "b\nc\nc\na\na\nb\nc\nb\nb\na\nb\nc\nb\na\nb\nb\nb\nb\nb\nb\nc\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -9,11 +9,13 @@\n"
	  " b\n"
	  " a\n"
	  " b\n"
	  "+c\n"
	  " b\n"
	  " a\n"
	  " b\n"
	  " b\n"
	  " b\n"
	  "+b\n"
	  " b\n"
	  " b\n"
	  " c\n" },
	{ "lines nowhere else", "a\nx1\nx2\nb\nc\na\nb\n",
	  "a\nb\ny1\nc\na\ny2\nb\n",
	  "--- a\n"
	  "+++ b\n"
	  "@@ -1,7 +1,7 @@\n"
	  " a\n"
	  "-x1\n"
	  "-x2\n"
	  " b\n"
	  "+y1\n"
	  " c\n"
	  " a\n"
	  "+y2\n"
	  " b\n" },
};

START_TEST(diff_like_gnu)
{
	const struct diff_case *c = &diff_cases[_i];
	char *d = mg_text_diff(c->a, c->b, "a", "b");

	if (!c->want) {
		ck_assert_msg(d == NULL, "%s: %s", c->name, d);
		return;
	}
	ck_assert_msg(d != NULL, "%s: no diff", c->name);
	ck_assert_msg(!strcmp(d, c->want), "%s:\n%s", c->name, d);
	free(d);
}
END_TEST

START_TEST(diff_labels)
{
	char *d = mg_text_diff("x\n", "y\n", "schema.txt", "database");

	ck_assert_str_eq(d, "--- schema.txt\n+++ database\n@@ -1 +1 @@\n"
			    "-x\n+y\n");
	free(d);
}
END_TEST

Suite *schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("dump");

	tcase_add_test(tc, every_kind);
	tcase_add_test(tc, empty_database);
	tcase_add_test(tc, order_does_not_matter);
	tcase_add_test(tc, add_then_drop_column);
	tcase_add_test(tc, excluded_tables_left_out);
	tcase_add_loop_test(tc, changes_show, 0, MG_ARRAY_SIZE(change_cases));
	tcase_add_test(tc, raptor_chain);
	tcase_add_test(tc, json_exact);
	tcase_add_test(tc, json_keys_sorted);
	tcase_add_test(tc, query_error);
	suite_add_tcase(s, tc);
	tc = tcase_create("diff");
	tcase_add_loop_test(tc, diff_like_gnu, 0, MG_ARRAY_SIZE(diff_cases));
	tcase_add_test(tc, diff_labels);
	suite_add_tcase(s, tc);
	return s;
}
