/*
 * schema.h - a deterministic, normalised dump of a live schema, and a
 * line diff to compare two dumps (`schema`, `check --schema`,
 * `check --roundtrip`).
 */
#ifndef MG_SCHEMA_H
#define MG_SCHEMA_H

#include "mg.h"

/*
 * Dump the schema the connection sees: tables, columns (type,
 * nullability, default), primary keys, unique and foreign keys, check
 * constraints, indexes (with partial-index predicates), views, and on
 * PostgreSQL sequences; tables named in `exclude` (the tool's own) are
 * left out.  `json`: JSON instead of text.  The same schema always gives
 * the same bytes, whatever order it was created in.  *out is malloc'd.
 */
int mg_schema_dump(const struct mg_db_ops *ops, struct mg_db *db,
		   enum mg_dialect dialect, const char *const *exclude,
		   size_t nexclude, int json, char **out,
		   struct mg_error *err) MG_WUR;

/*
 * A unified diff (`---`/`+++` headers with the labels, `@@` hunks, three
 * lines of context) of two texts, line by line; NULL when they are equal.
 * malloc'd.
 */
char *mg_text_diff(const char *a, const char *b, const char *label_a,
		   const char *label_b);

#endif
