/*
 * schema.c - a normalised dump of a live schema, and a line diff.
 *
 * The dump works only through the backend vtable (struct mg_db_ops,
 * `query` with text values).  It runs one catalog query per kind of
 * object, never one per table, builds a model (tables with their
 * columns, constraints, indexes and triggers; views; sequences; on
 * PostgreSQL also types, functions and extensions), sorts every list by
 * name, and only then formats it, as text or as JSON.  The order in
 * which objects were created therefore never shows, and neither does
 * column order: columns are listed by name.
 *
 * SQLite keeps little in its catalog, so some of the model comes from
 * the stored CREATE statements, read with a small lexer (quotes,
 * comments, parentheses): CHECK constraints, AUTOINCREMENT, generation
 * expressions, table options, index expressions and predicates, view and
 * trigger bodies.  Text taken from SQL is normalised: comments dropped,
 * white space collapsed to one space, none just inside parentheses or
 * before a comma, one after a comma.
 *
 * The diff is Myers' O(ND) algorithm in linear space, with what GNU diff
 * does around it (the identical ends set aside, lines without a match
 * discarded first, boundary shifting, giving up exactness on huge
 * inputs), printed as `diff -u` prints it: the output is byte for byte
 * that of `diff -u --label A --label B`.
 */
#include "schema.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

struct strv {
	char **v;
	size_t n, cap;
};

static void strv_push(struct strv *sv, char *s)
{
	mg_grow(&sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v));
	sv->v[sv->n++] = s;
}

static void strv_release(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* The strings of sv joined by ", ", malloc'd. */
static char *strv_join(const struct strv *sv)
{
	struct mg_buf b = MG_BUF_INIT;
	size_t i;

	for (i = 0; i < sv->n; i++) {
		if (i)
			mg_buf_puts(&b, ", ");
		mg_buf_puts(&b, sv->v[i]);
	}
	return mg_buf_detach(&b);
}

/* Split s at every `sep` into sv (nothing for NULL). */
static void strv_split(struct strv *sv, const char *s, char sep)
{
	const char *p;

	if (!s)
		return;
	while ((p = strchr(s, sep)) != NULL) {
		strv_push(sv, mg_strndup(s, (size_t)(p - s)));
		s = p + 1;
	}
	strv_push(sv, mg_strdup(s));
}

/* A malloc'd copy of s, or NULL for NULL. */
static char *dup_or_null(const char *s)
{
	return s ? mg_strdup(s) : NULL;
}

/* A malloc'd copy of s in upper / lower case (ASCII only). */
static char *dup_case(const char *s, int upper)
{
	char *d = mg_strdup(s), *p;

	for (p = d; *p; p++)
		*p = (char)(upper ? toupper((unsigned char)*p) :
				    tolower((unsigned char)*p));
	return d;
}

static int is_true(const char *s)
{
	return s && (s[0] == 't' || s[0] == '1');
}

/* strcmp with NULL sorting first. */
static int cmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* qsort, which must not be given NULL even for no elements. */
static void sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* Push a zeroed element onto a vector of `size`-byte elements. */
static void *vec_push(void *pv, size_t *n, size_t *cap, size_t size)
{
	char **v = pv;

	mg_grow(pv, cap, *n + 1, size);
	memset(*v + *n * size, 0, size);
	return *v + (*n)++ * size;
}

#define PUSH(arr, n, cap) vec_push(&(arr), &(n), &(cap), sizeof(*(arr)))

/* ------------------------------------------------------------------ */
/* A small SQL lexer, enough to find structure in stored CREATE text    */

enum tok_kind {
	TK_WORD,   /* keyword, bare identifier, number */
	TK_IDENT,  /* "quoted", `quoted` or [quoted] identifier */
	TK_STRING, /* 'string' */
	TK_PUNCT   /* any other single character */
};

struct tok {
	enum tok_kind kind;
	const char *p;
	size_t len;
	int space;  /* white space or a comment came before it */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

static int word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/*
 * Skip a quoted run starting at s[i] (the opening quote); returns the
 * index after the closing quote (or len when unterminated).
 */
static size_t skip_quoted(const char *s, size_t i, size_t len, char close)
{
	for (i++; i < len; i++) {
		if (s[i] != close)
			continue;
		if (close != ']' && i + 1 < len && s[i + 1] == close) {
			i++;
			continue;
		}
		return i + 1;
	}
	return len;
}

/*
 * Tokenise s[0..len).  `brackets`: [x] is a quoted identifier (SQLite);
 * otherwise [ and ] are punctuation (PostgreSQL arrays).
 */
static void lex(struct toks *out, const char *s, size_t len, int brackets)
{
	size_t i = 0;
	int space = 0;

	out->n = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		struct tok *t;
		size_t start = i;

		if (isspace(c)) {
			space = 1;
			i++;
			continue;
		}
		if (c == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
			space = 1;
			continue;
		}
		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			const char *e = NULL;
			size_t j;

			for (j = i + 2; j + 1 < len && !e; j++)
				if (s[j] == '*' && s[j + 1] == '/')
					e = s + j;
			i = e ? (size_t)(e - s) + 2 : len;
			space = 1;
			continue;
		}
		t = PUSH(out->v, out->n, out->cap);
		t->space = space;
		space = 0;
		if (c == '\'') {
			t->kind = TK_STRING;
			i = skip_quoted(s, i, len, '\'');
		} else if (c == '"' || c == '`' || (c == '[' && brackets)) {
			t->kind = TK_IDENT;
			i = skip_quoted(s, i, len,
					c == '[' ? ']' : (char)c);
		} else if (word_char(c)) {
			t->kind = TK_WORD;
			while (i < len && word_char((unsigned char)s[i]))
				i++;
		} else {
			t->kind = TK_PUNCT;
			i++;
		}
		t->p = s + start;
		t->len = i - start;
	}
}

static int tok_is(const struct toks *tk, size_t i, const char *word)
{
	const struct tok *t;

	if (i >= tk->n)
		return 0;
	t = &tk->v[i];
	if (t->kind == TK_PUNCT)
		return t->len == 1 && word[0] == t->p[0] && !word[1];
	return t->kind == TK_WORD && strlen(word) == t->len &&
	       !strncasecmp(t->p, word, t->len);
}

/* Index of the token closing the parenthesis at tk->v[open] (or n). */
static size_t match_paren(const struct toks *tk, size_t open)
{
	size_t i;
	int depth = 0;

	for (i = open; i < tk->n; i++) {
		if (tok_is(tk, i, "("))
			depth++;
		else if (tok_is(tk, i, ")") && --depth == 0)
			return i;
	}
	return tk->n;
}

/* First token at or after `from`, outside parentheses, that is `word`. */
static size_t find_top(const struct toks *tk, size_t from, size_t to,
		       const char *word)
{
	size_t i;

	for (i = from; i < to; i++) {
		if (tok_is(tk, i, word))
			return i;
		if (tok_is(tk, i, "("))
			i = match_paren(tk, i);
	}
	return to;
}

/*
 * Tokens [a, b) as normalised text (malloc'd; NULL when empty): each
 * token as written, one space where the source had white space or a
 * comment, none after "(" or before ")" and ",", one after ",".
 */
static char *norm_toks(const struct toks *tk, size_t a, size_t b)
{
	struct mg_buf out = MG_BUF_INIT;
	size_t i;

	if (b > tk->n)
		b = tk->n;
	for (i = a; i < b; i++) {
		const struct tok *t = &tk->v[i];

		if (i > a) {
			int after_open = tok_is(tk, i - 1, "(");
			int before_close = tok_is(tk, i, ")") ||
					   tok_is(tk, i, ",");

			if (!after_open && !before_close &&
			    (t->space || tok_is(tk, i - 1, ",")))
				mg_buf_putc(&out, ' ');
		}
		mg_buf_add(&out, t->p, t->len);
	}
	return out.len ? mg_buf_detach(&out) : NULL;
}

/* Normalised text of a whole string (NULL when empty or NULL). */
static char *norm_text(const char *s, int brackets)
{
	struct toks tk = { NULL, 0, 0 };
	char *r;

	if (!s)
		return NULL;
	lex(&tk, s, strlen(s), brackets);
	r = norm_toks(&tk, 0, tk.n);
	free(tk.v);
	return r;
}

/* An identifier token without its quotes, malloc'd. */
static char *dequote(const struct tok *t)
{
	struct mg_buf b = MG_BUF_INIT;
	size_t i;
	char close;

	if (t->kind != TK_IDENT && t->kind != TK_STRING)
		return mg_strndup(t->p, t->len);
	close = t->p[0] == '[' ? ']' : t->p[0];
	for (i = 1; i < t->len; i++) {
		if (t->p[i] == close) {
			if (close != ']' && i + 1 < t->len - 1 &&
			    t->p[i + 1] == close) {
				mg_buf_putc(&b, close);
				i++;
				continue;
			}
			break;
		}
		mg_buf_putc(&b, t->p[i]);
	}
	return mg_buf_detach(&b);
}

/*
 * Items of the parenthesised list opening at tk->v[open], split at
 * top-level commas, each normalised, pushed onto out.  Returns the index
 * of the closing parenthesis.
 */
static size_t list_items(const struct toks *tk, size_t open,
			 struct strv *out)
{
	size_t close = match_paren(tk, open), i, start = open + 1;

	for (i = open + 1; i <= close; i++) {
		if (i == close || tok_is(tk, i, ",")) {
			char *s = norm_toks(tk, start, i);

			strv_push(out, s ? s : mg_strdup(""));
			start = i + 1;
		} else if (tok_is(tk, i, "(")) {
			i = match_paren(tk, i);
		}
	}
	return close;
}

/*
 * In a CREATE statement, the index of the first token after the object's
 * name: skips CREATE, modifiers, `kind` (TABLE, VIEW, ...), IF NOT
 * EXISTS, and a schema-qualified name.  *name_tok gets the name's index.
 */
static size_t after_name(const struct toks *tk, const char *kind,
			 size_t *name_tok)
{
	size_t i = find_top(tk, 0, tk->n, kind) + 1;

	if (tok_is(tk, i, "IF") && tok_is(tk, i + 1, "NOT") &&
	    tok_is(tk, i + 2, "EXISTS"))
		i += 3;
	*name_tok = i;
	if (tok_is(tk, i + 1, ".")) {
		i += 2;
		*name_tok = i;
	}
	return i + 1;
}

/* ------------------------------------------------------------------ */
/* The model                                                            */

struct column {
	char *name;
	char *type;      /* as declared (SQLite, upper-cased) or format_type */
	char *dflt;      /* as stored; NULL: none */
	char *collation; /* NULL: the type's default */
	char *generated; /* "always as (expr) stored"; NULL: not generated */
	const char *identity; /* "always" / "by default"; NULL: none */
	int notnull;
	int pk;          /* SQLite: position in the primary key, 0: none */
	int hidden;      /* SQLite pragma_table_xinfo.hidden */
};

enum con_kind { CON_PK, CON_UNIQUE, CON_FK, CON_CHECK, CON_EXCLUDE };

static const char *const con_word[] = {
	"primary key", "unique", "foreign key", "check", "exclude"
};

struct constraint {
	enum con_kind kind;
	char *name;        /* NULL: the database keeps none (SQLite) */
	struct strv cols;  /* primary key, unique, foreign key */
	char *def;         /* what follows the name in the text dump */
	/* foreign keys */
	char *ref_table;
	struct strv ref_cols;
	char *match, *on_update, *on_delete; /* lower case; NULL: default */
	int deferrable, deferred, not_valid;
	int autoincrement; /* SQLite primary key */
};

struct index {
	char *name;
	int unique, invalid;
	char *method;     /* NULL: btree */
	struct strv keys; /* columns or expressions, with their options */
	char *extra;      /* INCLUDE, NULLS NOT DISTINCT, WITH; NULL: none */
	char *where;      /* partial-index predicate; NULL: none */
};

struct trigger {
	char *name;
	char *def;
};

struct table {
	char *schema;       /* NULL on SQLite */
	char *name;
	const char *kind;   /* "table", "foreign table" */
	char *sql;          /* SQLite: the CREATE TABLE text */
	int autoincrement;  /* SQLite: AUTOINCREMENT in the CREATE TABLE */
	struct strv options;
	struct column *col;
	size_t ncol, capcol;
	struct constraint *con;
	size_t ncon, capcon;
	struct index *idx;
	size_t nidx, capidx;
	struct trigger *trg;
	size_t ntrg, captrg;
};

struct view {
	char *schema, *name;
	int materialized;
	struct strv columns; /* SQLite: a declared column list */
	char *def;
	struct trigger *trg;
	size_t ntrg, captrg;
};

struct sequence {
	char *schema, *name, *type, *start, *increment;
	char *min, *max, *cache; /* NULL: the default */
	int cycle;
	char *owned_by;          /* "table.column"; NULL: none */
};

struct routine {
	char *schema, *name, *args, *def;
};

struct utype {
	char *schema, *name;
	const char *kind; /* "enum", "domain", "composite", "range" */
	char *def;
};

struct extension {
	char *name, *schema;
};

struct model {
	enum mg_dialect dialect;
	const char *const *exclude;
	size_t nexclude;
	struct table *t;
	size_t nt, capt;
	struct view *v;
	size_t nv, capv;
	struct sequence *s;
	size_t ns, caps;
	struct routine *f;
	size_t nf, capf;
	struct utype *ty;
	size_t nty, capty;
	struct extension *e;
	size_t ne, cape;
};

static void triggers_free(struct trigger *trg, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(trg[i].name);
		free(trg[i].def);
	}
	free(trg);
}

static void table_release(struct table *t)
{
	size_t i;

	free(t->schema);
	free(t->name);
	free(t->sql);
	strv_release(&t->options);
	for (i = 0; i < t->ncol; i++) {
		struct column *c = &t->col[i];

		free(c->name);
		free(c->type);
		free(c->dflt);
		free(c->collation);
		free(c->generated);
	}
	free(t->col);
	for (i = 0; i < t->ncon; i++) {
		struct constraint *c = &t->con[i];

		free(c->name);
		strv_release(&c->cols);
		free(c->def);
		free(c->ref_table);
		strv_release(&c->ref_cols);
		free(c->match);
		free(c->on_update);
		free(c->on_delete);
	}
	free(t->con);
	for (i = 0; i < t->nidx; i++) {
		struct index *x = &t->idx[i];

		free(x->name);
		free(x->method);
		strv_release(&x->keys);
		free(x->extra);
		free(x->where);
	}
	free(t->idx);
	triggers_free(t->trg, t->ntrg);
}

static void model_release(struct model *m)
{
	size_t i;

	for (i = 0; i < m->nt; i++)
		table_release(&m->t[i]);
	free(m->t);
	for (i = 0; i < m->nv; i++) {
		free(m->v[i].schema);
		free(m->v[i].name);
		strv_release(&m->v[i].columns);
		free(m->v[i].def);
		triggers_free(m->v[i].trg, m->v[i].ntrg);
	}
	free(m->v);
	for (i = 0; i < m->ns; i++) {
		struct sequence *s = &m->s[i];

		free(s->schema);
		free(s->name);
		free(s->type);
		free(s->start);
		free(s->increment);
		free(s->min);
		free(s->max);
		free(s->cache);
		free(s->owned_by);
	}
	free(m->s);
	for (i = 0; i < m->nf; i++) {
		free(m->f[i].schema);
		free(m->f[i].name);
		free(m->f[i].args);
		free(m->f[i].def);
	}
	free(m->f);
	for (i = 0; i < m->nty; i++) {
		free(m->ty[i].schema);
		free(m->ty[i].name);
		free(m->ty[i].def);
	}
	free(m->ty);
	for (i = 0; i < m->ne; i++) {
		free(m->e[i].name);
		free(m->e[i].schema);
	}
	free(m->e);
}

/* Is table `name` (in `schema`) one the caller excluded? */
static int excluded(const struct model *m, const char *schema,
		    const char *name)
{
	size_t i, sl = schema ? strlen(schema) : 0;

	for (i = 0; i < m->nexclude; i++) {
		const char *x = m->exclude[i];

		if (!x)
			continue;
		if (m->dialect == MG_DIALECT_SQLITE ? !strcasecmp(x, name) :
						      !strcmp(x, name))
			return 1;
		if (schema && !strncmp(x, schema, sl) && x[sl] == '.' &&
		    !strcmp(x + sl + 1, name))
			return 1;
	}
	return 0;
}

/* The schema as it sorts: public (or none) first. */
static const char *sort_schema(const char *schema)
{
	return !schema || !strcmp(schema, "public") ? "" : schema;
}

static int cmp_qualified(const char *s1, const char *n1, const char *s2,
			 const char *n2)
{
	int c = strcmp(sort_schema(s1), sort_schema(s2));

	return c ? c : strcmp(n1, n2);
}

/* "name", or "schema.name" outside public; malloc'd. */
static char *qualified(const char *schema, const char *name)
{
	if (!*sort_schema(schema))
		return mg_strdup(name);
	return mg_asprintf("%s.%s", schema, name);
}

static int cmp_table(const void *a, const void *b)
{
	const struct table *x = a, *y = b;

	return cmp_qualified(x->schema, x->name, y->schema, y->name);
}

static int cmp_view(const void *a, const void *b)
{
	const struct view *x = a, *y = b;

	return cmp_qualified(x->schema, x->name, y->schema, y->name);
}

/* The table named so (tables sorted), or NULL (excluded, or unknown). */
static struct table *find_table(struct model *m, const char *schema,
				const char *name)
{
	struct table key;

	memset(&key, 0, sizeof(key));
	key.schema = (char *)(uintptr_t)schema;
	key.name = (char *)(uintptr_t)name;
	if (!name || !m->nt)
		return NULL;
	return bsearch(&key, m->t, m->nt, sizeof(*m->t), cmp_table);
}

static struct view *find_view(struct model *m, const char *schema,
			      const char *name)
{
	struct view key;

	memset(&key, 0, sizeof(key));
	key.schema = (char *)(uintptr_t)schema;
	key.name = (char *)(uintptr_t)name;
	if (!name || !m->nv)
		return NULL;
	return bsearch(&key, m->v, m->nv, sizeof(*m->v), cmp_view);
}

/* ------------------------------------------------------------------ */
/* Query results, kept whole                                            */

struct rows {
	char **cell; /* row-major; NULL for SQL NULL */
	size_t n, cap;
	int ncols;
};

#define CELL(r, i, c) ((r)->cell[(i) * (size_t)(r)->ncols + (size_t)(c)])

static int collect_row(void *user, int ncols, const char *const *cols)
{
	struct rows *r = user;
	int c;

	if (!r->ncols)
		r->ncols = ncols;
	mg_grow(&r->cell, &r->cap, (r->n + 1) * (size_t)r->ncols,
		sizeof(*r->cell));
	for (c = 0; c < r->ncols; c++)
		r->cell[r->n * (size_t)r->ncols + (size_t)c] =
			c < ncols ? dup_or_null(cols[c]) : NULL;
	r->n++;
	return 0;
}

static void rows_release(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n * (size_t)r->ncols; i++)
		free(r->cell[i]);
	free(r->cell);
	memset(r, 0, sizeof(*r));
}

/* Run a catalog query; the error says the dump failed, then why. */
static int fetch(const struct mg_db_ops *ops, struct mg_db *db,
		 const char *sql, struct rows *out, struct mg_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ops->query(db, sql, 0, NULL, collect_row, out, err);
	if (rc != MG_OK) {
		char *why = mg_strdup(err->msg);

		rows_release(out);
		mg_error_set(err, rc, NULL, 0, "cannot read the schema: %s",
			     why);
		free(why);
	}
	return rc;
}

/*
 * One catalog query and what takes its rows into the model.  The steps
 * run in order: tables and views come first, so that later steps can
 * look them up (and leave out what belongs to an excluded table).
 */
struct load_step {
	const char *sql;
	void (*take)(struct model *m, const struct rows *r);
};

static int load(struct model *m, const struct mg_db_ops *ops,
		struct mg_db *db, const struct load_step *steps, size_t n,
		struct mg_error *err)
{
	struct rows r;
	size_t i;
	int rc = MG_OK;

	for (i = 0; i < n && rc == MG_OK; i++) {
		rc = fetch(ops, db, steps[i].sql, &r, err);
		if (rc == MG_OK)
			steps[i].take(m, &r);
		rows_release(&r);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* SQLite                                                               */

#define SQ_USER_TABLE "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' " \
		      "ESCAPE '\\'"

static const char sq_objects_sql[] =
	"SELECT m.type, m.name, m.tbl_name, m.sql FROM sqlite_master AS m "
	"WHERE m.type IN ('table', 'view', 'trigger') "
	"AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

static const char sq_columns_sql[] =
	"SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, "
	"p.hidden FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS p "
	"WHERE " SQ_USER_TABLE;

static const char sq_indexes_sql[] =
	"SELECT m.name, l.name, l.\"unique\", l.origin, l.partial, x.cid, "
	"x.name, x.\"desc\", x.coll, s.sql "
	"FROM sqlite_master AS m, pragma_index_list(m.name) AS l, "
	"pragma_index_xinfo(l.name) AS x "
	"LEFT JOIN sqlite_master AS s ON s.type = 'index' AND s.name = l.name "
	"WHERE " SQ_USER_TABLE " AND x.\"key\" = 1 "
	"ORDER BY m.name, l.name, x.seqno";

static const char sq_fkeys_sql[] =
	"SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", "
	"f.on_update, f.on_delete, f.\"match\" "
	"FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f "
	"WHERE " SQ_USER_TABLE " ORDER BY m.name, f.id, f.seq";

/* A foreign-key action or match as shown: NULL for the default. */
static char *sq_action(const char *s, const char *dflt)
{
	if (!s || !s[0] || !strcasecmp(s, dflt))
		return NULL;
	return dup_case(s, 0);
}

static struct column *find_column(struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncol; i++)
		if (!strcasecmp(t->col[i].name, name))
			return &t->col[i];
	return NULL;
}

/*
 * What the stored CREATE TABLE says and the pragmas do not: CHECK
 * constraints (with their CONSTRAINT names), AUTOINCREMENT, generation
 * expressions, table options, a virtual table's module.
 */
static void sq_parse_table(struct table *t)
{
	struct toks tk = { NULL, 0, 0 };
	size_t open, close, i, start;

	lex(&tk, t->sql, strlen(t->sql), 1);
	if (tok_is(&tk, 1, "VIRTUAL")) {
		i = find_top(&tk, 0, tk.n, "USING");
		if (i < tk.n) {
			char *s = norm_toks(&tk, i + 1, tk.n);

			strv_push(&t->options, mg_asprintf("using %s",
							   s ? s : ""));
			free(s);
		}
		goto out;
	}
	open = after_name(&tk, "TABLE", &i);
	if (!tok_is(&tk, open, "("))
		goto out; /* CREATE TABLE ... AS SELECT */
	close = match_paren(&tk, open);
	for (start = i = open + 1; i <= close && i <= tk.n; i++) {
		size_t j;
		int is_con;
		char *pending = NULL, *colname = NULL;

		if (i < close && i < tk.n && !tok_is(&tk, i, ",")) {
			if (tok_is(&tk, i, "("))
				i = match_paren(&tk, i);
			continue;
		}
		/* one column or table constraint: tokens [start, i) */
		is_con = tok_is(&tk, start, "CONSTRAINT") ||
			 tok_is(&tk, start, "PRIMARY") ||
			 tok_is(&tk, start, "UNIQUE") ||
			 tok_is(&tk, start, "CHECK") ||
			 tok_is(&tk, start, "FOREIGN");
		if (!is_con && start < i)
			colname = dequote(&tk.v[start]);
		for (j = start; j < i; j++) {
			if (tok_is(&tk, j, "CONSTRAINT") && j + 1 < i) {
				free(pending);
				pending = dequote(&tk.v[j + 1]);
				j++;
				continue;
			}
			if (tok_is(&tk, j, "CHECK") &&
			    tok_is(&tk, j + 1, "(")) {
				size_t c = match_paren(&tk, j + 1);
				struct constraint *k =
					PUSH(t->con, t->ncon, t->capcon);
				char *e = norm_toks(&tk, j + 2, c);

				k->kind = CON_CHECK;
				k->name = pending;
				k->def = mg_asprintf("(%s)", e ? e : "");
				free(e);
				pending = NULL;
				j = c;
				continue;
			}
			if (tok_is(&tk, j, "AUTOINCREMENT"))
				t->autoincrement = 1;
			if (tok_is(&tk, j, "AS") && tok_is(&tk, j + 1, "(") &&
			    colname) {
				size_t c = match_paren(&tk, j + 1);
				struct column *col = find_column(t, colname);
				char *e = norm_toks(&tk, j + 2, c);

				if (col && !col->generated)
					col->generated = mg_asprintf(
						"always as (%s) %s",
						e ? e : "",
						col->hidden == 3 ? "stored" :
								   "virtual");
				free(e);
				j = c;
			}
			free(pending);
			pending = NULL;
			if (tok_is(&tk, j, "("))
				j = match_paren(&tk, j);
		}
		free(pending);
		free(colname);
		start = i + 1;
	}
	/* table options: WITHOUT ROWID, STRICT */
	for (start = i = close + 1; i <= tk.n; i++) {
		if (i < tk.n && !tok_is(&tk, i, ","))
			continue;
		if (i > start) {
			char *s = norm_toks(&tk, start, i), *l;

			l = dup_case(s, 0);
			strv_push(&t->options, l);
			free(s);
		}
		start = i + 1;
	}
out:
	free(tk.v);
}

/* SQLite names are case-insensitive: an exact look-up, then any case. */
static struct table *sq_find_table(struct model *m, const char *name)
{
	struct table *t = find_table(m, NULL, name);
	size_t i;

	for (i = 0; !t && name && i < m->nt; i++)
		if (!strcasecmp(m->t[i].name, name))
			t = &m->t[i];
	return t;
}

static struct view *sq_find_view(struct model *m, const char *name)
{
	struct view *v = find_view(m, NULL, name);
	size_t i;

	for (i = 0; !v && name && i < m->nv; i++)
		if (!strcasecmp(m->v[i].name, name))
			v = &m->v[i];
	return v;
}

/* Everything after the name in a CREATE statement, normalised. */
static char *def_after_name(const char *sql, const char *kind, int brackets)
{
	struct toks tk = { NULL, 0, 0 };
	size_t i, name;
	char *r;

	if (!sql)
		return NULL;
	lex(&tk, sql, strlen(sql), brackets);
	i = after_name(&tk, kind, &name);
	r = norm_toks(&tk, i, tk.n);
	free(tk.v);
	return r;
}

static void sq_parse_view(struct view *v, const char *sql)
{
	struct toks tk = { NULL, 0, 0 };
	size_t i, name;

	if (!sql)
		return;
	lex(&tk, sql, strlen(sql), 1);
	i = after_name(&tk, "VIEW", &name);
	if (tok_is(&tk, i, "("))
		i = list_items(&tk, i, &v->columns) + 1;
	if (tok_is(&tk, i, "AS"))
		i++;
	v->def = norm_toks(&tk, i, tk.n);
	free(tk.v);
}

static void add_trigger(struct trigger **trg, size_t *n, size_t *cap,
			const char *name, char *def)
{
	struct trigger *g = vec_push(trg, n, cap, sizeof(**trg));

	g->name = mg_strdup(name);
	g->def = def ? def : mg_strdup("");
}

static void sq_take_objects(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const char *type = CELL(r, i, 0), *name = CELL(r, i, 1);

		if (!strcmp(type, "table") && !excluded(m, NULL, name)) {
			struct table *t = PUSH(m->t, m->nt, m->capt);

			t->name = mg_strdup(name);
			t->kind = "table";
			t->sql = mg_strdup(CELL(r, i, 3) ? CELL(r, i, 3) :
							   "");
		} else if (!strcmp(type, "view")) {
			struct view *v = PUSH(m->v, m->nv, m->capv);

			v->name = mg_strdup(name);
			sq_parse_view(v, CELL(r, i, 3));
		}
	}
	sort(m->t, m->nt, sizeof(*m->t), cmp_table);
	sort(m->v, m->nv, sizeof(*m->v), cmp_view);
	for (i = 0; i < r->n; i++) {
		const char *name = CELL(r, i, 1), *on = CELL(r, i, 2);
		struct table *t;
		struct view *v;

		if (strcmp(CELL(r, i, 0), "trigger"))
			continue;
		if ((t = sq_find_table(m, on)) != NULL)
			add_trigger(&t->trg, &t->ntrg, &t->captrg, name,
				    def_after_name(CELL(r, i, 3), "TRIGGER",
						   1));
		else if ((v = sq_find_view(m, on)) != NULL)
			add_trigger(&v->trg, &v->ntrg, &v->captrg, name,
				    def_after_name(CELL(r, i, 3), "TRIGGER",
						   1));
	}
}

/*
 * Once a table's columns are known: what its CREATE TABLE says, and its
 * primary key from the columns' positions in it.
 */
static void sq_table_rest(struct table *t)
{
	struct constraint *k = NULL;
	size_t j;
	int pos;

	sq_parse_table(t);
	for (j = 0; j < t->ncol; j++)
		if (t->col[j].hidden >= 2 && !t->col[j].generated)
			t->col[j].generated = mg_strdup(t->col[j].hidden == 3 ?
							"always stored" :
							"always virtual");
	for (pos = 1;; pos++) {
		struct column *c = NULL;

		for (j = 0; j < t->ncol && !c; j++)
			if (t->col[j].pk == pos)
				c = &t->col[j];
		if (!c)
			break;
		if (!k) {
			k = PUSH(t->con, t->ncon, t->capcon);
			k->kind = CON_PK;
			k->autoincrement = t->autoincrement;
		}
		strv_push(&k->cols, mg_strdup(c->name));
	}
	if (k) {
		char *cols = strv_join(&k->cols);

		k->def = mg_asprintf("(%s)%s", cols,
				     k->autoincrement ? " autoincrement" : "");
		free(cols);
	}
}

static void sq_take_columns(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct table *t = find_table(m, NULL, CELL(r, i, 0));
		const char *type = CELL(r, i, 2);
		struct column *c;
		int hidden = atoi(CELL(r, i, 6) ? CELL(r, i, 6) : "0");

		if (!t || hidden == 1)
			continue;
		c = PUSH(t->col, t->ncol, t->capcol);
		c->name = mg_strdup(CELL(r, i, 1));
		c->type = type && type[0] ? dup_case(type, 1) : NULL;
		c->notnull = is_true(CELL(r, i, 3));
		c->dflt = dup_or_null(CELL(r, i, 4));
		c->pk = atoi(CELL(r, i, 5) ? CELL(r, i, 5) : "0");
		c->hidden = hidden;
	}
	for (i = 0; i < m->nt; i++)
		sq_table_rest(&m->t[i]);
}

/* An index key from pragma_index_xinfo: name [DESC] [COLLATE X]. */
static char *sq_key(const char *name, const char *desc, const char *coll)
{
	struct mg_buf b = MG_BUF_INIT;

	mg_buf_puts(&b, name ? name : "?");
	if (is_true(desc))
		mg_buf_puts(&b, " DESC");
	if (coll && strcasecmp(coll, "BINARY")) {
		char *u = dup_case(coll, 1);

		mg_buf_printf(&b, " COLLATE %s", u);
		free(u);
	}
	return mg_buf_detach(&b);
}

/* From CREATE INDEX text: the key items as written, and the predicate. */
static void sq_parse_index(const char *sql, struct strv *items, char **where)
{
	struct toks tk = { NULL, 0, 0 };
	size_t on, open, close;

	*where = NULL;
	if (!sql)
		return;
	lex(&tk, sql, strlen(sql), 1);
	on = find_top(&tk, 0, tk.n, "ON");
	open = find_top(&tk, on, tk.n, "(");
	if (open < tk.n) {
		close = list_items(&tk, open, items);
		if (tok_is(&tk, close + 1, "WHERE"))
			*where = norm_toks(&tk, close + 2, tk.n);
	}
	free(tk.v);
}

static void sq_take_indexes(struct model *m, const struct rows *r)
{
	size_t i, j, end;

	for (i = 0; i < r->n; i = end) {
		struct table *t = find_table(m, NULL, CELL(r, i, 0));
		const char *origin = CELL(r, i, 3);
		struct strv items = { NULL, 0, 0 };
		char *where = NULL;

		for (end = i + 1; end < r->n; end++)
			if (strcmp(CELL(r, end, 0), CELL(r, i, 0)) ||
			    strcmp(CELL(r, end, 1), CELL(r, i, 1)))
				break;
		if (!t || !origin || !strcmp(origin, "pk"))
			continue;
		if (!strcmp(origin, "u")) {
			struct constraint *k =
				PUSH(t->con, t->ncon, t->capcon);
			struct strv keys = { NULL, 0, 0 };
			char *s;

			k->kind = CON_UNIQUE;
			for (j = i; j < end; j++) {
				strv_push(&k->cols,
					  mg_strdup(CELL(r, j, 6) ?
						    CELL(r, j, 6) : "?"));
				strv_push(&keys, sq_key(CELL(r, j, 6),
							CELL(r, j, 7),
							CELL(r, j, 8)));
			}
			s = strv_join(&keys);
			k->def = mg_asprintf("(%s)", s);
			free(s);
			strv_release(&keys);
			continue;
		}
		sq_parse_index(CELL(r, i, 9), &items, &where);
		{
			struct index *x = PUSH(t->idx, t->nidx, t->capidx);

			x->name = mg_strdup(CELL(r, i, 1));
			x->unique = is_true(CELL(r, i, 2));
			if (is_true(CELL(r, i, 4))) {
				x->where = where;
				where = NULL;
			}
			for (j = i; j < end; j++) {
				int cid = atoi(CELL(r, j, 5) ?
					       CELL(r, j, 5) : "0");
				size_t k = j - i;

				if (cid == -2)
					strv_push(&x->keys, mg_strdup(
						k < items.n ? items.v[k] :
							      "?"));
				else
					strv_push(&x->keys,
						  sq_key(cid == -1 ? "rowid" :
							 CELL(r, j, 6),
							 CELL(r, j, 7),
							 CELL(r, j, 8)));
			}
		}
		free(where);
		strv_release(&items);
	}
}

static void sq_take_fkeys(struct model *m, const struct rows *r)
{
	size_t i, j, end;

	for (i = 0; i < r->n; i = end) {
		struct table *t = find_table(m, NULL, CELL(r, i, 0));
		struct constraint *k;
		int implicit = 0;

		for (end = i + 1; end < r->n; end++)
			if (strcmp(CELL(r, end, 0), CELL(r, i, 0)) ||
			    strcmp(CELL(r, end, 1), CELL(r, i, 1)))
				break;
		if (!t)
			continue;
		k = PUSH(t->con, t->ncon, t->capcon);
		k->kind = CON_FK;
		k->ref_table = mg_strdup(CELL(r, i, 2));
		for (j = i; j < end; j++) {
			strv_push(&k->cols, mg_strdup(CELL(r, j, 3)));
			if (CELL(r, j, 4))
				strv_push(&k->ref_cols,
					  mg_strdup(CELL(r, j, 4)));
			else
				implicit = 1;
		}
		if (implicit) {
			/* REFERENCES t without columns: t's primary key */
			struct table *p = sq_find_table(m, k->ref_table);
			struct column *pc;
			int pos;

			strv_release(&k->ref_cols);
			for (pos = 1; p; pos++) {
				for (pc = NULL, j = 0; j < p->ncol && !pc; j++)
					if (p->col[j].pk == pos)
						pc = &p->col[j];
				if (!pc)
					break;
				strv_push(&k->ref_cols, mg_strdup(pc->name));
			}
		}
		k->on_update = sq_action(CELL(r, i, 5), "NO ACTION");
		k->on_delete = sq_action(CELL(r, i, 6), "NO ACTION");
		k->match = sq_action(CELL(r, i, 7), "NONE");
	}
}

/* The catalog queries of SQLite, in order, and what takes their rows. */
static const struct load_step sq_steps[] = {
	{ sq_objects_sql, sq_take_objects },
	{ sq_columns_sql, sq_take_columns },
	{ sq_indexes_sql, sq_take_indexes },
	{ sq_fkeys_sql, sq_take_fkeys },
};

/* ------------------------------------------------------------------ */
/* PostgreSQL                                                           */

/* User schemas only (the alias of pg_namespace is n). */
#define PG_USER_NS \
	"n.nspname NOT IN ('pg_catalog', 'information_schema') " \
	"AND n.nspname NOT LIKE 'pg\\_toast%' " \
	"AND n.nspname NOT LIKE 'pg\\_temp\\_%' "

/* Not a member of an extension (catalog `cat`, object id `oid`). */
#define PG_NOT_EXT(cat, oid) \
	"AND NOT EXISTS (SELECT 1 FROM pg_depend AS e " \
	"WHERE e.classid = '" cat "'::regclass AND e.objid = " oid " " \
	"AND e.deptype = 'e') "

/* Column names of an attnum array, joined by chr(1), in key order. */
#define PG_ATTNAMES(arr, rel) \
	"(SELECT string_agg(a.attname, chr(1) ORDER BY u.i) " \
	"FROM unnest(" arr ") WITH ORDINALITY AS u(attnum, i) " \
	"JOIN pg_attribute AS a ON a.attrelid = " rel " " \
	"AND a.attnum = u.attnum)"

static const char pg_relations_sql[] =
	"SELECT n.nspname, c.relname, c.relkind, c.relpersistence, "
	"CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, "
	"CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) "
	"END, "
	"(SELECT string_agg(i.inhparent::regclass::text, ', ' "
	"ORDER BY i.inhseqno) FROM pg_inherits AS i "
	"WHERE i.inhrelid = c.oid), "
	"CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END "
	"FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
	"WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND " PG_USER_NS
	PG_NOT_EXT("pg_class", "c.oid");

static const char pg_columns_sql[] =
	"SELECT n.nspname, c.relname, a.attname, "
	"format_type(a.atttypid, a.atttypmod), a.attnotnull, "
	"pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, "
	"CASE WHEN a.attcollation <> t.typcollation "
	"THEN quote_ident(co.collname) END "
	"FROM pg_attribute AS a "
	"JOIN pg_class AS c ON c.oid = a.attrelid "
	"JOIN pg_namespace AS n ON n.oid = c.relnamespace "
	"JOIN pg_type AS t ON t.oid = a.atttypid "
	"LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid "
	"AND d.adnum = a.attnum "
	"LEFT JOIN pg_collation AS co ON co.oid = a.attcollation "
	"WHERE a.attnum > 0 AND NOT a.attisdropped "
	"AND c.relkind IN ('r', 'p', 'f') AND " PG_USER_NS;

static const char pg_constraints_sql[] =
	"SELECT n.nspname, t.relname, k.conname, k.contype, "
	PG_ATTNAMES("k.conkey", "k.conrelid") ", "
	"pg_get_constraintdef(k.oid, k.contype = 'c'), "
	"fn.nspname, ft.relname, "
	PG_ATTNAMES("k.confkey", "k.confrelid") ", "
	"k.confmatchtype, k.confupdtype, k.confdeltype, "
	"k.condeferrable, k.condeferred, k.convalidated "
	"FROM pg_constraint AS k "
	"JOIN pg_class AS t ON t.oid = k.conrelid "
	"JOIN pg_namespace AS n ON n.oid = t.relnamespace "
	"LEFT JOIN pg_class AS ft ON ft.oid = k.confrelid "
	"LEFT JOIN pg_namespace AS fn ON fn.oid = ft.relnamespace "
	"WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND " PG_USER_NS
	/* not the clones a key gets for each partition it references */
	"AND NOT EXISTS (SELECT 1 FROM pg_constraint AS pk "
	"WHERE pk.oid = k.conparentid AND pk.conrelid = k.conrelid)";

static const char pg_indexes_sql[] =
	"SELECT n.nspname, t.relname, i.relname, x.indisunique, am.amname, "
	"pg_get_indexdef(x.indexrelid), x.indisvalid "
	"FROM pg_index AS x "
	"JOIN pg_class AS i ON i.oid = x.indexrelid "
	"JOIN pg_class AS t ON t.oid = x.indrelid "
	"JOIN pg_namespace AS n ON n.oid = t.relnamespace "
	"JOIN pg_am AS am ON am.oid = i.relam "
	"WHERE " PG_USER_NS
	"AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k "
	"WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))";

static const char pg_triggers_sql[] =
	"SELECT n.nspname, c.relname, g.tgname, pg_get_triggerdef(g.oid) "
	"FROM pg_trigger AS g "
	"JOIN pg_class AS c ON c.oid = g.tgrelid "
	"JOIN pg_namespace AS n ON n.oid = c.relnamespace "
	"WHERE NOT g.tgisinternal AND " PG_USER_NS;

static const char pg_sequences_sql[] =
	"SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), "
	"s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, "
	"s.seqcycle, d.deptype, tn.nspname, tc.relname, a.attname "
	"FROM pg_sequence AS s "
	"JOIN pg_class AS c ON c.oid = s.seqrelid "
	"JOIN pg_namespace AS n ON n.oid = c.relnamespace "
	"LEFT JOIN pg_depend AS d ON d.classid = 'pg_class'::regclass "
	"AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass "
	"AND d.deptype IN ('a', 'i') "
	"LEFT JOIN pg_class AS tc ON tc.oid = d.refobjid "
	"LEFT JOIN pg_namespace AS tn ON tn.oid = tc.relnamespace "
	"LEFT JOIN pg_attribute AS a ON a.attrelid = d.refobjid "
	"AND a.attnum = d.refobjsubid "
	"WHERE " PG_USER_NS PG_NOT_EXT("pg_class", "c.oid");

static const char pg_types_sql[] =
	"SELECT n.nspname, t.typname, t.typtype, "
	"(SELECT string_agg(quote_literal(x.enumlabel), ', ' "
	"ORDER BY x.enumsortorder) FROM pg_enum AS x "
	"WHERE x.enumtypid = t.oid), "
	"CASE WHEN t.typtype = 'd' "
	"THEN format_type(t.typbasetype, t.typtypmod) END, "
	"t.typnotnull, t.typdefault, "
	"(SELECT string_agg('check ' || quote_ident(k.conname) || "
	"substr(pg_get_constraintdef(k.oid, true), 6), ' ' "
	"ORDER BY k.conname) FROM pg_constraint AS k "
	"WHERE k.contypid = t.oid AND k.contype = 'c'), "
	"(SELECT string_agg(quote_ident(a.attname) || ' ' || "
	"format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) "
	"FROM pg_attribute AS a WHERE a.attrelid = t.typrelid "
	"AND a.attnum > 0 AND NOT a.attisdropped), "
	"(SELECT format_type(r.rngsubtype, NULL) FROM pg_range AS r "
	"WHERE r.rngtypid = t.oid), "
	"CASE WHEN t.typcollation <> 0 AND t.typtype = 'd' AND "
	"t.typcollation <> (SELECT b.typcollation FROM pg_type AS b "
	"WHERE b.oid = t.typbasetype) THEN (SELECT quote_ident(co.collname) "
	"FROM pg_collation AS co WHERE co.oid = t.typcollation) END "
	"FROM pg_type AS t JOIN pg_namespace AS n ON n.oid = t.typnamespace "
	"WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND "
	"(SELECT c.relkind FROM pg_class AS c WHERE c.oid = t.typrelid) "
	"= 'c')) AND " PG_USER_NS PG_NOT_EXT("pg_type", "t.oid");

static const char pg_functions_sql[] =
	"SELECT n.nspname, p.proname, "
	"pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid) "
	"FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace "
	"WHERE p.prokind IN ('f', 'p') AND " PG_USER_NS
	PG_NOT_EXT("pg_proc", "p.oid");

static const char pg_extensions_sql[] =
	"SELECT x.extname, n.nspname FROM pg_extension AS x "
	"JOIN pg_namespace AS n ON n.oid = x.extnamespace "
	"WHERE x.extname <> 'plpgsql'";

static void pg_take_relations(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const char *schema = CELL(r, i, 0), *name = CELL(r, i, 1);
		char kind = CELL(r, i, 2)[0];

		if (kind == 'v' || kind == 'm') {
			struct view *v = PUSH(m->v, m->nv, m->capv);
			char *def = norm_text(CELL(r, i, 7), 0);

			v->schema = mg_strdup(schema);
			v->name = mg_strdup(name);
			v->materialized = kind == 'm';
			if (def && def[strlen(def) - 1] == ';')
				def[strlen(def) - 1] = '\0';
			v->def = def;
		} else if (!excluded(m, schema, name)) {
			struct table *t = PUSH(m->t, m->nt, m->capt);

			t->schema = mg_strdup(schema);
			t->name = mg_strdup(name);
			t->kind = kind == 'f' ? "foreign table" : "table";
			if (CELL(r, i, 3)[0] == 'u')
				strv_push(&t->options, mg_strdup("unlogged"));
			if (CELL(r, i, 4))
				strv_push(&t->options,
					  mg_asprintf("partition by %s",
						      CELL(r, i, 4)));
			if (CELL(r, i, 5) && CELL(r, i, 6))
				strv_push(&t->options,
					  mg_asprintf("partition of %s %s",
						      CELL(r, i, 6),
						      CELL(r, i, 5)));
			else if (CELL(r, i, 6))
				strv_push(&t->options,
					  mg_asprintf("inherits %s",
						      CELL(r, i, 6)));
		}
	}
	sort(m->t, m->nt, sizeof(*m->t), cmp_table);
	sort(m->v, m->nv, sizeof(*m->v), cmp_view);
}

/* expr in parentheses (malloc'd), unless it already is wholly in them. */
static char *parenthesized(const char *expr)
{
	struct toks tk = { NULL, 0, 0 };
	int wrapped;

	if (!expr)
		return mg_strdup("()");
	lex(&tk, expr, strlen(expr), 0);
	wrapped = tk.n && tok_is(&tk, 0, "(") && match_paren(&tk, 0) ==
							 tk.n - 1;
	free(tk.v);
	return wrapped ? mg_strdup(expr) : mg_asprintf("(%s)", expr);
}

static void pg_take_columns(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct table *t = find_table(m, CELL(r, i, 0), CELL(r, i, 1));
		const char *ident = CELL(r, i, 6), *gen = CELL(r, i, 7);
		struct column *c;

		if (!t)
			continue;
		c = PUSH(t->col, t->ncol, t->capcol);
		c->name = mg_strdup(CELL(r, i, 2));
		c->type = mg_strdup(CELL(r, i, 3));
		c->notnull = is_true(CELL(r, i, 4));
		if (gen && gen[0] == 's') {
			char *e = parenthesized(CELL(r, i, 5));

			c->generated = mg_asprintf("always as %s stored", e);
			free(e);
		} else {
			c->dflt = dup_or_null(CELL(r, i, 5));
		}
		if (ident && ident[0] == 'a')
			c->identity = "always";
		else if (ident && ident[0] == 'd')
			c->identity = "by default";
		c->collation = dup_or_null(CELL(r, i, 8));
	}
}

/* A foreign-key action letter of pg_constraint, NULL for NO ACTION. */
static char *pg_action(const char *code)
{
	switch (code ? code[0] : 'a') {
	case 'r':
		return mg_strdup("restrict");
	case 'c':
		return mg_strdup("cascade");
	case 'n':
		return mg_strdup("set null");
	case 'd':
		return mg_strdup("set default");
	default:
		return NULL;
	}
}

/* pg_get_constraintdef without its leading keywords, normalised. */
static char *pg_con_def(const char *def, enum con_kind kind)
{
	struct toks tk = { NULL, 0, 0 };
	size_t skip = kind == CON_PK ? 2 : 1;
	char *r;

	lex(&tk, def ? def : "", def ? strlen(def) : 0, 0);
	r = norm_toks(&tk, skip, tk.n);
	free(tk.v);
	return r ? r : mg_strdup("");
}

static void pg_take_constraints(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct table *t = find_table(m, CELL(r, i, 0), CELL(r, i, 1));
		struct constraint *k;
		const char *type = CELL(r, i, 3);

		if (!t)
			continue;
		k = PUSH(t->con, t->ncon, t->capcon);
		k->name = mg_strdup(CELL(r, i, 2));
		strv_split(&k->cols, CELL(r, i, 4), '\1');
		switch (type[0]) {
		case 'p':
			k->kind = CON_PK;
			break;
		case 'u':
			k->kind = CON_UNIQUE;
			break;
		case 'f':
			k->kind = CON_FK;
			break;
		case 'c':
			k->kind = CON_CHECK;
			break;
		default:
			k->kind = CON_EXCLUDE;
			break;
		}
		if (k->kind != CON_FK) {
			k->def = pg_con_def(CELL(r, i, 5), k->kind);
			continue;
		}
		k->ref_table = qualified(CELL(r, i, 6), CELL(r, i, 7) ?
					 CELL(r, i, 7) : "?");
		strv_split(&k->ref_cols, CELL(r, i, 8), '\1');
		if (CELL(r, i, 9) && CELL(r, i, 9)[0] == 'f')
			k->match = mg_strdup("full");
		else if (CELL(r, i, 9) && CELL(r, i, 9)[0] == 'p')
			k->match = mg_strdup("partial");
		k->on_update = pg_action(CELL(r, i, 10));
		k->on_delete = pg_action(CELL(r, i, 11));
		k->deferrable = is_true(CELL(r, i, 12));
		k->deferred = is_true(CELL(r, i, 13));
		k->not_valid = !is_true(CELL(r, i, 14));
	}
}

/*
 * Take pg_get_indexdef apart: the method, the key items, what follows
 * them (INCLUDE, NULLS NOT DISTINCT, WITH, TABLESPACE) and the
 * predicate.
 */
static void pg_parse_index(struct index *x, const char *def)
{
	struct toks tk = { NULL, 0, 0 };
	size_t using, open, close, where;

	lex(&tk, def, strlen(def), 0);
	using = find_top(&tk, 0, tk.n, "USING");
	open = find_top(&tk, using, tk.n, "(");
	if (open < tk.n) {
		close = list_items(&tk, open, &x->keys);
		where = find_top(&tk, close + 1, tk.n, "WHERE");
		x->extra = norm_toks(&tk, close + 1, where);
		if (where < tk.n)
			x->where = norm_toks(&tk, where + 1, tk.n);
	}
	free(tk.v);
}

static void pg_take_indexes(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct table *t = find_table(m, CELL(r, i, 0), CELL(r, i, 1));
		struct index *x;

		if (!t)
			continue;
		x = PUSH(t->idx, t->nidx, t->capidx);
		x->name = mg_strdup(CELL(r, i, 2));
		x->unique = is_true(CELL(r, i, 3));
		if (strcmp(CELL(r, i, 4), "btree"))
			x->method = mg_strdup(CELL(r, i, 4));
		x->invalid = !is_true(CELL(r, i, 6));
		pg_parse_index(x, CELL(r, i, 5) ? CELL(r, i, 5) : "");
	}
}

static void pg_take_triggers(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const char *schema = CELL(r, i, 0), *on = CELL(r, i, 1);
		const char *name = CELL(r, i, 2), *sql = CELL(r, i, 3);
		struct table *t = find_table(m, schema, on);
		struct view *v = t ? NULL : find_view(m, schema, on);
		char *def;

		if (!t && !v)
			continue;
		def = def_after_name(sql, "TRIGGER", 0);
		if (sql && !strncmp(sql, "CREATE CONSTRAINT ", 18)) {
			char *d = mg_asprintf("constraint %s", def ? def : "");

			free(def);
			def = d;
		}
		if (t)
			add_trigger(&t->trg, &t->ntrg, &t->captrg, name, def);
		else
			add_trigger(&v->trg, &v->ntrg, &v->captrg, name, def);
	}
}

/* The default bounds of a sequence of `type` going `up`. */
static const char *seq_default(const char *type, int up, int max)
{
	static const struct {
		const char *type, *min, *max;
	} bounds[] = {
		{ "smallint", "-32768", "32767" },
		{ "integer", "-2147483648", "2147483647" },
		{ "bigint", "-9223372036854775808", "9223372036854775807" },
	};
	size_t i;

	for (i = 0; i < MG_ARRAY_SIZE(bounds); i++) {
		if (strcmp(type, bounds[i].type))
			continue;
		if (up)
			return max ? bounds[i].max : "1";
		return max ? "-1" : bounds[i].min;
	}
	return "";
}

static char *nondefault(const char *value, const char *dflt)
{
	return value && strcmp(value, dflt) ? mg_strdup(value) : NULL;
}

static void pg_take_sequences(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const char *deptype = CELL(r, i, 9), *type = CELL(r, i, 2);
		const char *inc = CELL(r, i, 4);
		struct sequence *s;
		int up = inc && inc[0] != '-';

		if (deptype && deptype[0] == 'i')
			continue; /* an identity column's own */
		if (CELL(r, i, 11) &&
		    excluded(m, CELL(r, i, 10), CELL(r, i, 11)))
			continue;
		s = PUSH(m->s, m->ns, m->caps);
		s->schema = mg_strdup(CELL(r, i, 0));
		s->name = mg_strdup(CELL(r, i, 1));
		s->type = mg_strdup(type);
		s->start = dup_or_null(CELL(r, i, 3));
		s->increment = dup_or_null(inc);
		s->min = nondefault(CELL(r, i, 5), seq_default(type, up, 0));
		s->max = nondefault(CELL(r, i, 6), seq_default(type, up, 1));
		s->cache = nondefault(CELL(r, i, 7), "1");
		s->cycle = is_true(CELL(r, i, 8));
		if (CELL(r, i, 11) && CELL(r, i, 12)) {
			char *tn = qualified(CELL(r, i, 10), CELL(r, i, 11));

			s->owned_by = mg_asprintf("%s.%s", tn,
						  CELL(r, i, 12));
			free(tn);
		}
	}
}

static void pg_take_types(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct utype *ty = PUSH(m->ty, m->nty, m->capty);
		struct mg_buf b = MG_BUF_INIT;

		ty->schema = mg_strdup(CELL(r, i, 0));
		ty->name = mg_strdup(CELL(r, i, 1));
		switch (CELL(r, i, 2)[0]) {
		case 'e':
			ty->kind = "enum";
			mg_buf_printf(&b, "(%s)", CELL(r, i, 3) ?
				      CELL(r, i, 3) : "");
			break;
		case 'd':
			ty->kind = "domain";
			mg_buf_puts(&b, CELL(r, i, 4) ? CELL(r, i, 4) : "");
			if (CELL(r, i, 10))
				mg_buf_printf(&b, " collate %s",
					      CELL(r, i, 10));
			if (is_true(CELL(r, i, 5)))
				mg_buf_puts(&b, " not null");
			if (CELL(r, i, 6))
				mg_buf_printf(&b, " default %s",
					      CELL(r, i, 6));
			if (CELL(r, i, 7))
				mg_buf_printf(&b, " %s", CELL(r, i, 7));
			break;
		case 'r':
			ty->kind = "range";
			mg_buf_puts(&b, CELL(r, i, 9) ? CELL(r, i, 9) : "");
			break;
		default:
			ty->kind = "composite";
			mg_buf_printf(&b, "(%s)", CELL(r, i, 8) ?
				      CELL(r, i, 8) : "");
			break;
		}
		ty->def = mg_buf_detach(&b);
	}
}

static void pg_take_functions(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct routine *f = PUSH(m->f, m->nf, m->capf);

		f->schema = mg_strdup(CELL(r, i, 0));
		f->name = mg_strdup(CELL(r, i, 1));
		f->args = mg_strdup(CELL(r, i, 2) ? CELL(r, i, 2) : "");
		f->def = mg_strdup(CELL(r, i, 3) ? CELL(r, i, 3) : "");
	}
}

static void pg_take_extensions(struct model *m, const struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct extension *e = PUSH(m->e, m->ne, m->cape);

		e->name = mg_strdup(CELL(r, i, 0));
		e->schema = mg_strdup(CELL(r, i, 1));
	}
}

/* The catalog queries of PostgreSQL, in order, and what takes their rows. */
static const struct load_step pg_steps[] = {
	{ pg_relations_sql, pg_take_relations },
	{ pg_columns_sql, pg_take_columns },
	{ pg_constraints_sql, pg_take_constraints },
	{ pg_indexes_sql, pg_take_indexes },
	{ pg_triggers_sql, pg_take_triggers },
	{ pg_sequences_sql, pg_take_sequences },
	{ pg_types_sql, pg_take_types },
	{ pg_functions_sql, pg_take_functions },
	{ pg_extensions_sql, pg_take_extensions },
};

/* ------------------------------------------------------------------ */
/* Sorting, and the last touches                                        */

static int cmp_column(const void *a, const void *b)
{
	return strcmp(((const struct column *)a)->name,
		      ((const struct column *)b)->name);
}

static int cmp_constraint(const void *a, const void *b)
{
	const struct constraint *x = a, *y = b;
	int c = (int)x->kind - (int)y->kind;

	if (!c)
		c = cmp_null(x->name, y->name);
	return c ? c : cmp_null(x->def, y->def);
}

static int cmp_index(const void *a, const void *b)
{
	return strcmp(((const struct index *)a)->name,
		      ((const struct index *)b)->name);
}

static int cmp_trigger(const void *a, const void *b)
{
	return strcmp(((const struct trigger *)a)->name,
		      ((const struct trigger *)b)->name);
}

static int cmp_sequence(const void *a, const void *b)
{
	const struct sequence *x = a, *y = b;

	return cmp_qualified(x->schema, x->name, y->schema, y->name);
}

static int cmp_routine(const void *a, const void *b)
{
	const struct routine *x = a, *y = b;
	int c = cmp_qualified(x->schema, x->name, y->schema, y->name);

	return c ? c : strcmp(x->args, y->args);
}

static int cmp_utype(const void *a, const void *b)
{
	const struct utype *x = a, *y = b;

	return cmp_qualified(x->schema, x->name, y->schema, y->name);
}

static int cmp_extension(const void *a, const void *b)
{
	return strcmp(((const struct extension *)a)->name,
		      ((const struct extension *)b)->name);
}

/* "(a, b) references t (c, d) on delete cascade ..." */
static char *fk_def(const struct constraint *k)
{
	struct mg_buf b = MG_BUF_INIT;
	char *s = strv_join(&k->cols);

	mg_buf_printf(&b, "(%s) references %s", s, k->ref_table);
	free(s);
	if (k->ref_cols.n) {
		s = strv_join(&k->ref_cols);
		mg_buf_printf(&b, " (%s)", s);
		free(s);
	}
	if (k->match)
		mg_buf_printf(&b, " match %s", k->match);
	if (k->on_update)
		mg_buf_printf(&b, " on update %s", k->on_update);
	if (k->on_delete)
		mg_buf_printf(&b, " on delete %s", k->on_delete);
	if (k->deferrable)
		mg_buf_puts(&b, " deferrable");
	if (k->deferred)
		mg_buf_puts(&b, " initially deferred");
	if (k->not_valid)
		mg_buf_puts(&b, " not valid");
	return mg_buf_detach(&b);
}

static void model_finish(struct model *m)
{
	size_t i, j;

	for (i = 0; i < m->nt; i++) {
		struct table *t = &m->t[i];

		for (j = 0; j < t->ncon; j++)
			if (t->con[j].kind == CON_FK && !t->con[j].def)
				t->con[j].def = fk_def(&t->con[j]);
		sort(t->col, t->ncol, sizeof(*t->col), cmp_column);
		sort(t->con, t->ncon, sizeof(*t->con), cmp_constraint);
		sort(t->idx, t->nidx, sizeof(*t->idx), cmp_index);
		sort(t->trg, t->ntrg, sizeof(*t->trg), cmp_trigger);
	}
	for (i = 0; i < m->nv; i++)
		sort(m->v[i].trg, m->v[i].ntrg, sizeof(*m->v[i].trg),
		      cmp_trigger);
	sort(m->s, m->ns, sizeof(*m->s), cmp_sequence);
	sort(m->f, m->nf, sizeof(*m->f), cmp_routine);
	sort(m->ty, m->nty, sizeof(*m->ty), cmp_utype);
	sort(m->e, m->ne, sizeof(*m->e), cmp_extension);
}

/* ------------------------------------------------------------------ */
/* Text                                                                 */

static void put_qualified(struct mg_buf *b, const char *schema,
			  const char *name)
{
	if (*sort_schema(schema))
		mg_buf_printf(b, "%s.", schema);
	mg_buf_puts(b, name);
}

/* Start a new block: a blank line between blocks. */
static void block(struct mg_buf *b)
{
	if (b->len)
		mg_buf_putc(b, '\n');
}

static void text_column(struct mg_buf *b, const struct column *c)
{
	mg_buf_printf(b, "  column %s", c->name);
	if (c->type)
		mg_buf_printf(b, " %s", c->type);
	if (c->collation)
		mg_buf_printf(b, " collate %s", c->collation);
	if (c->notnull)
		mg_buf_puts(b, " not null");
	if (c->dflt)
		mg_buf_printf(b, " default %s", c->dflt);
	if (c->generated)
		mg_buf_printf(b, " generated %s", c->generated);
	if (c->identity)
		mg_buf_printf(b, " generated %s as identity", c->identity);
	mg_buf_putc(b, '\n');
}

static void text_index(struct mg_buf *b, const struct index *x)
{
	char *keys = strv_join(&x->keys);

	mg_buf_printf(b, "  %sindex %s on (%s)", x->unique ? "unique " : "",
		      x->name, keys);
	free(keys);
	if (x->method)
		mg_buf_printf(b, " using %s", x->method);
	if (x->extra)
		mg_buf_printf(b, " %s", x->extra);
	if (x->where)
		mg_buf_printf(b, " where %s", x->where);
	if (x->invalid)
		mg_buf_puts(b, " invalid");
	mg_buf_putc(b, '\n');
}

static void text_triggers(struct mg_buf *b, const struct trigger *trg,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mg_buf_printf(b, "  trigger %s %s\n", trg[i].name,
			      trg[i].def);
}

static void text_table(struct mg_buf *b, const struct table *t)
{
	size_t i;

	block(b);
	mg_buf_printf(b, "%s ", t->kind);
	put_qualified(b, t->schema, t->name);
	mg_buf_putc(b, '\n');
	for (i = 0; i < t->options.n; i++)
		mg_buf_printf(b, "  %s\n", t->options.v[i]);
	for (i = 0; i < t->ncol; i++)
		text_column(b, &t->col[i]);
	for (i = 0; i < t->ncon; i++) {
		const struct constraint *k = &t->con[i];

		mg_buf_printf(b, "  %s", con_word[k->kind]);
		if (k->name)
			mg_buf_printf(b, " %s", k->name);
		mg_buf_printf(b, " %s\n", k->def ? k->def : "");
	}
	for (i = 0; i < t->nidx; i++)
		text_index(b, &t->idx[i]);
	text_triggers(b, t->trg, t->ntrg);
}

static void text_view(struct mg_buf *b, const struct view *v)
{
	block(b);
	mg_buf_puts(b, v->materialized ? "materialized view " : "view ");
	put_qualified(b, v->schema, v->name);
	mg_buf_putc(b, '\n');
	if (v->columns.n) {
		char *s = strv_join(&v->columns);

		mg_buf_printf(b, "  columns (%s)\n", s);
		free(s);
	}
	mg_buf_printf(b, "  as %s\n", v->def ? v->def : "");
	text_triggers(b, v->trg, v->ntrg);
}

static void text_sequence(struct mg_buf *b, const struct sequence *s)
{
	mg_buf_puts(b, "sequence ");
	put_qualified(b, s->schema, s->name);
	mg_buf_printf(b, " %s start %s increment %s", s->type,
		      s->start ? s->start : "?",
		      s->increment ? s->increment : "?");
	if (s->min)
		mg_buf_printf(b, " minvalue %s", s->min);
	if (s->max)
		mg_buf_printf(b, " maxvalue %s", s->max);
	if (s->cache)
		mg_buf_printf(b, " cache %s", s->cache);
	if (s->cycle)
		mg_buf_puts(b, " cycle");
	if (s->owned_by)
		mg_buf_printf(b, " owned by %s", s->owned_by);
	mg_buf_putc(b, '\n');
}

/* A function: its signature, then its definition, indented. */
static void text_routine(struct mg_buf *b, const struct routine *f)
{
	const char *p = f->def, *nl;

	block(b);
	mg_buf_puts(b, "function ");
	put_qualified(b, f->schema, f->name);
	mg_buf_printf(b, "(%s)\n", f->args);
	while (*p) {
		size_t n;

		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n) {
			mg_buf_puts(b, "  ");
			mg_buf_add(b, p, n);
		}
		mg_buf_putc(b, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
}

static char *model_text(const struct model *m)
{
	struct mg_buf b = MG_BUF_INIT;
	size_t i;

	for (i = 0; i < m->nt; i++)
		text_table(&b, &m->t[i]);
	for (i = 0; i < m->nv; i++)
		text_view(&b, &m->v[i]);
	if (m->ns)
		block(&b);
	for (i = 0; i < m->ns; i++)
		text_sequence(&b, &m->s[i]);
	if (m->nty)
		block(&b);
	for (i = 0; i < m->nty; i++) {
		mg_buf_puts(&b, "type ");
		put_qualified(&b, m->ty[i].schema, m->ty[i].name);
		mg_buf_printf(&b, " %s %s\n", m->ty[i].kind, m->ty[i].def);
	}
	for (i = 0; i < m->nf; i++)
		text_routine(&b, &m->f[i]);
	if (m->ne)
		block(&b);
	for (i = 0; i < m->ne; i++) {
		mg_buf_printf(&b, "extension %s", m->e[i].name);
		if (strcmp(m->e[i].schema, "public"))
			mg_buf_printf(&b, " schema %s", m->e[i].schema);
		mg_buf_putc(&b, '\n');
	}
	return mg_buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* JSON: the same model, keys sorted, two spaces of indentation         */

struct jw {
	struct mg_buf b;
	int depth, first;
};

static void jw_quote(struct mg_buf *b, const char *s)
{
	mg_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			mg_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			mg_buf_puts(b, "\\n");
		else if (c == '\t')
			mg_buf_puts(b, "\\t");
		else if (c == '\r')
			mg_buf_puts(b, "\\r");
		else if (c < 0x20)
			mg_buf_printf(b, "\\u%04x", c);
		else
			mg_buf_putc(b, (char)c);
	}
	mg_buf_putc(b, '"');
}

/* A new member (`key` NULL in an array): comma, line, indentation. */
static void jw_key(struct jw *w, const char *key)
{
	int i;

	if (w->depth) {
		if (!w->first)
			mg_buf_putc(&w->b, ',');
		mg_buf_putc(&w->b, '\n');
		for (i = 0; i < w->depth; i++)
			mg_buf_puts(&w->b, "  ");
	}
	w->first = 0;
	if (key) {
		jw_quote(&w->b, key);
		mg_buf_puts(&w->b, ": ");
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	mg_buf_putc(&w->b, c);
	w->depth++;
	w->first = 1;
}

static void jw_close(struct jw *w, char c)
{
	int i;

	w->depth--;
	if (!w->first) {
		mg_buf_putc(&w->b, '\n');
		for (i = 0; i < w->depth; i++)
			mg_buf_puts(&w->b, "  ");
	}
	mg_buf_putc(&w->b, c);
	w->first = 0;
}

static void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s)
		jw_quote(&w->b, s);
	else
		mg_buf_puts(&w->b, "null");
}

static void jw_bool(struct jw *w, const char *key, int v)
{
	jw_key(w, key);
	mg_buf_puts(&w->b, v ? "true" : "false");
}

static void jw_strv(struct jw *w, const char *key, const struct strv *sv)
{
	size_t i;

	jw_open(w, key, '[');
	for (i = 0; i < sv->n; i++)
		jw_str(w, NULL, sv->v[i]);
	jw_close(w, ']');
}

static void json_triggers(struct jw *w, const struct trigger *trg,
			  size_t n)
{
	size_t i;

	jw_open(w, "triggers", '[');
	for (i = 0; i < n; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "definition", trg[i].def);
		jw_str(w, "name", trg[i].name);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

/* The constraints of one kind (all but primary keys). */
static void json_constraints(struct jw *w, const char *key,
			     const struct table *t, enum con_kind kind)
{
	size_t i;

	jw_open(w, key, '[');
	for (i = 0; i < t->ncon; i++) {
		const struct constraint *k = &t->con[i];

		if (k->kind != kind)
			continue;
		jw_open(w, NULL, '{');
		if (kind == CON_UNIQUE || kind == CON_FK)
			jw_strv(w, "columns", &k->cols);
		if (kind == CON_FK)
			jw_bool(w, "deferrable", k->deferrable);
		jw_str(w, "definition", k->def);
		if (kind == CON_FK) {
			jw_bool(w, "initially_deferred", k->deferred);
			jw_str(w, "match", k->match);
		}
		jw_str(w, "name", k->name);
		if (kind == CON_FK) {
			jw_str(w, "on_delete", k->on_delete);
			jw_str(w, "on_update", k->on_update);
			jw_open(w, "references", '{');
			jw_strv(w, "columns", &k->ref_cols);
			jw_str(w, "table", k->ref_table);
			jw_close(w, '}');
			jw_bool(w, "valid", !k->not_valid);
		}
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static void json_table(struct jw *w, const struct table *t)
{
	const struct constraint *pk = NULL;
	size_t i;

	for (i = 0; i < t->ncon; i++)
		if (t->con[i].kind == CON_PK)
			pk = &t->con[i];
	jw_open(w, NULL, '{');
	json_constraints(w, "checks", t, CON_CHECK);
	jw_open(w, "columns", '[');
	for (i = 0; i < t->ncol; i++) {
		const struct column *c = &t->col[i];

		jw_open(w, NULL, '{');
		jw_str(w, "collation", c->collation);
		jw_str(w, "default", c->dflt);
		jw_str(w, "generated", c->generated);
		jw_str(w, "identity", c->identity);
		jw_str(w, "name", c->name);
		jw_bool(w, "not_null", c->notnull);
		jw_str(w, "type", c->type);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	json_constraints(w, "exclusions", t, CON_EXCLUDE);
	json_constraints(w, "foreign_keys", t, CON_FK);
	jw_open(w, "indexes", '[');
	for (i = 0; i < t->nidx; i++) {
		const struct index *x = &t->idx[i];

		jw_open(w, NULL, '{');
		jw_str(w, "extra", x->extra);
		jw_strv(w, "keys", &x->keys);
		jw_str(w, "method", x->method);
		jw_str(w, "name", x->name);
		jw_bool(w, "unique", x->unique);
		jw_bool(w, "valid", !x->invalid);
		jw_str(w, "where", x->where);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_str(w, "kind", t->kind);
	jw_str(w, "name", t->name);
	jw_strv(w, "options", &t->options);
	if (pk) {
		jw_open(w, "primary_key", '{');
		jw_bool(w, "autoincrement", pk->autoincrement);
		jw_strv(w, "columns", &pk->cols);
		jw_str(w, "definition", pk->def);
		jw_str(w, "name", pk->name);
		jw_close(w, '}');
	} else {
		jw_str(w, "primary_key", NULL);
	}
	jw_str(w, "schema", t->schema);
	json_triggers(w, t->trg, t->ntrg);
	json_constraints(w, "uniques", t, CON_UNIQUE);
	jw_close(w, '}');
}

static char *model_json(const struct model *m)
{
	struct jw w;
	size_t i;

	memset(&w, 0, sizeof(w));
	jw_open(&w, NULL, '{');
	jw_open(&w, "extensions", '[');
	for (i = 0; i < m->ne; i++) {
		jw_open(&w, NULL, '{');
		jw_str(&w, "name", m->e[i].name);
		jw_str(&w, "schema", m->e[i].schema);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "functions", '[');
	for (i = 0; i < m->nf; i++) {
		jw_open(&w, NULL, '{');
		jw_str(&w, "arguments", m->f[i].args);
		jw_str(&w, "definition", m->f[i].def);
		jw_str(&w, "name", m->f[i].name);
		jw_str(&w, "schema", m->f[i].schema);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "sequences", '[');
	for (i = 0; i < m->ns; i++) {
		const struct sequence *s = &m->s[i];

		jw_open(&w, NULL, '{');
		jw_str(&w, "cache", s->cache ? s->cache : "1");
		jw_bool(&w, "cycle", s->cycle);
		jw_str(&w, "increment", s->increment);
		jw_str(&w, "maxvalue", s->max);
		jw_str(&w, "minvalue", s->min);
		jw_str(&w, "name", s->name);
		jw_str(&w, "owned_by", s->owned_by);
		jw_str(&w, "schema", s->schema);
		jw_str(&w, "start", s->start);
		jw_str(&w, "type", s->type);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "tables", '[');
	for (i = 0; i < m->nt; i++)
		json_table(&w, &m->t[i]);
	jw_close(&w, ']');
	jw_open(&w, "types", '[');
	for (i = 0; i < m->nty; i++) {
		jw_open(&w, NULL, '{');
		jw_str(&w, "definition", m->ty[i].def);
		jw_str(&w, "kind", m->ty[i].kind);
		jw_str(&w, "name", m->ty[i].name);
		jw_str(&w, "schema", m->ty[i].schema);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "views", '[');
	for (i = 0; i < m->nv; i++) {
		const struct view *v = &m->v[i];

		jw_open(&w, NULL, '{');
		jw_strv(&w, "columns", &v->columns);
		jw_str(&w, "definition", v->def);
		jw_bool(&w, "materialized", v->materialized);
		jw_str(&w, "name", v->name);
		jw_str(&w, "schema", v->schema);
		json_triggers(&w, v->trg, v->ntrg);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	mg_buf_putc(&w.b, '\n');
	return mg_buf_detach(&w.b);
}

/* ------------------------------------------------------------------ */
/* The dump                                                             */

int mg_schema_dump(const struct mg_db_ops *ops, struct mg_db *db,
		   enum mg_dialect dialect, const char *const *exclude,
		   size_t nexclude, int json, char **out,
		   struct mg_error *err)
{
	struct model m;
	int rc;

	*out = NULL;
	memset(&m, 0, sizeof(m));
	m.dialect = dialect;
	m.exclude = exclude;
	m.nexclude = nexclude;
	if (dialect == MG_DIALECT_PG)
		rc = load(&m, ops, db, pg_steps, MG_ARRAY_SIZE(pg_steps), err);
	else if (dialect == MG_DIALECT_SQLITE)
		rc = load(&m, ops, db, sq_steps, MG_ARRAY_SIZE(sq_steps), err);
	else
		rc = mg_error_set(err, MG_EUSAGE, NULL, 0,
				  "cannot dump the schema: no dialect given");
	if (rc == MG_OK) {
		model_finish(&m);
		*out = json ? model_json(&m) : model_text(&m);
	}
	model_release(&m);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Line diff                                                            */

/* The diff's lines keep their '\n' (the last one may lack it). */
struct dline {
	const char *p;
	size_t len;
};

struct dfile {
	struct dline *line;
	size_t n, cap;
	long *id;      /* equal lines, equal ids */
	char *changed; /* [-1] and [n] are guards, always 0 */
};

static void split_lines(struct dfile *f, const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) + 1 : strlen(s);
		struct dline *l = PUSH(f->line, f->n, f->cap);

		l->p = s;
		l->len = len;
		s += len;
	}
	f->id = mg_calloc(f->n + 1, sizeof(*f->id));
	f->changed = (char *)mg_calloc(f->n + 2, 1) + 1;
}

static uint64_t line_hash(const struct dline *l)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < l->len; i++)
		h = (h ^ (unsigned char)l->p[i]) * 1099511628211ull;
	return h;
}

/* Number the distinct lines of both files; returns how many there are. */
static size_t number_lines(struct dfile *a, struct dfile *b)
{
	size_t size = 16, i, k, next = 0;
	struct dline **slot;
	long *slot_id;
	struct dfile *f;

	while (size < 2 * (a->n + b->n))
		size *= 2;
	slot = mg_calloc(size, sizeof(*slot));
	slot_id = mg_calloc(size, sizeof(*slot_id));
	for (f = a; f; f = f == a ? b : NULL) {
		for (i = 0; i < f->n; i++) {
			struct dline *l = &f->line[i];

			k = (size_t)line_hash(l) & (size - 1);
			while (slot[k] && (slot[k]->len != l->len ||
					   memcmp(slot[k]->p, l->p, l->len)))
				k = (k + 1) & (size - 1);
			if (!slot[k]) {
				slot[k] = l;
				slot_id[k] = (long)next++;
			}
			f->id[i] = slot_id[k];
		}
	}
	free(slot);
	free(slot_id);
	return next;
}

/*
 * The diagonal vectors of Myers' search, indexed by diagonal x - y from
 * -(nb + 1) to na + 1.
 */
struct dsearch {
	const long *X, *Y;     /* the lines compared (ids) */
	const long *xr, *yr;   /* their indexes in the files */
	char *xch, *ych;       /* the files' changed marks */
	long *fd, *bd;
	long too_expensive;    /* the cost at which exactness is given up */
};

/*
 * GNU diff's way out of a very expensive search: split at whichever of
 * the two searches got furthest (the forward diagonal with the greatest
 * x + y, or the backward one with the least), and search the half on the
 * far side of it without giving up again.
 */
static void give_up(struct dsearch *s, long xoff, long xlim, long yoff,
		    long ylim, long fmin, long fmax, long bmin, long bmax,
		    long *xmid, long *ymid, int *lo_minimal, int *hi_minimal)
{
	long d, fxy = -1, fx = 0, bxy = LONG_MAX, bx = 0;

	for (d = fmax; d >= fmin; d -= 2) {
		long x = s->fd[d] < xlim ? s->fd[d] : xlim, y = x - d;

		if (ylim < y) {
			x = ylim + d;
			y = ylim;
		}
		if (fxy < x + y) {
			fxy = x + y;
			fx = x;
		}
	}
	for (d = bmax; d >= bmin; d -= 2) {
		long x = s->bd[d] > xoff ? s->bd[d] : xoff, y = x - d;

		if (y < yoff) {
			x = yoff + d;
			y = yoff;
		}
		if (x + y < bxy) {
			bxy = x + y;
			bx = x;
		}
	}
	if ((xlim + ylim) - bxy < fxy - (xoff + yoff)) {
		*xmid = fx;
		*ymid = fxy - fx;
		*lo_minimal = 1;
		*hi_minimal = 0;
	} else {
		*xmid = bx;
		*ymid = bxy - bx;
		*lo_minimal = 0;
		*hi_minimal = 1;
	}
}

/*
 * Myers' middle snake ("An O(ND) Difference Algorithm and Its
 * Variations", section 4b), with GNU diff's conventions so that among
 * several shortest edits the same one is found: search forward from
 * (xoff, yoff) and backward from (xlim, ylim) one edit step at a time,
 * diagonals from the highest down, the forward step preferring the
 * diagonal above on ties, until the two searches overlap: (*xmid, *ymid)
 * is then on a shortest edit.  Unless `minimal`, a search costing more
 * than s->too_expensive steps gives up as GNU diff does (give_up), and
 * *lo_minimal / *hi_minimal say which half must still be exact.
 */
static void middle(struct dsearch *s, long xoff, long xlim, long yoff,
		   long ylim, int minimal, long *xmid, long *ymid,
		   int *lo_minimal, int *hi_minimal)
{
	const long *X = s->X, *Y = s->Y;
	long *fd = s->fd, *bd = s->bd;
	long dmin = xoff - ylim, dmax = xlim - yoff;
	long fmid = xoff - yoff, bmid = xlim - ylim;
	long fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
	int odd = ((fmid - bmid) & 1) != 0;
	long c;

	*lo_minimal = *hi_minimal = 1;
	fd[fmid] = xoff;
	bd[bmid] = xlim;
	for (c = 1;; c++) {
		long d, x, y, lo, hi;

		if (fmin > dmin)
			fd[--fmin - 1] = -1;
		else
			++fmin;
		if (fmax < dmax)
			fd[++fmax + 1] = -1;
		else
			--fmax;
		for (d = fmax; d >= fmin; d -= 2) {
			lo = fd[d - 1];
			hi = fd[d + 1];
			x = lo < hi ? hi : lo + 1;
			for (y = x - d; x < xlim && y < ylim && X[x] == Y[y];)
				x++, y++;
			fd[d] = x;
			if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
				*xmid = x;
				*ymid = y;
				return;
			}
		}
		if (bmin > dmin)
			bd[--bmin - 1] = LONG_MAX;
		else
			++bmin;
		if (bmax < dmax)
			bd[++bmax + 1] = LONG_MAX;
		else
			--bmax;
		for (d = bmax; d >= bmin; d -= 2) {
			lo = bd[d - 1];
			hi = bd[d + 1];
			x = lo < hi ? lo : hi - 1;
			for (y = x - d; xoff < x && yoff < y &&
					X[x - 1] == Y[y - 1];)
				x--, y--;
			bd[d] = x;
			if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
				*xmid = x;
				*ymid = y;
				return;
			}
		}
		if (!minimal && c >= s->too_expensive) {
			give_up(s, xoff, xlim, yoff, ylim, fmin, fmax, bmin,
				bmax, xmid, ymid, lo_minimal, hi_minimal);
			return;
		}
	}
}

/* Mark the lines of X[alo..ahi) and Y[blo..bhi) a shortest edit changes. */
static void compare(struct dsearch *s, long alo, long ahi, long blo,
		    long bhi, int minimal)
{
	const long *X = s->X, *Y = s->Y;
	long xmid, ymid;
	int lo_minimal, hi_minimal;

	while (alo < ahi && blo < bhi && X[alo] == Y[blo])
		alo++, blo++;
	while (alo < ahi && blo < bhi && X[ahi - 1] == Y[bhi - 1])
		ahi--, bhi--;
	if (alo == ahi) {
		for (; blo < bhi; blo++)
			s->ych[s->yr[blo]] = 1;
	} else if (blo == bhi) {
		for (; alo < ahi; alo++)
			s->xch[s->xr[alo]] = 1;
	} else {
		middle(s, alo, ahi, blo, bhi, minimal, &xmid, &ymid,
		       &lo_minimal, &hi_minimal);
		compare(s, alo, xmid, blo, ymid, lo_minimal);
		compare(s, xmid, ahi, ymid, bhi, hi_minimal);
	}
}

/*
 * GNU diff's discard_confusing_lines, which decides which of several
 * shortest edits `diff -u` prints: before the search, a line of f[lo..hi)
 * that the other file's window lacks is set aside as changed, and so are
 * lines that occur very often there (more than about 5 * sqrt(n) times)
 * when they sit inside a run of such lines.  `count` holds, per line id,
 * how often it occurs in the other file's window.  Returns the lines
 * left to compare: their ids in *ids, their indexes in *real.
 */
static long undiscarded(struct dfile *f, long lo, long hi, const long *count,
			long **ids, long **real)
{
	long end = hi - lo, i, j, n = 0, many = 5, tem = end / 64;
	char *d = mg_calloc((size_t)end + 1, 1);

	while ((tem >>= 2) > 0)
		many *= 2;
	for (i = 0; i < end; i++) {
		long nmatch = count[f->id[lo + i]];

		if (nmatch == 0)
			d[i] = 1;
		else if (nmatch > many)
			d[i] = 2;
	}
	for (i = 0; i < end; i++) {
		long len, prov = 0, minimum = 1, consec;

		if (d[i] == 2)
			d[i] = 0; /* provisional, not inside a run */
		if (d[i] != 1)
			continue;
		for (j = i; j < end && d[j]; j++)
			if (d[j] == 2)
				prov++;
		while (j > i && d[j - 1] == 2)
			d[--j] = 0, prov--;
		len = j - i;
		if (prov * 4 > len) {
			while (j > i)
				if (d[--j] == 2)
					d[j] = 0;
			continue;
		}
		for (tem = len >> 2; (tem >>= 2) > 0;)
			minimum <<= 1;
		minimum++;
		/* keep runs of `minimum` or more frequent lines */
		for (j = 0, consec = 0; j < len; j++) {
			if (d[i + j] != 2)
				consec = 0;
			else if (minimum == ++consec)
				j -= consec;
			else if (minimum < consec)
				d[i + j] = 0;
		}
		/* and those near either end of the run */
		for (j = 0, consec = 0; j < len; j++) {
			if (j >= 8 && d[i + j] == 1)
				break;
			if (d[i + j] == 2)
				consec = 0, d[i + j] = 0;
			else if (d[i + j] == 0)
				consec = 0;
			else
				consec++;
			if (consec == 3)
				break;
		}
		i += len - 1;
		for (j = 0, consec = 0; j < len; j++) {
			if (j >= 8 && d[i - j] == 1)
				break;
			if (d[i - j] == 2)
				consec = 0, d[i - j] = 0;
			else if (d[i - j] == 0)
				consec = 0;
			else
				consec++;
			if (consec == 3)
				break;
		}
	}
	*ids = mg_calloc((size_t)end + 1, sizeof(**ids));
	*real = mg_calloc((size_t)end + 1, sizeof(**real));
	for (i = 0; i < end; i++) {
		if (d[i]) {
			f->changed[lo + i] = 1;
			continue;
		}
		(*ids)[n] = f->id[lo + i];
		(*real)[n++] = lo + i;
	}
	free(d);
	return n;
}

/*
 * Where a run of changed lines could as well sit elsewhere (the line
 * before it equals its last line, or the line after it its first), move
 * it as GNU diff does: join it with neighbouring runs where possible,
 * otherwise as far down as it goes, then back up to line up with a
 * change in the other file.  This is what makes the output match
 * `diff -u` when several shortest edits exist.
 */
static void shift_boundaries(struct dfile *f, const struct dfile *other,
			     long lo, long hi)
{
	char *ch = f->changed + lo;
	const char *och = other->changed + lo;
	const long *id = f->id + lo;
	long n = hi - lo, i = 0, j = 0;

	for (;;) {
		long start, run, corresponding;

		/* the next run, and the matching place in the other file */
		while (i < n && !ch[i]) {
			while (och[j])
				j++;
			j++;
			i++;
		}
		if (i == n)
			break;
		start = i;
		while (ch[i])
			i++;
		while (och[j])
			j++;
		do {
			run = i - start;
			/* slide up while the line above equals the last */
			while (start > 0 && id[start - 1] == id[i - 1]) {
				ch[--start] = 1;
				ch[--i] = 0;
				while (ch[start - 1])
					start--;
				j--;
				while (och[j])
					j--;
			}
			corresponding = och[j - 1] ? i : n;
			/* slide down while the line below equals the first */
			while (i < n && id[start] == id[i]) {
				ch[start++] = 0;
				ch[i++] = 1;
				while (ch[i])
					i++;
				j++;
				while (och[j]) {
					j++;
					corresponding = i;
				}
			}
		} while (run != i - start);
		/* back up to where the other file changes too */
		while (corresponding < i) {
			ch[--start] = 1;
			ch[--i] = 0;
			j--;
			while (och[j])
				j--;
		}
	}
}

struct change {
	size_t a, na, b, nb; /* a[a..a+na) became b[b..b+nb) */
};

static void put_range(struct mg_buf *out, size_t start, size_t count)
{
	if (count == 1)
		mg_buf_printf(out, "%zu", start + 1);
	else
		mg_buf_printf(out, "%zu,%zu", count ? start + 1 : start,
			      count);
}

static void put_line(struct mg_buf *out, char tag, const struct dline *l)
{
	mg_buf_putc(out, tag);
	mg_buf_add(out, l->p, l->len);
	if (!l->len || l->p[l->len - 1] != '\n')
		mg_buf_puts(out, "\n\\ No newline at end of file\n");
}

#define CONTEXT 3

/* One hunk: changes c[0..nc), with CONTEXT lines around. */
static void put_hunk(struct mg_buf *out, const struct dfile *a,
		     const struct dfile *b, const struct change *c,
		     size_t nc)
{
	const struct change *last = &c[nc - 1];
	size_t lead = c->a < CONTEXT ? c->a : CONTEXT;
	size_t a0 = c->a - lead, b0 = c->b - lead;
	size_t a1 = last->a + last->na + CONTEXT, b1;
	size_t i, ai, bi;

	if (a1 > a->n)
		a1 = a->n;
	b1 = last->b + last->nb + (a1 - last->a - last->na);
	mg_buf_puts(out, "@@ -");
	put_range(out, a0, a1 - a0);
	mg_buf_puts(out, " +");
	put_range(out, b0, b1 - b0);
	mg_buf_puts(out, " @@\n");
	ai = a0;
	bi = b0;
	for (i = 0; i < nc; i++) {
		for (; ai < c[i].a; ai++, bi++)
			put_line(out, ' ', &a->line[ai]);
		for (; ai < c[i].a + c[i].na; ai++)
			put_line(out, '-', &a->line[ai]);
		for (; bi < c[i].b + c[i].nb; bi++)
			put_line(out, '+', &b->line[bi]);
	}
	for (; ai < a1; ai++)
		put_line(out, ' ', &a->line[ai]);
}

/*
 * Mark the changed lines of both files as `diff -u` would: a shortest
 * edit, found and then tidied the way GNU diff does it.
 */
static void mark_changes(struct dfile *fa, struct dfile *fb)
{
	size_t nid = number_lines(fa, fb), lo, hi, i;
	long *ca = mg_calloc(nid + 1, sizeof(*ca));
	long *cb = mg_calloc(nid + 1, sizeof(*cb));
	long ahi, bhi, nx, ny, diags;
	struct dsearch s;
	long *x = NULL, *y = NULL, *xr = NULL, *yr = NULL;

	/*
	 * GNU diff leaves out the identical start and end of the files but
	 * for CONTEXT lines of each before it looks at them, so nothing
	 * below sees further than that.
	 */
	for (lo = 0; lo < fa->n && lo < fb->n && fa->id[lo] == fb->id[lo];
	     lo++)
		;
	lo = lo > CONTEXT ? lo - CONTEXT : 0;
	for (hi = 0; hi < fa->n - lo && hi < fb->n - lo &&
		     fa->id[fa->n - hi - 1] == fb->id[fb->n - hi - 1];
	     hi++)
		;
	hi = hi > CONTEXT ? hi - CONTEXT : 0;
	ahi = (long)(fa->n - hi);
	bhi = (long)(fb->n - hi);
	for (i = lo; i < (size_t)ahi; i++)
		ca[fa->id[i]]++;
	for (i = lo; i < (size_t)bhi; i++)
		cb[fb->id[i]]++;
	nx = undiscarded(fa, (long)lo, ahi, cb, &x, &xr);
	ny = undiscarded(fb, (long)lo, bhi, ca, &y, &yr);
	s.X = x;
	s.Y = y;
	s.xr = xr;
	s.yr = yr;
	s.xch = fa->changed;
	s.ych = fb->changed;
	s.fd = mg_malloc((size_t)(nx + ny + 3) * sizeof(long));
	s.bd = mg_malloc((size_t)(nx + ny + 3) * sizeof(long));
	s.fd += ny + 1;
	s.bd += ny + 1;
	/* GNU: about the square root of the size, at least 4096 */
	for (s.too_expensive = 1, diags = nx + ny + 3; diags; diags >>= 2)
		s.too_expensive <<= 1;
	if (s.too_expensive < 4096)
		s.too_expensive = 4096;
	compare(&s, 0, nx, 0, ny, 0);
	free(s.fd - ny - 1);
	free(s.bd - ny - 1);
	shift_boundaries(fa, fb, (long)lo, ahi);
	shift_boundaries(fb, fa, (long)lo, bhi);
	free(x);
	free(y);
	free(xr);
	free(yr);
	free(ca);
	free(cb);
}

char *mg_text_diff(const char *a, const char *b, const char *label_a,
		   const char *label_b)
{
	struct dfile fa, fb;
	struct change *c = NULL;
	size_t nc = 0, capc = 0, i = 0, j = 0, h, e;
	struct mg_buf out = MG_BUF_INIT;

	if (!strcmp(a, b))
		return NULL;
	memset(&fa, 0, sizeof(fa));
	memset(&fb, 0, sizeof(fb));
	split_lines(&fa, a);
	split_lines(&fb, b);
	mark_changes(&fa, &fb);
	while (i < fa.n || j < fb.n) {
		struct change *k;

		if (i < fa.n && j < fb.n && !fa.changed[i] &&
		    !fb.changed[j]) {
			i++;
			j++;
			continue;
		}
		k = PUSH(c, nc, capc);
		k->a = i;
		k->b = j;
		while (i < fa.n && fa.changed[i])
			i++;
		while (j < fb.n && fb.changed[j])
			j++;
		k->na = i - k->a;
		k->nb = j - k->b;
		if (!k->na && !k->nb)
			break; /* cannot happen: the marks pair up */
	}
	mg_buf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
	for (h = 0; h < nc; h = e) {
		/* join changes less than 2 * CONTEXT + 1 lines apart */
		for (e = h + 1; e < nc; e++)
			if (c[e].a - (c[e - 1].a + c[e - 1].na) >
			    2 * CONTEXT)
				break;
		put_hunk(&out, &fa, &fb, &c[h], e - h);
	}
	free(c);
	free(fa.line);
	free(fa.id);
	free(fa.changed - 1);
	free(fb.line);
	free(fb.id);
	free(fb.changed - 1);
	return mg_buf_detach(&out);
}
