/*
 * revision: 0004_users_email_normalise
 * down_revision: 0003_trace_events_created_idx
 * message: users email normalised, backfilled
 * create_date: 2026-11-23T09:00:00Z
 * transactional: true
 */
/*
 * A data migration, which is why it is C and not SQL: every user gets
 * email_normalised, the address with surrounding white space removed and
 * ASCII letters lower-cased, and sign-in looks addresses up by it.
 *
 * Computing it in SQL would give two answers: SQLite's lower() folds
 * ASCII only, PostgreSQL's follows the database's collation, and trim()
 * removes spaces only, not tabs or line breaks.  Done here, the rule is
 * the same on both databases, byte for byte.
 *
 * Rows are read in batches by id (keyset paging, so memory stays bounded
 * however large the table) and each one is updated with bound
 * parameters.  The whole unit runs in the migration's transaction: if
 * anything fails, no row and no column is left behind.
 *
 * users has an audit trigger (users_history, see 0001) that would record
 * every backfilled row as a change.  The backfill is not a change to the
 * user's data, so it is kept out of the history: on PostgreSQL the
 * trigger is disabled for the backfill (the ALTER TABLE above it already
 * holds the table's exclusive lock); SQLite cannot disable a trigger, so
 * the rows it wrote are deleted again (the migration holds SQLite's write
 * lock, so no other writer's rows can be among them).
 */
#include <migrate_unit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 500
#define BATCH_TEXT "500"

struct batch {
	size_t n;
	char *id[BATCH];
	char *email[BATCH]; /* NULL for SQL NULL */
	int oom;
};

static char *dup_or_null(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = malloc(strlen(s) + 1);
	if (d)
		strcpy(d, s);
	return d;
}

static int add_row(void *user, int ncols, const char *const *cols)
{
	struct batch *b = user;

	if (ncols < 2 || b->n == BATCH)
		return 1;
	b->id[b->n] = dup_or_null(cols[0]);
	b->email[b->n] = dup_or_null(cols[1]);
	if (!b->id[b->n] || (cols[1] && !b->email[b->n])) {
		free(b->id[b->n]);
		free(b->email[b->n]);
		b->oom = 1;
		return 1;
	}
	b->n++;
	return 0;
}

static void batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->id[i]);
		free(b->email[i]);
	}
	b->n = 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Trim ASCII white space and fold A-Z, in place. */
static void normalise(char *s)
{
	size_t len = strlen(s), start = 0, i;

	while (len > 0 && is_blank(s[len - 1]))
		len--;
	while (start < len && is_blank(s[start]))
		start++;
	for (i = start; i < len; i++)
		s[i - start] = (s[i] >= 'A' && s[i] <= 'Z') ?
				       (char)(s[i] - 'A' + 'a') : s[i];
	s[len - start] = '\0';
}

static int backfill(migrate_ctx *ctx, long *done)
{
	struct batch *b = calloc(1, sizeof(*b));
	char last[32] = "0";
	int rc = 0;

	if (!b)
		return migrate_fail(ctx, "out of memory");
	*done = 0;
	for (;;) {
		const char *q[1];
		size_t i;

		q[0] = last;
		rc = migrate_query(ctx,
				   "SELECT id, email FROM users WHERE id > $1 "
				   "ORDER BY id LIMIT " BATCH_TEXT,
				   1, q, add_row, b);
		if (rc == 0 && b->oom)
			rc = migrate_fail(ctx, "out of memory");
		for (i = 0; rc == 0 && i < b->n; i++) {
			const char *p[2];

			if (!b->email[i])
				continue;
			normalise(b->email[i]);
			p[0] = b->email[i];
			p[1] = b->id[i];
			rc = migrate_exec_params(ctx,
				"UPDATE users SET email_normalised = $1 "
				"WHERE id = $2", 2, p);
			if (rc == 0)
				(*done)++;
		}
		if (rc != 0 || b->n < BATCH)
			break;
		snprintf(last, sizeof(last), "%s", b->id[b->n - 1]);
		batch_clear(b);
	}
	batch_clear(b);
	free(b);
	return rc;
}

static int first_value(void *user, int ncols, const char *const *cols)
{
	if (ncols > 0 && cols[0])
		snprintf(user, 32, "%s", cols[0]);
	return 1;
}

int upgrade(migrate_ctx *ctx)
{
	int pg = strcmp(migrate_dialect(ctx), "postgresql") == 0;
	char history_max[32] = "0";
	long n = 0;

	if (migrate_exec(ctx, "ALTER TABLE users ADD COLUMN email_normalised "
			      "TEXT"))
		return -1;
	if (pg) {
		if (migrate_exec(ctx, "ALTER TABLE users DISABLE TRIGGER "
				      "users_history_capture"))
			return -1;
	} else if (migrate_query(ctx, "SELECT COALESCE(MAX(history_id), 0) "
				      "FROM users_history", 0, NULL,
				 first_value, history_max)) {
		return -1;
	}
	if (backfill(ctx, &n))
		return -1;
	if (pg) {
		if (migrate_exec(ctx, "ALTER TABLE users ENABLE TRIGGER "
				      "users_history_capture"))
			return -1;
	} else {
		const char *p[1];

		p[0] = history_max;
		if (migrate_exec_params(ctx, "DELETE FROM users_history "
					     "WHERE history_id > $1", 1, p))
			return -1;
	}
	if (migrate_exec(ctx, "CREATE INDEX users_email_normalised_idx "
			      "ON users (email_normalised)"))
		return -1;
	migrate_log(ctx, "email_normalised backfilled for %ld user%s", n,
		    n == 1 ? "" : "s");
	return 0;
}

int downgrade(migrate_ctx *ctx)
{
	/* the index first: SQLite refuses to drop an indexed column */
	if (migrate_exec(ctx, "DROP INDEX users_email_normalised_idx"))
		return -1;
	return migrate_exec(ctx, "ALTER TABLE users DROP COLUMN "
				 "email_normalised");
}
