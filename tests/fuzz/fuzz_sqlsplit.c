/*
 * fuzz_sqlsplit.c - libFuzzer target for mg_sql_split (both dialects),
 * mg_sql_needs_no_tx and mg_sql_pos_to_line_offset.
 *
 * Besides crashes and sanitizer reports, it checks that no text is lost
 * or invented.  A reference tokenizer, written separately from the one in
 * lib/sqlsplit.c, turns the whole input into significant tokens (strings,
 * identifiers, words, numbers, punctuation; white space and comments
 * dropped).  The statements and the gaps between them tile the input, so
 *
 *   tokens(input) == tokens(gap0) tokens(stmt1) tokens(gap1) ... exactly,
 *
 * where every gap holds nothing but ";" tokens, and two statements are
 * always separated by at least one.  A statement split in the middle of a
 * string, comment or dollar body changes the tokens of its pieces and
 * fails this.  Then, for every statement:
 *
 *   - its line is first_line plus the newlines before it;
 *   - it neither starts nor ends with white space or ';' (but see
 *     below), nor starts with a comment;
 *   - split again on its own, it is exactly one statement, itself;
 *   - a ';' inside it is justified: in parentheses (PostgreSQL), in a
 *     BEGIN ATOMIC body of CREATE FUNCTION/PROCEDURE (PostgreSQL), or in
 *     a CREATE TRIGGER that then ends with "; END" (SQLite);
 *   - its parentheses are closed, unless it is the last (PostgreSQL):
 *     an unclosed '(' swallows the rest, ';' included, as in psql.
 *
 * And errors: the splitter reports an unterminated string, identifier,
 * comment or dollar body exactly when the reference tokenizer finds one,
 * at a line inside the input.
 */
#include "mg.h"

#include <limits.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Reference tokenizer                                                  */

struct rtok {
	const char *p;
	size_t n;
};

struct rtoks {
	struct rtok *v;
	size_t n, cap;
};

static void fail(const char *what, const char *s, size_t n)
{
	fprintf(stderr, "fuzz_sqlsplit: %s\n--- text (%zu bytes) ---\n%.*s\n"
		"---\n", what, n, (int)(n > 2000 ? 2000 : n), s);
	abort();
}

static void rt_push(struct rtoks *t, const char *p, size_t n)
{
	mg_grow(&t->v, &t->cap, t->n + 1, sizeof(*t->v));
	t->v[t->n].p = p;
	t->v[t->n].n = n;
	t->n++;
}

static int r_word_char(unsigned char c, int first)
{
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	if (c == '_' || c >= 0x80)
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '$');
}

/*
 * Length of the quoted run at s[0] (s[0] is the opening quote), closed by
 * `q`; `dbl`: a doubled q continues it; `bs`: backslash escapes.  0 when
 * it never closes.
 */
static size_t r_quoted(const char *s, size_t n, char q, int dbl, int bs)
{
	size_t k = 1;

	while (k < n) {
		if (bs && s[k] == '\\') {
			k += 2;
			continue;
		}
		if (s[k] == q) {
			if (dbl && k + 1 < n && s[k + 1] == q) {
				k += 2;
				continue;
			}
			return k + 1;
		}
		k++;
	}
	return 0;
}

/* Tokenize s[0, n); returns 0, or -1 for an unterminated construct. */
static int ref_lex(const char *s, size_t n, int pg, struct rtoks *out)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = 1;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			int depth = 0;

			do {
				if (i + 1 < n && s[i] == '/' &&
				    s[i + 1] == '*' && (pg || depth == 0)) {
					depth++;
					i += 2;
				} else if (i + 1 < n && s[i] == '*' &&
					   s[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			} while (depth > 0 && i < n);
			if (depth > 0)
				return -1;
			continue;
		}
		if (c == '\'' || c == '"' || (!pg && c == '`')) {
			len = r_quoted(s + i, n - i, (char)c, 1, 0);
			if (!len)
				return -1;
		} else if (!pg && c == '[') {
			len = r_quoted(s + i, n - i, ']', 0, 0);
			if (!len)
				return -1;
		} else if (pg && c == '$' && i + 1 < n && s[i + 1] >= '0' &&
			   s[i + 1] <= '9') {
			while (i + len < n && s[i + len] >= '0' &&
			       s[i + len] <= '9')
				len++;
		} else if (pg && c == '$') {
			/* $tag$ with tag = word chars without $ */
			size_t t = 1;

			while (i + t < n && s[i + t] != '$' &&
			       r_word_char((unsigned char)s[i + t], t == 1))
				t++;
			if (i + t < n && s[i + t] == '$') {
				size_t dl = t + 1, k;

				for (k = i + dl; k + dl <= n; k++)
					if (memcmp(s + k, s + i, dl) == 0)
						break;
				if (k + dl > n)
					return -1;
				len = k + dl - i;
			}
		} else if (c >= '0' && c <= '9') {
			while (i + len < n && ((s[i + len] >= '0' &&
				s[i + len] <= '9') || s[i + len] == '.'))
				len++;
			if (i + len + 1 < n && (s[i + len] | 0x20) == 'e') {
				size_t k = i + len + 1;

				if (k + 1 < n && (s[k] == '+' || s[k] == '-'))
					k++;
				if (k < n && s[k] >= '0' && s[k] <= '9') {
					while (k < n && s[k] >= '0' &&
					       s[k] <= '9')
						k++;
					len = k - i;
				}
			}
		} else if (r_word_char(c, 1)) {
			while (i + len < n &&
			       r_word_char((unsigned char)s[i + len], 0))
				len++;
			if (pg && len == 1 && (c | 0x20) == 'e' && i + 1 < n &&
			    s[i + 1] == '\'') {
				size_t q = r_quoted(s + i + 1, n - i - 1, '\'',
						    1, 1);

				if (!q)
					return -1;
				len = 1 + q;
			}
		}
		rt_push(out, s + i, len);
		i += len;
	}
	return 0;
}

static int rt_is(const struct rtok *t, const char *w)
{
	size_t k;

	if (t->n != strlen(w))
		return 0;
	for (k = 0; k < t->n; k++)
		if ((t->p[k] | 0x20) != w[k])
			return 0;
	return 1;
}

static int rt_punct(const struct rtok *t, char c)
{
	return t->n == 1 && t->p[0] == c;
}

/* ------------------------------------------------------------------ */
/* Checks on one statement's reference tokens                           */

static int blank_or_semi(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v' || c == ';';
}

/*
 * Is every ';' in the statement one that may be there, and is no body or
 * parenthesis cut short?  PostgreSQL bodies follow psql: in CREATE [OR
 * REPLACE] FUNCTION|PROCEDURE, outside parentheses, BEGIN ATOMIC opens
 * one, CASE nests inside it and END closes either.
 */
static void check_semicolons(const struct rtoks *t, int pg, int last,
			     const char *s, size_t n)
{
	static const char *const prefix[] = { "create", "or", "replace" };
	size_t k, nw = 0;
	int lead = 0, fn = 0, in_prefix = 1, trigger = 0, semi = 0;
	int after_semi_end = 0;
	long depth = 0, body = 0;

	for (k = 0; k < t->n; k++) {
		const struct rtok *x = &t->v[k];

		if (rt_punct(x, '(')) {
			depth++;
		} else if (rt_punct(x, ')')) {
			if (depth > 0)
				depth--;
		} else if (rt_punct(x, ';')) {
			semi = 1;
			if (pg && depth == 0 && body == 0)
				fail("';' outside parentheses and bodies",
				     s, n);
			if (!pg && !trigger)
				fail("';' outside a CREATE TRIGGER", s, n);
		} else if (r_word_char((unsigned char)x->p[0], 1) &&
			   !(pg && x->n > 1 && x->p[1] == '\'')) {
			if (nw == 0)
				lead = rt_is(x, "create") ||
				       rt_is(x, "explain");
			if (lead && rt_is(x, "trigger"))
				trigger = 1;
			if (in_prefix) {
				if ((nw == 1 || nw == 3) &&
				    (rt_is(x, "function") ||
				     rt_is(x, "procedure"))) {
					fn = 1;
					in_prefix = 0;
				} else if (nw > 2 || !rt_is(x, prefix[nw])) {
					in_prefix = 0;
				}
			}
			if (fn && depth == 0) {
				if (rt_is(x, "atomic") && k > 0 &&
				    rt_is(&t->v[k - 1], "begin"))
					body++;
				else if (rt_is(x, "case") && body > 0)
					body++;
				else if (rt_is(x, "end") && body > 0)
					body--;
			}
			nw++;
		}
		after_semi_end = k > 0 && rt_punct(&t->v[k - 1], ';') &&
				 rt_is(x, "end");
	}
	if (!pg && semi && !after_semi_end)
		fail("a trigger that does not end with '; END'", s, n);
	if (pg && depth > 0 && !last)
		fail("unclosed '(' in a statement that is not the last", s, n);
	if (pg && body > 0)
		fail("a BEGIN ATOMIC body cut short", s, n);
}

static void check_one(const uint8_t *data, size_t size,
		      enum mg_dialect d, unsigned first_line)
{
	const char *s = (const char *)data;
	int pg = d == MG_DIALECT_PG;
	struct mg_stmt_list list = MG_STMT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct rtoks whole = { NULL, 0, 0 }, parts = { NULL, 0, 0 };
	size_t i, k, pos = 0, lpos = 0, nl_total = 0;
	unsigned line = first_line;
	int rc, ref_rc;

	for (i = 0; i < size; i++)
		nl_total += s[i] == '\n';
	rc = mg_sql_split(s, size, d, "f.sql", first_line, &list, &err);
	ref_rc = ref_lex(s, size, pg, &whole);
	if (rc != MG_OK) {
		int lexical = strncmp(err.msg, "unterminated ", 13) == 0 &&
			      strstr(err.msg, " body") == NULL;

		if (rc != MG_ECONFIG || err.code != MG_ECONFIG)
			fail("error is not MG_ECONFIG", s, size);
		if (strcmp(err.file, "f.sql") != 0 || err.msg[0] == '\0')
			fail("error without file or message", s, size);
		if (err.line < first_line || err.line > first_line + nl_total)
			fail("error line outside the input", s, size);
		if (lexical && ref_rc == 0)
			fail("lexical error the reference does not see", s,
			     size);
		if (list.n != 0)
			fail("statements left after an error", s, size);
		goto out;
	}
	if (ref_rc != 0)
		fail("the reference finds an unterminated construct", s, size);

	for (i = 0; i < list.n; i++) {
		const struct mg_stmt *st = &list.v[i];
		const char *t = s + st->off;
		struct mg_stmt_list again = MG_STMT_LIST_INIT;
		struct rtoks toks = { NULL, 0, 0 };
		size_t gap_n0 = parts.n, semis = 0;

		if (st->off < pos || st->len == 0 || st->off + st->len > size)
			fail("statement out of order or out of bounds", s,
			     size);
		/* the gap before it: only ';' tokens */
		if (ref_lex(s + pos, st->off - pos, pg, &parts) != 0)
			fail("a gap does not lex", s, size);
		for (k = gap_n0; k < parts.n; k++) {
			if (!rt_punct(&parts.v[k], ';'))
				fail("a token left in a gap", s, size);
			semis++;
		}
		if (i > 0 && semis == 0)
			fail("two statements with no ';' between", s, size);
		for (k = lpos; k < st->off; k++)
			line += s[k] == '\n';
		lpos = st->off;
		if (st->line != line)
			fail("wrong statement line", s, size);
		/*
		 * Trimmed; only a last PostgreSQL statement may end in ';',
		 * one swallowed by a '(' never closed (psql does the same).
		 */
		if (blank_or_semi(t[0]) || (blank_or_semi(t[st->len - 1]) &&
		    !(pg && i + 1 == list.n && t[st->len - 1] == ';')))
			fail("statement not trimmed", s, size);
		if (st->len > 1 && ((t[0] == '-' && t[1] == '-') ||
				    (t[0] == '/' && t[1] == '*')))
			fail("statement starts with a comment", s, size);
		/* the statement itself */
		if (ref_lex(t, st->len, pg, &toks) != 0)
			fail("a statement does not lex", t, st->len);
		for (k = 0; k < toks.n; k++)
			rt_push(&parts, toks.v[k].p, toks.v[k].n);
		check_semicolons(&toks, pg, i + 1 == list.n, t, st->len);
		free(toks.v);
		/* alone, it is one statement: itself */
		if (mg_sql_split(t, st->len, d, "g.sql", st->line, &again,
				 &err) != MG_OK || again.n != 1 ||
		    again.v[0].off != 0 || again.v[0].len != st->len ||
		    again.v[0].line != st->line)
			fail("a statement does not split back to itself", t,
			     st->len);
		mg_stmt_list_release(&again);
		/* the helpers must not crash, and agree with the text */
		(void)mg_sql_needs_no_tx(t, st->len);
		{
			unsigned nl = 0;

			for (k = 0; k < st->len; k++)
				nl += t[k] == '\n';
			if (mg_sql_pos_to_line_offset(t, st->len, ULONG_MAX) !=
			    nl || mg_sql_pos_to_line_offset(t, st->len, 1) != 0)
				fail("pos_to_line_offset", t, st->len);
		}
		pos = st->off + st->len;
	}
	/* the tail */
	{
		size_t n0 = parts.n;

		if (ref_lex(s + pos, size - pos, pg, &parts) != 0)
			fail("the tail does not lex", s, size);
		for (k = n0; k < parts.n; k++)
			if (!rt_punct(&parts.v[k], ';'))
				fail("a token left after the last statement", s,
				     size);
	}
	if (parts.n != whole.n)
		fail("token count differs", s, size);
	for (k = 0; k < whole.n; k++)
		if (parts.v[k].n != whole.v[k].n ||
		    memcmp(parts.v[k].p, whole.v[k].p, whole.v[k].n) != 0)
			fail("tokens differ", s, size);
out:
	free(whole.v);
	free(parts.v);
	mg_stmt_list_release(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that reading past the end is caught */
	uint8_t *copy = mg_malloc(size);

	if (size)
		memcpy(copy, data, size);
	check_one(copy, size, MG_DIALECT_PG, 1);
	check_one(copy, size, MG_DIALECT_SQLITE, 7);
	(void)mg_sql_needs_no_tx((const char *)copy, size);
	free(copy);
	return 0;
}
