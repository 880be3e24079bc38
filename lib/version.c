/*
 * version.c - the version table, exactly Alembic's.
 *
 *   CREATE TABLE alembic_version (
 *       version_num VARCHAR(32) NOT NULL,
 *       CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
 *   )
 *
 * One row per current head.  The statements that move it are the ones
 * Alembic's HeadMaintainer issues: UPDATE when one head replaces another,
 * DELETE and INSERT when heads disappear or appear.  Identifiers are
 * always quoted (the config only admits plain identifiers, so for the
 * usual lower-case names this is what Alembic writes, and a mixed-case
 * name keeps its case, as SQLAlchemy would quote it).
 */
#include "mg.h"

void mg_version_table_name(struct mg_buf *out, const char *schema,
			   const char *table)
{
	if (schema && schema[0]) {
		mg_buf_sql_ident(out, schema);
		mg_buf_putc(out, '.');
	}
	mg_buf_sql_ident(out, table);
}

void mg_version_create_sql(struct mg_buf *out, enum mg_dialect d,
			   const char *schema, const char *table)
{
	struct mg_buf pkc = MG_BUF_INIT;

	if (d != MG_DIALECT_PG)
		schema = NULL;
	mg_buf_puts(out, "CREATE TABLE ");
	mg_version_table_name(out, schema, table);
	mg_buf_puts(out, " (\n    version_num VARCHAR(32) NOT NULL, \n"
			 "    CONSTRAINT ");
	mg_buf_printf(&pkc, "%s_pkc", table);
	mg_buf_sql_ident(out, mg_buf_str(&pkc));
	mg_buf_puts(out, " PRIMARY KEY (version_num)\n)");
	mg_buf_release(&pkc);
}

static void push(char ***v, size_t *n, struct mg_buf *b)
{
	*v = mg_reallocarray(*v, *n + 1, sizeof(char *));
	(*v)[(*n)++] = mg_buf_detach(b);
}

void mg_version_step_sql(char ***stmts, size_t *n, const char *schema,
			 const char *table, const struct mg_step *step)
{
	struct mg_buf name = MG_BUF_INIT, b = MG_BUF_INIT;
	size_t i, pairs = step->ndel < step->nins ? step->ndel : step->nins;

	mg_version_table_name(&name, schema, table);
	for (i = 0; i < pairs; i++) {
		mg_buf_printf(&b, "UPDATE %s SET version_num=", name.ptr);
		mg_buf_sql_literal(&b, step->ins[i]);
		mg_buf_printf(&b, " WHERE %s.version_num = ", name.ptr);
		mg_buf_sql_literal(&b, step->del[i]);
		push(stmts, n, &b);
	}
	for (i = pairs; i < step->ndel; i++) {
		mg_buf_printf(&b, "DELETE FROM %s WHERE %s.version_num = ",
			      name.ptr, name.ptr);
		mg_buf_sql_literal(&b, step->del[i]);
		push(stmts, n, &b);
	}
	for (i = pairs; i < step->nins; i++) {
		mg_buf_printf(&b, "INSERT INTO %s (version_num) VALUES (",
			      name.ptr);
		mg_buf_sql_literal(&b, step->ins[i]);
		mg_buf_putc(&b, ')');
		push(stmts, n, &b);
	}
	mg_buf_release(&name);
	mg_buf_release(&b);
}

/*
 * The applied-history table: one row per unit run (and per stamp), in
 * the same transaction as the unit's version-table change.  It sits next
 * to the version table (same schema) and is the tool's own: `schema` and
 * `check` leave it out.
 */
void mg_history_create_sql(struct mg_buf *out, enum mg_dialect d,
			   const char *schema, const char *table)
{
	int pg = d == MG_DIALECT_PG;

	mg_buf_puts(out, "CREATE TABLE ");
	mg_version_table_name(out, pg ? schema : NULL, table);
	mg_buf_printf(out,
		      " (\n"
		      "    id %s,\n"
		      "    revision VARCHAR(32) NOT NULL,\n"
		      "    down_revisions TEXT NOT NULL,\n"
		      "    direction VARCHAR(16) NOT NULL,\n"
		      "    sha256 CHAR(64),\n"
		      "    started_at %s NOT NULL,\n"
		      "    finished_at %s NOT NULL,\n"
		      "    duration_ms %s,\n"
		      "    tool_version VARCHAR(32) NOT NULL\n"
		      ")",
		      pg ? "BIGSERIAL PRIMARY KEY" :
			   "INTEGER PRIMARY KEY AUTOINCREMENT",
		      pg ? "TIMESTAMPTZ" : "TEXT", pg ? "TIMESTAMPTZ" : "TEXT",
		      pg ? "DOUBLE PRECISION" : "REAL");
}

static void now_sql(struct mg_buf *b, enum mg_dialect d)
{
	if (d == MG_DIALECT_PG)
		mg_buf_puts(b, "clock_timestamp()");
	else
		mg_buf_puts(b, "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
}

/* "INSERT INTO t (the columns) " */
static void insert_into(struct mg_buf *out, enum mg_dialect d,
			const char *schema, const char *table)
{
	mg_buf_puts(out, "INSERT INTO ");
	mg_version_table_name(out, d == MG_DIALECT_PG ? schema : NULL, table);
	mg_buf_puts(out, " (revision, down_revisions, direction, sha256, "
			 "started_at, finished_at, duration_ms, tool_version) ");
}

/* "INSERT INTO t (...) VALUES " */
static void insert_head(struct mg_buf *out, enum mg_dialect d,
			const char *schema, const char *table)
{
	insert_into(out, d, schema, table);
	mg_buf_puts(out, "VALUES ");
}

/* "(...)": one row of a VALUES list; started or finished NULL: "now". */
static void values_row(struct mg_buf *out, enum mg_dialect d,
		       const char *revision, const char *parents,
		       const char *direction, const char *sha256_hex,
		       const char *started, const char *finished, double ms)
{
	mg_buf_putc(out, '(');
	mg_buf_sql_literal(out, revision);
	mg_buf_puts(out, ", ");
	mg_buf_sql_literal(out, parents);
	mg_buf_puts(out, ", ");
	mg_buf_sql_literal(out, direction);
	mg_buf_puts(out, ", ");
	if (sha256_hex)
		mg_buf_sql_literal(out, sha256_hex);
	else
		mg_buf_puts(out, "NULL");
	mg_buf_puts(out, ", ");
	if (started)
		mg_buf_sql_literal(out, started);
	else
		now_sql(out, d);
	mg_buf_puts(out, ", ");
	if (finished)
		mg_buf_sql_literal(out, finished);
	else
		now_sql(out, d);
	if (ms >= 0)
		mg_buf_printf(out, ", %.3f, ", ms);
	else
		mg_buf_puts(out, ", NULL, ");
	mg_buf_sql_literal(out, MG_VERSION);
	mg_buf_putc(out, ')');
}

/* One element of a PostgreSQL array literal: "..." with \ and " escaped,
 * or NULL. */
static void arr_elem(struct mg_buf *col, const char *s)
{
	if (col->len)
		mg_buf_putc(col, ',');
	if (!s) {
		mg_buf_puts(col, "NULL");
		return;
	}
	mg_buf_putc(col, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mg_buf_putc(col, '\\');
		mg_buf_putc(col, *s);
	}
	mg_buf_putc(col, '"');
}

/* One row as the next element of each column's array. */
static void cols_add(struct mg_buf cols[MG_HIST_COLS], const char *revision,
		     const char *parents, const char *direction,
		     const char *sha256_hex, const char *started,
		     const char *finished, double ms)
{
	char num[40];

	arr_elem(&cols[0], revision);
	arr_elem(&cols[1], parents);
	arr_elem(&cols[2], direction);
	arr_elem(&cols[3], sha256_hex);
	arr_elem(&cols[4], started);
	arr_elem(&cols[5], finished);
	snprintf(num, sizeof(num), "%.3f", ms);
	arr_elem(&cols[6], ms >= 0 ? num : NULL);
	arr_elem(&cols[7], MG_VERSION);
}

/* INSERT ... SELECT * FROM unnest() of the columns' arrays. */
static void cols_sql(struct mg_buf *out, const char *schema,
		     const char *table, const struct mg_buf cols[MG_HIST_COLS])
{
	static const char *const type[MG_HIST_COLS] = {
		"text", "text", "text", "text", "timestamptz", "timestamptz",
		"float8", "text"
	};
	struct mg_buf arr = MG_BUF_INIT;
	size_t i;

	insert_into(out, MG_DIALECT_PG, schema, table);
	mg_buf_puts(out, "SELECT * FROM unnest(");
	for (i = 0; i < MG_HIST_COLS; i++) {
		mg_buf_reset(&arr);
		mg_buf_putc(&arr, '{');
		mg_buf_add(&arr, mg_buf_str(&cols[i]), cols[i].len);
		mg_buf_putc(&arr, '}');
		if (i)
			mg_buf_puts(out, ", ");
		mg_buf_sql_literal(out, mg_buf_str(&arr));
		mg_buf_printf(out, "::%s[]", type[i]);
	}
	mg_buf_putc(out, ')');
	mg_buf_release(&arr);
}

void mg_history_insert_sql(struct mg_buf *out, enum mg_dialect d,
			   const char *schema, const char *table,
			   const char *revision, const char *parents,
			   const char *direction, const char *sha256_hex,
			   const char *started, double ms)
{
	insert_head(out, d, schema, table);
	values_row(out, d, revision, parents, direction, sha256_hex, started,
		   NULL, ms);
}

void mg_history_batch_add(struct mg_history_batch *b, const char *revision,
			  const char *parents, const char *direction,
			  const char *sha256_hex, const char *started,
			  const char *finished, double ms)
{
	if (b->d == MG_DIALECT_PG) {
		cols_add(b->cols, revision, parents, direction, sha256_hex,
			 started, finished, ms);
	} else {
		if (b->values.len)
			mg_buf_puts(&b->values, ", ");
		values_row(&b->values, b->d, revision, parents, direction,
			   sha256_hex, started, finished, ms);
	}
	b->n++;
}

void mg_history_batch_sql(struct mg_buf *out,
			  const struct mg_history_batch *b,
			  const char *schema, const char *table)
{
	if (b->d == MG_DIALECT_PG) {
		cols_sql(out, schema, table, b->cols);
		return;
	}
	insert_head(out, b->d, schema, table);
	mg_buf_add(out, b->values.ptr, b->values.len);
}

void mg_history_batch_reset(struct mg_history_batch *b)
{
	size_t i;

	mg_buf_reset(&b->values);
	for (i = 0; i < MG_HIST_COLS; i++)
		mg_buf_reset(&b->cols[i]);
	b->n = 0;
}

void mg_history_batch_release(struct mg_history_batch *b)
{
	size_t i;

	mg_buf_release(&b->values);
	for (i = 0; i < MG_HIST_COLS; i++)
		mg_buf_release(&b->cols[i]);
	b->n = 0;
}
