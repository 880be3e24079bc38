/*
 * sqlsplit.c - split a unit's SQL text into statements.
 *
 * One pass of a small lexer, in the spirit of SQLite's src/complete.c and
 * psql's psqlscan.l: it knows just enough of each dialect to tell where a
 * statement ends, and it counts lines so that every statement (and every
 * error) can be reported at its line in the unit file.
 *
 * Both dialects: '...' strings with '' doubling, "..." identifiers with ""
 * doubling, -- comments to the end of the line and / * * / comments.
 *
 * PostgreSQL adds E'...' strings with backslash escapes, nested comments,
 * $$...$$ and $tag$...$tag$ bodies ($1 is a parameter, and a $ inside an
 * identifier belongs to it), semicolons inside parentheses (the actions of
 * a CREATE RULE) and the BEGIN ATOMIC ... END body of a SQL-standard
 * function or procedure, where CASE ... END may nest (psql's heuristic).
 *
 * SQLite adds [bracket] and `backtick` identifiers, comments that do not
 * nest, and the body of CREATE TRIGGER, which only ends at "; END" followed
 * by a semicolon or the end of the text (sqlite3_complete's state machine).
 *
 * It does not parse SQL: anything it lets through, the server judges.
 */
#include "mg.h"

#include <stdint.h>

/* A psql meta-command name is shown up to this many bytes. */
#define META_NAME_MAX 32
/* A dollar-quote tag is shown up to this many bytes. */
#define TAG_SHOW_MAX 64

enum tok_kind {
	TK_EOF,
	TK_SEMI,      /* ; */
	TK_LPAREN,    /* ( */
	TK_RPAREN,    /* ) */
	TK_WORD,      /* an unquoted identifier or keyword */
	TK_BACKSLASH, /* \ outside any string or comment */
	TK_OTHER      /* a string, quoted identifier, number, operator... */
};

struct token {
	enum tok_kind kind;
	size_t off, end;  /* s[off, end) */
	unsigned line;    /* line of s[off] */
};

struct lexer {
	const char *s;
	size_t len;
	size_t i;         /* next byte to read */
	unsigned line;    /* line of s[i] */
	enum mg_dialect dialect;
	const char *file;
	struct mg_error *err;
};

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* First character of an unquoted identifier (both dialects). */
static int is_ident_start(unsigned char c)
{
	return is_alpha(c) || c == '_' || c >= 0x80;
}

/* Later characters; PostgreSQL and SQLite both allow $ there. */
static int is_ident_cont(unsigned char c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

/* Later characters of a dollar-quote tag: no $ there. */
static int is_tag_cont(unsigned char c)
{
	return is_ident_start(c) || is_digit(c);
}

/* Does s[0, n) spell the lowercase keyword `kw`, ignoring ASCII case? */
static int word_is(const char *s, size_t n, const char *kw)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (kw[i] == '\0' || c != (unsigned char)kw[i])
			return 0;
	}
	return kw[n] == '\0';
}

static int tok_is(const struct lexer *lx, const struct token *t,
		  const char *kw)
{
	return t->kind == TK_WORD &&
	       word_is(lx->s + t->off, t->end - t->off, kw);
}

/* Move to s[to], counting the newlines passed. */
static void advance_to(struct lexer *lx, size_t to)
{
	const char *p = lx->s + lx->i, *end = lx->s + to;

	while (p < end) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			break;
		lx->line++;
		p++;
	}
	lx->i = to;
}

/*
 * Skip a / * comment starting at s[i]; PostgreSQL's nest.  Returns
 * MG_OK, or MG_ECONFIG at the line where the comment opened.
 */
static int skip_block_comment(struct lexer *lx)
{
	const char *s = lx->s;
	unsigned line0 = lx->line;
	size_t i = lx->i + 2, depth = 1;
	int nest = lx->dialect == MG_DIALECT_PG;

	while (i + 1 < lx->len) {
		if (s[i] == '*' && s[i + 1] == '/') {
			i += 2;
			if (--depth == 0) {
				advance_to(lx, i);
				return MG_OK;
			}
		} else if (nest && s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else {
			i++;
		}
	}
	return mg_error_set(lx->err, MG_ECONFIG, lx->file, line0,
			    "unterminated /* comment");
}

/* Skip white space and comments. */
static int skip_blanks(struct lexer *lx)
{
	const char *s = lx->s;

	while (lx->i < lx->len) {
		unsigned char c = (unsigned char)s[lx->i];

		if (is_space(c)) {
			if (c == '\n')
				lx->line++;
			lx->i++;
		} else if (c == '-' && lx->i + 1 < lx->len &&
			   s[lx->i + 1] == '-') {
			const char *nl = memchr(s + lx->i, '\n',
						lx->len - lx->i);

			lx->i = nl ? (size_t)(nl - s) : lx->len;
		} else if (c == '/' && lx->i + 1 < lx->len &&
			   s[lx->i + 1] == '*') {
			if (skip_block_comment(lx) != MG_OK)
				return MG_ECONFIG;
		} else {
			break;
		}
	}
	return MG_OK;
}

/*
 * Scan a quoted construct opened by s[i] and closed by `close`, where a
 * doubled `close` stands for itself; with `backslash`, a backslash
 * escapes the next byte (E'...').  On success *end is just past it.
 */
static int scan_quoted(const struct lexer *lx, size_t i, char close,
		       int doubling, int backslash, size_t *end)
{
	const char *s = lx->s;

	for (i++; i < lx->len; i++) {
		if (backslash && s[i] == '\\') {
			i++;
		} else if (s[i] == close) {
			if (doubling && i + 1 < lx->len && s[i + 1] == close) {
				i++;
				continue;
			}
			*end = i + 1;
			return 1;
		}
	}
	return 0;
}

/*
 * At s[i] == '$' (PostgreSQL): if a dollar-quote delimiter $tag$ starts
 * here, return its length (at least 2); otherwise 0.
 */
static size_t dollar_tag_len(const struct lexer *lx, size_t i)
{
	const char *s = lx->s;
	size_t j = i + 1;

	if (j < lx->len && s[j] == '$')
		return 2;
	if (j >= lx->len || !is_ident_start((unsigned char)s[j]))
		return 0;
	while (j < lx->len && is_tag_cont((unsigned char)s[j]))
		j++;
	if (j < lx->len && s[j] == '$')
		return j + 1 - i;
	return 0;
}

/* Find the delimiter s[i, i + n) again at or after `from`. */
static int find_delim(const struct lexer *lx, size_t from, size_t i, size_t n,
		      size_t *at)
{
	const char *s = lx->s;

	while (from + n <= lx->len) {
		const char *p = memchr(s + from, '$', lx->len - from);

		if (!p)
			return 0;
		from = (size_t)(p - s);
		if (from + n > lx->len)
			return 0;
		if (memcmp(s + from, s + i, n) == 0) {
			*at = from;
			return 1;
		}
		from++;
	}
	return 0;
}

/* A number at s[i]: digits, a fraction, an exponent (1, 1.5, 2e-3). */
static size_t scan_number(const struct lexer *lx, size_t i)
{
	const char *s = lx->s;
	size_t e;

	while (i < lx->len && (is_digit((unsigned char)s[i]) || s[i] == '.'))
		i++;
	if (i + 1 >= lx->len || (s[i] != 'e' && s[i] != 'E'))
		return i;
	/* 1e'x' is 1 then E'x', as in PostgreSQL's lexer */
	e = i + 1;
	if (e + 1 < lx->len && (s[e] == '+' || s[e] == '-'))
		e++;
	if (e >= lx->len || !is_digit((unsigned char)s[e]))
		return i;
	while (e < lx->len && is_digit((unsigned char)s[e]))
		e++;
	return e;
}

static int unterminated(struct lexer *lx, unsigned line, const char *what)
{
	return mg_error_set(lx->err, MG_ECONFIG, lx->file, line,
			    "unterminated %s", what);
}

/*
 * Read the next token after any white space and comments.  Returns MG_OK,
 * or MG_ECONFIG for an unterminated string, identifier, comment or dollar
 * body, at the line where it began.
 */
static int next_token(struct lexer *lx, struct token *t)
{
	const char *s = lx->s;
	int pg = lx->dialect == MG_DIALECT_PG;
	size_t i, end = 0;
	unsigned char c;

	if (skip_blanks(lx) != MG_OK)
		return MG_ECONFIG;
	i = lx->i;
	t->off = i;
	t->line = lx->line;
	if (i >= lx->len) {
		t->kind = TK_EOF;
		t->end = i;
		return MG_OK;
	}
	c = (unsigned char)s[i];
	t->kind = TK_OTHER;
	end = i + 1;
	switch (c) {
	case ';':
		t->kind = TK_SEMI;
		break;
	case '(':
		t->kind = TK_LPAREN;
		break;
	case ')':
		t->kind = TK_RPAREN;
		break;
	case '\\':
		t->kind = TK_BACKSLASH;
		break;
	case '\'':
		if (!scan_quoted(lx, i, '\'', 1, 0, &end))
			return unterminated(lx, t->line, "quoted string");
		break;
	case '"':
		if (!scan_quoted(lx, i, '"', 1, 0, &end))
			return unterminated(lx, t->line, "quoted identifier");
		break;
	case '[':
		if (!pg && !scan_quoted(lx, i, ']', 0, 0, &end))
			return unterminated(lx, t->line, "quoted identifier");
		break;
	case '`':
		if (!pg && !scan_quoted(lx, i, '`', 1, 0, &end))
			return unterminated(lx, t->line, "quoted identifier");
		break;
	case '$':
		if (!pg)
			break;
		if (i + 1 < lx->len && is_digit((unsigned char)s[i + 1])) {
			/* a parameter, $1 */
			for (end = i + 1; end < lx->len &&
			     is_digit((unsigned char)s[end]); end++)
				;
		} else {
			size_t n = dollar_tag_len(lx, i), at;

			if (n == 0)
				break;
			if (!find_delim(lx, i + n, i, n, &at))
				return mg_error_set(lx->err, MG_ECONFIG,
					lx->file, t->line,
					"unterminated dollar-quoted string "
					"'%.*s'", (int)(n < TAG_SHOW_MAX ?
					n : TAG_SHOW_MAX), s + i);
			end = at + n;
		}
		break;
	default:
		if (is_digit(c)) {
			end = scan_number(lx, i);
		} else if (is_ident_start(c)) {
			while (end < lx->len &&
			       is_ident_cont((unsigned char)s[end]))
				end++;
			/* E'...': a string with backslash escapes */
			if (pg && end == i + 1 && (c == 'e' || c == 'E') &&
			    end < lx->len && s[end] == '\'') {
				if (!scan_quoted(lx, end, '\'', 1, 1, &end))
					return unterminated(lx, t->line,
							    "quoted string");
			} else {
				t->kind = TK_WORD;
			}
		}
		break;
	}
	t->end = end;
	advance_to(lx, end);
	return MG_OK;
}

/*
 * A backslash is a psql meta-command when it is the first character of a
 * statement or the first non-blank character of its line.
 */
static int is_line_start(const struct lexer *lx, size_t i)
{
	while (i > 0) {
		char c = lx->s[i - 1];

		if (c == '\n')
			return 1;
		if (c != ' ' && c != '\t' && c != '\r' && c != '\f' &&
		    c != '\v')
			return 0;
		i--;
	}
	return 1;
}

static int meta_command(struct lexer *lx, const struct token *t)
{
	const char *s = lx->s;
	size_t i = t->off + 1, n = 0;

	while (i + n < lx->len && n < META_NAME_MAX &&
	       (is_alpha((unsigned char)s[i + n]) ||
		is_digit((unsigned char)s[i + n]) || s[i + n] == '_' ||
		s[i + n] == '+'))
		n++;
	if (n == 0 && i < lx->len && s[i] > ' ' && s[i] < 0x7f)
		n = 1;
	return mg_error_set(lx->err, MG_ECONFIG, lx->file, t->line,
			    "psql meta-command '\\%.*s' is not SQL", (int)n,
			    s + i);
}

/* Where a SQLite statement stands, as in sqlite3_complete. */
enum trig_state {
	TS_START,   /* nothing yet */
	TS_NORMAL,  /* an ordinary statement: the next ; ends it */
	TS_EXPLAIN, /* EXPLAIN [QUERY PLAN] ... seen */
	TS_CREATE,  /* CREATE [TEMP|TEMPORARY] seen */
	TS_TRIGGER, /* inside CREATE TRIGGER: only ";END;" ends it */
	TS_SEMI,    /* the ; of ";END;" */
	TS_END      /* the ;END of ";END;" */
};

/* The state of the statement being scanned. */
struct stmt_state {
	int started;
	size_t off, end;     /* first byte, just past the last token */
	unsigned line;
	/* PostgreSQL */
	unsigned paren;      /* open parentheses */
	unsigned nwords;     /* words seen so far */
	int fn;              /* CREATE [OR REPLACE] FUNCTION|PROCEDURE */
	int fn_prefix;       /* still matching that prefix */
	unsigned atomic;     /* BEGIN ATOMIC / CASE depth */
	int begin_seen;      /* the previous token was BEGIN */
	unsigned begin_line; /* its line */
	unsigned body_line;  /* line of the outermost BEGIN ATOMIC */
	/* SQLite */
	enum trig_state ts;
	unsigned trig_line;  /* line of CREATE, then of the body's BEGIN */
	int trig_begin;      /* BEGIN of the trigger body seen */
};

static void stmt_reset(struct stmt_state *st)
{
	memset(st, 0, sizeof(*st));
	st->fn_prefix = 1;
	st->ts = TS_START;
}

/*
 * psql's rule for SQL-standard bodies: in CREATE [OR REPLACE] FUNCTION or
 * PROCEDURE, outside parentheses, BEGIN ATOMIC opens a body and CASE
 * nests in it; END closes either.  (psql counts any BEGIN; requiring
 * ATOMIC lets a parameter or function be called "begin".)
 */
static void pg_word(struct stmt_state *st, const struct lexer *lx,
		    const struct token *t)
{
	int begin_seen = st->begin_seen;

	st->begin_seen = 0;
	if (st->fn_prefix) {
		static const char *const opt[] = { "create", "or", "replace" };
		unsigned k = st->nwords;

		if (k == 0 && !tok_is(lx, t, "create"))
			st->fn_prefix = 0;
		else if (k > 0 && (tok_is(lx, t, "function") ||
				   tok_is(lx, t, "procedure")) &&
			 (k == 1 || k == 3)) {
			st->fn = 1;
			st->fn_prefix = 0;
		} else if (k > 0 && !(k < 3 && tok_is(lx, t, opt[k]))) {
			st->fn_prefix = 0;
		}
	}
	st->nwords++;
	if (!st->fn || st->paren > 0)
		return;
	if (tok_is(lx, t, "begin")) {
		st->begin_seen = 1;
		st->begin_line = t->line;
	} else if (tok_is(lx, t, "atomic") && begin_seen) {
		if (st->atomic++ == 0)
			st->body_line = st->begin_line;
	} else if (tok_is(lx, t, "case")) {
		if (st->atomic > 0)
			st->atomic++;
	} else if (tok_is(lx, t, "end")) {
		if (st->atomic > 0)
			st->atomic--;
	}
}

/*
 * Feed a token to a PostgreSQL statement.  Returns 1 when `t` (a
 * semicolon) ends the statement.
 */
static int pg_feed(struct stmt_state *st, const struct lexer *lx,
		   const struct token *t)
{
	switch (t->kind) {
	case TK_SEMI:
		st->begin_seen = 0;
		return st->paren == 0 && st->atomic == 0;
	case TK_LPAREN:
		st->paren++;
		break;
	case TK_RPAREN:
		if (st->paren > 0)
			st->paren--;
		break;
	case TK_WORD:
		pg_word(st, lx, t);
		return 0;
	default:
		break;
	}
	st->begin_seen = 0;
	return 0;
}

/*
 * Feed a token to a SQLite statement: sqlite3_complete's transitions.
 * Returns 1 when `t` (a semicolon) ends the statement.
 */
static int sqlite_feed(struct stmt_state *st, const struct lexer *lx,
		       const struct token *t)
{
	if (t->kind == TK_SEMI) {
		if (st->ts == TS_TRIGGER || st->ts == TS_SEMI) {
			st->ts = TS_SEMI;
			return 0;
		}
		return 1;
	}
	switch (st->ts) {
	case TS_START:
		if (tok_is(lx, t, "explain"))
			st->ts = TS_EXPLAIN;
		else if (tok_is(lx, t, "create"))
			st->ts = TS_CREATE;
		else
			st->ts = TS_NORMAL;
		break;
	case TS_EXPLAIN:
		if (tok_is(lx, t, "create"))
			st->ts = TS_CREATE;
		else if (tok_is(lx, t, "explain") || tok_is(lx, t, "temp") ||
			 tok_is(lx, t, "temporary") ||
			 tok_is(lx, t, "trigger") || tok_is(lx, t, "end"))
			st->ts = TS_NORMAL;
		break;
	case TS_CREATE:
		if (tok_is(lx, t, "trigger")) {
			st->ts = TS_TRIGGER;
			st->trig_line = st->line;
		} else if (!tok_is(lx, t, "temp") &&
			   !tok_is(lx, t, "temporary")) {
			st->ts = TS_NORMAL;
		}
		break;
	case TS_TRIGGER:
		if (!st->trig_begin && tok_is(lx, t, "begin")) {
			st->trig_begin = 1;
			st->trig_line = t->line;
		}
		break;
	case TS_SEMI:
		st->ts = tok_is(lx, t, "end") ? TS_END : TS_TRIGGER;
		break;
	case TS_END:
		st->ts = TS_TRIGGER;
		break;
	case TS_NORMAL:
		break;
	}
	return 0;
}

static void push_stmt(struct mg_stmt_list *out, const struct stmt_state *st)
{
	struct mg_stmt *v;

	mg_grow(&out->v, &out->cap, out->n + 1, sizeof(*out->v));
	v = &out->v[out->n++];
	v->off = st->off;
	v->len = st->end - st->off;
	v->line = st->line;
}

/*
 * The end of the text: a statement without its semicolon still counts,
 * unless it is inside a body that was never closed.
 */
static int finish(struct lexer *lx, struct stmt_state *st,
		  struct mg_stmt_list *out)
{
	if (!st->started)
		return MG_OK;
	if (lx->dialect == MG_DIALECT_PG && st->atomic > 0)
		return unterminated(lx, st->body_line, "BEGIN ATOMIC body");
	if (lx->dialect != MG_DIALECT_PG &&
	    (st->ts == TS_TRIGGER || st->ts == TS_SEMI))
		return unterminated(lx, st->trig_line, "CREATE TRIGGER body");
	push_stmt(out, st);
	return MG_OK;
}

/*
 * As declared in mg.h.  Each statement runs from its first token to the
 * end of its last one: leading and trailing white space and comments are
 * left out (a trailing -- comment would otherwise swallow anything
 * appended to the statement), comments inside are kept.  Statements are
 * appended to `out`; on error `out` is left as it was.  Any dialect but
 * MG_DIALECT_PG is split by SQLite's rules, so callers pass the dialect
 * of the database, never MG_DIALECT_ANY.
 */
int mg_sql_split(const char *sql, size_t len, enum mg_dialect dialect,
		 const char *file, unsigned first_line,
		 struct mg_stmt_list *out, struct mg_error *err)
{
	struct lexer lx;
	struct stmt_state st;
	struct token t;
	size_t n0 = out->n;
	int rc = MG_OK;

	lx.s = sql;
	lx.len = sql ? len : 0;
	lx.i = 0;
	lx.line = first_line;
	lx.dialect = dialect;
	lx.file = file;
	lx.err = err;
	stmt_reset(&st);
	for (;;) {
		int ends;

		rc = next_token(&lx, &t);
		if (rc != MG_OK)
			break;
		if (t.kind == TK_EOF) {
			rc = finish(&lx, &st, out);
			break;
		}
		if (t.kind == TK_BACKSLASH &&
		    (!st.started || is_line_start(&lx, t.off))) {
			rc = meta_command(&lx, &t);
			break;
		}
		if (dialect == MG_DIALECT_PG)
			ends = pg_feed(&st, &lx, &t);
		else
			ends = sqlite_feed(&st, &lx, &t);
		if (ends) {
			if (st.started)
				push_stmt(out, &st);
			stmt_reset(&st);
			continue;
		}
		if (!st.started) {
			st.started = 1;
			st.off = t.off;
			st.line = t.line;
		}
		st.end = t.end;
	}
	if (rc != MG_OK)
		out->n = n0;
	return rc;
}

void mg_stmt_list_release(struct mg_stmt_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = 0;
	list->cap = 0;
}

/* ------------------------------------------------------------------ */
/* Statements PostgreSQL refuses inside a transaction block             */

/*
 * A cursor over a statement's tokens.  A lexing error simply ends the
 * statement: the server will say what is wrong with it.
 */
struct cursor {
	struct lexer lx;
	struct mg_error err;
	struct token t;
};

static void cur_init(struct cursor *c, const char *stmt, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->lx.s = stmt;
	c->lx.len = stmt ? len : 0;
	c->lx.dialect = MG_DIALECT_PG;
	c->lx.err = &c->err;
}

/* Advance; returns 0 at the end of the statement. */
static int cur_next(struct cursor *c)
{
	if (next_token(&c->lx, &c->t) != MG_OK || c->t.kind == TK_EOF ||
	    c->t.kind == TK_SEMI) {
		c->t.kind = TK_EOF;
		c->lx.i = c->lx.len;
		return 0;
	}
	return 1;
}

static int cur_is(const struct cursor *c, const char *kw)
{
	return tok_is(&c->lx, &c->t, kw);
}

/* Advance, then test the new token. */
static int cur_next_is(struct cursor *c, const char *kw)
{
	return cur_next(c) && cur_is(c, kw);
}

/* Is the word `kw` somewhere in the rest of the statement? */
static int cur_find(struct cursor *c, const char *kw)
{
	while (cur_next(c))
		if (cur_is(c, kw))
			return 1;
	return 0;
}

/*
 * REINDEX [ ( option, ... ) ] { INDEX | TABLE | SCHEMA | DATABASE |
 * SYSTEM } [ CONCURRENTLY ] name.  The option list may turn CONCURRENTLY
 * on ("CONCURRENTLY", "CONCURRENTLY true") or off ("false", "off", "0").
 */
static const char *reindex(struct cursor *c)
{
	int conc = 0;

	if (!cur_next(c))
		return NULL;
	if (c->t.kind == TK_LPAREN) {
		while (cur_next(c) && c->t.kind != TK_RPAREN) {
			if (!cur_is(c, "concurrently"))
				continue;
			conc = 1;
			if (!cur_next(c) || c->t.kind == TK_RPAREN)
				break;
			if (cur_is(c, "false") || cur_is(c, "off") ||
			    (c->t.kind == TK_OTHER &&
			     c->t.end - c->t.off == 1 &&
			     c->lx.s[c->t.off] == '0'))
				conc = 0;
		}
		if (!cur_next(c))
			return NULL;
	}
	if (cur_is(c, "schema"))
		return "REINDEX SCHEMA";
	if (cur_is(c, "database"))
		return "REINDEX DATABASE";
	if (cur_is(c, "system"))
		return "REINDEX SYSTEM";
	if ((cur_is(c, "index") || cur_is(c, "table")) &&
	    (cur_next_is(c, "concurrently") || conc))
		return "REINDEX CONCURRENTLY";
	return NULL;
}

static const char *create_or_drop(struct cursor *c, int create)
{
	if (!cur_next(c))
		return NULL;
	if (create && cur_is(c, "unique") && !cur_next(c))
		return NULL;
	if (cur_is(c, "index"))
		return cur_next_is(c, "concurrently") ?
		       (create ? "CREATE INDEX CONCURRENTLY" :
				 "DROP INDEX CONCURRENTLY") : NULL;
	if (cur_is(c, "database"))
		return create ? "CREATE DATABASE" : "DROP DATABASE";
	if (cur_is(c, "tablespace"))
		return create ? "CREATE TABLESPACE" : "DROP TABLESPACE";
	if (cur_is(c, "subscription"))
		return create ? "CREATE SUBSCRIPTION" : "DROP SUBSCRIPTION";
	return NULL;
}

static const char *alter(struct cursor *c)
{
	if (!cur_next(c))
		return NULL;
	if (cur_is(c, "system"))
		return "ALTER SYSTEM";
	if (cur_is(c, "database")) {
		/* ALTER DATABASE name SET TABLESPACE new */
		if (cur_next(c) && cur_next_is(c, "set") &&
		    cur_next_is(c, "tablespace"))
			return "ALTER DATABASE SET TABLESPACE";
		return NULL;
	}
	if (cur_is(c, "table")) {
		/* ALTER TABLE ... DETACH PARTITION name CONCURRENTLY */
		while (cur_find(c, "detach"))
			if (cur_next_is(c, "partition") &&
			    cur_find(c, "concurrently"))
				return "ALTER TABLE DETACH PARTITION "
				       "CONCURRENTLY";
		return NULL;
	}
	if (cur_is(c, "subscription")) {
		/* ALTER SUBSCRIPTION name REFRESH PUBLICATION */
		if (cur_next(c) && cur_next_is(c, "refresh") &&
		    cur_next_is(c, "publication"))
			return "ALTER SUBSCRIPTION REFRESH PUBLICATION";
		return NULL;
	}
	return NULL;
}

/*
 * What PostgreSQL 15 answers "... cannot run inside a transaction block"
 * to (each checked against a server): CREATE [UNIQUE] INDEX CONCURRENTLY,
 * DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, REINDEX SCHEMA |
 * DATABASE | SYSTEM, VACUUM, CREATE | DROP DATABASE, CREATE | DROP
 * TABLESPACE, ALTER SYSTEM, ALTER DATABASE ... SET TABLESPACE, ALTER TABLE
 * ... DETACH PARTITION ... CONCURRENTLY, COMMIT | ROLLBACK PREPARED and
 * DISCARD ALL; also CREATE | DROP SUBSCRIPTION (refused when they create
 * or drop a replication slot, which is the default) and ALTER
 * SUBSCRIPTION ... REFRESH PUBLICATION.  Not flagged: ALTER TYPE ... ADD
 * VALUE (allowed since PostgreSQL 12) and CLUSTER without a table.
 */
const char *mg_sql_needs_no_tx(const char *stmt, size_t len)
{
	struct cursor c;

	cur_init(&c, stmt, len);
	if (!cur_next(&c) || c.t.kind != TK_WORD)
		return NULL;
	if (cur_is(&c, "create"))
		return create_or_drop(&c, 1);
	if (cur_is(&c, "drop"))
		return create_or_drop(&c, 0);
	if (cur_is(&c, "reindex"))
		return reindex(&c);
	if (cur_is(&c, "vacuum"))
		return "VACUUM";
	if (cur_is(&c, "alter"))
		return alter(&c);
	if (cur_is(&c, "commit"))
		return cur_next_is(&c, "prepared") ? "COMMIT PREPARED" : NULL;
	if (cur_is(&c, "rollback"))
		return cur_next_is(&c, "prepared") ? "ROLLBACK PREPARED" :
						      NULL;
	if (cur_is(&c, "discard"))
		return cur_next_is(&c, "all") ? "DISCARD ALL" : NULL;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Error positions                                                      */

/*
 * PostgreSQL counts characters, not bytes: walk the UTF-8 text counting
 * the bytes that start one, and the newlines before character `pos`.  A
 * position past the end counts every newline.
 */
unsigned mg_sql_pos_to_line_offset(const char *stmt, size_t len,
				   unsigned long pos)
{
	unsigned long chars = 0;
	unsigned lines = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)stmt[i];

		/* every byte but a UTF-8 continuation byte starts a char */
		if ((c & 0xc0) != 0x80 && ++chars >= pos)
			break;
		if (c == '\n')
			lines++;
	}
	return lines;
}
