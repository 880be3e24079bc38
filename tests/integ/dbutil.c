/*
 * dbutil.c - see dbutil.h.
 */
#include "dbutil.h"

#include <check.h>

struct mg_db *tdb_open(const char *url, const struct mg_db_ops **ops)
{
	struct mg_url u;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_config cfg;
	struct mg_db *db = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.lock_timeout_ms = 10000; /* SQLite: the busy timeout */
	ck_assert_int_eq(mg_url_parse(&u, url, &err), MG_OK);
	*ops = mg_db_ops_for(u.dialect);
	ck_assert_msg((*ops)->open(&db, &u, &cfg, &err) == MG_OK, "%s",
		      err.msg);
	mg_url_release(&u);
	return db;
}

void tdb_exec(const char *url, const char *sql)
{
	const struct mg_db_ops *ops;
	struct mg_db *db = tdb_open(url, &ops);
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_msg(ops->exec(db, sql, strlen(sql), NULL, &err) == MG_OK,
		      "%s: %s", sql, err.msg);
	ops->close(db);
}

int tdb_has_table(const char *url, const char *name)
{
	const struct mg_db_ops *ops;
	struct mg_db *db = tdb_open(url, &ops);
	struct mg_error err = MG_ERROR_INIT;
	int exists = 0;

	ck_assert_int_eq(ops->table_exists(db, NULL, name, &exists, &err),
			 MG_OK);
	ops->close(db);
	return exists;
}

static int add_row(void *user, int ncols, const char *const *cols)
{
	struct mg_buf *b = user;
	int i;

	if (b->len)
		mg_buf_putc(b, ',');
	for (i = 0; i < ncols; i++) {
		if (i)
			mg_buf_putc(b, '|');
		mg_buf_puts(b, cols[i] ? cols[i] : "NULL");
	}
	return 0;
}

char *tdb_rows(const char *url, const char *sql)
{
	const struct mg_db_ops *ops;
	struct mg_db *db = tdb_open(url, &ops);
	struct mg_error err = MG_ERROR_INIT;
	struct mg_buf b = MG_BUF_INIT;

	ck_assert_msg(ops->query(db, sql, 0, NULL, add_row, &b, &err) == MG_OK,
		      "%s: %s", sql, err.msg);
	ops->close(db);
	return mg_buf_detach(&b);
}
