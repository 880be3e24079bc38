/*
 * graph.c - the revision graph: Alembic's RevisionMap, in C.
 *
 * Builds the DAG of units (down_revision plus depends_on) and validates
 * it, then answers what Alembic answers: heads, targets (`head`, `-2`,
 * `label@head`, prefixes, ...), the ordered steps of an upgrade, a
 * downgrade or a stamp with the version-table change of each step, and
 * history.  The algorithms are ports of alembic/script/revision.py
 * (RevisionMap), alembic/script/base.py (ScriptDirectory: _upgrade_revs,
 * _downgrade_revs, _stamp_revs, error wording) and
 * alembic/runtime/migration.py (HeadMaintainer, RevisionStep,
 * StampStep), function by function, so that the orders and the rows
 * match Alembic's.  Where Alembic iterates a Python set, this file uses
 * file-name order.
 *
 * Unlike Alembic, every walk is iterative (a 10,000-unit chain cannot
 * blow the stack), revision ids are found through an open-addressing
 * hash, and sets of revisions are bitsets.
 *
 * It does not read files (lib/unit.c does) and never touches a database
 * (lib/exec.c does).
 */
#include "mg.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>

/* Alembic's None (no revision, "base" in most places) */
#define NONE ((size_t)-1)
/* the "base" symbol that Alembic's _walk returns below a root */
#define BASE ((size_t)-2)

/* a prefix must have this many characters to match an id (SPEC.md) */
#define MIN_PREFIX 4

typedef uint64_t word;

struct ivec {
	size_t *v;
	size_t n, cap;
};

#define IVEC_INIT { NULL, 0, 0 }

struct node {
	struct mg_unit *u;
	size_t *down, ndown;       /* _versioned_down_revisions */
	size_t *deps, ndeps;       /* _resolved_dependencies */
	size_t *all, nall;         /* _all_down_revisions */
	size_t *norm, nnorm;       /* _normalized_down_revisions */
	size_t nnormdeps;          /* len(_normalized_resolved_dependencies) */
	size_t *next, nnext;       /* nextrev */
	size_t *allnext, nallnext; /* _all_nextrev */
};

struct label {
	const char *name; /* owned by the unit that declares it */
	size_t rev;
};

struct mg_graph {
	struct node *nodes;
	size_t n;
	size_t *pool;            /* every node's edge arrays */
	size_t *idtab, idcap;    /* revision id -> index + 1 */
	struct label *labels;
	size_t nlabels;
	size_t *labtab, labcap;  /* label -> label index + 1 */
	word *labbits;           /* per node: its labels, inherited too */
	size_t labwords;
	size_t *topo;            /* a topological rank: parents rank lower */
	struct ivec heads;       /* heads */
	struct ivec real_heads;  /* _real_heads */
	struct ivec bases;       /* bases */
};

/* ------------------------------------------------------------------ */
/* Small containers                                                     */

static void iv_push(struct ivec *a, size_t x)
{
	if (a->n == a->cap)
		mg_grow(&a->v, &a->cap, a->n + 1, sizeof(*a->v));
	a->v[a->n++] = x;
}

static int arr_has(const size_t *v, size_t n, size_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static int iv_has(const struct ivec *a, size_t x)
{
	return arr_has(a->v, a->n, x);
}

static void iv_push_unique(struct ivec *a, size_t x)
{
	if (!iv_has(a, x))
		iv_push(a, x);
}

static void iv_release(struct ivec *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

static size_t nwords(size_t n)
{
	return n / 64 + 1;
}

static word *bs_new(size_t n)
{
	return mg_calloc(nwords(n), sizeof(word));
}

static int bs_has(const word *b, size_t i)
{
	return (int)((b[i / 64] >> (i % 64)) & 1);
}

static void bs_set(word *b, size_t i)
{
	b[i / 64] |= (word)1 << (i % 64);
}

static void bs_clr(word *b, size_t i)
{
	b[i / 64] &= ~((word)1 << (i % 64));
}

static int is_rev(size_t x)
{
	return x < BASE;
}

/* ------------------------------------------------------------------ */
/* Hash tables: revision ids and branch labels                          */

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t table_cap(size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 1)
		cap *= 2;
	return cap;
}

static const char *id_of(const struct mg_graph *g, size_t i)
{
	return g->nodes[i].u->revision;
}

/* Index of revision `id`, NONE when unknown. */
static size_t id_find(const struct mg_graph *g, const char *id)
{
	size_t h, e;

	if (!g->idcap)
		return NONE;
	for (h = fnv1a(id) & (g->idcap - 1); (e = g->idtab[h]) != 0;
	     h = (h + 1) & (g->idcap - 1))
		if (!strcmp(id_of(g, e - 1), id))
			return e - 1;
	return NONE;
}

/* Insert id i; returns the index already holding that id, or NONE. */
static size_t id_insert(struct mg_graph *g, size_t i)
{
	const char *id = id_of(g, i);
	size_t h, e;

	for (h = fnv1a(id) & (g->idcap - 1); (e = g->idtab[h]) != 0;
	     h = (h + 1) & (g->idcap - 1))
		if (!strcmp(id_of(g, e - 1), id))
			return e - 1;
	g->idtab[h] = i + 1;
	return NONE;
}

static size_t label_find(const struct mg_graph *g, const char *name)
{
	size_t h, e;

	if (!g->labcap)
		return NONE;
	for (h = fnv1a(name) & (g->labcap - 1); (e = g->labtab[h]) != 0;
	     h = (h + 1) & (g->labcap - 1))
		if (!strcmp(g->labels[e - 1].name, name))
			return e - 1;
	return NONE;
}

/*
 * Alembic's _revision_map[key]: the keys are the revision ids and the
 * branch labels.  NONE when `key` is neither.
 */
static size_t key_find(const struct mg_graph *g, const char *key)
{
	size_t i = id_find(g, key);

	if (i != NONE)
		return i;
	i = label_find(g, key);
	return i == NONE ? NONE : g->labels[i].rev;
}

static int has_label(const struct mg_graph *g, size_t rev, const char *name)
{
	size_t l = label_find(g, name);

	return l != NONE && bs_has(g->labbits + rev * g->labwords, l);
}

/* ------------------------------------------------------------------ */
/* Alembic's exceptions                                                 */

enum exc {
	X_NONE,
	X_RESOLUTION,     /* ResolutionError */
	X_AMBIGUOUS,      /* ResolutionError for an ambiguous prefix */
	X_MULTIPLE_HEADS, /* MultipleHeads */
	X_RANGE,          /* RangeNotAncestorError */
	X_REVISION,       /* RevisionError */
	X_RELATIVE        /* RevisionError about a relative target */
};

/* Which ScriptDirectory._catch_revision_errors() the caller is in. */
enum catch_kind {
	C_PLAIN,
	C_UPGRADE,
	C_DOWNGRADE,
	C_HISTORY,
	C_STAMP
};

struct gctx {
	const struct mg_graph *g;
	struct mg_error *err;
	enum catch_kind kind;
	const char *start, *end; /* the catch's start= and end=, or NULL */
	enum exc x;              /* the pending exception */
	struct mg_buf arg;       /* its argument */
	struct mg_buf msg;       /* its message */
	struct mg_buf lower;     /* RangeNotAncestorError.lower */
	struct mg_buf upper;     /* RangeNotAncestorError.upper */
	struct ivec heads;       /* MultipleHeads.heads */
};

static void ctx_init(struct gctx *c, const struct mg_graph *g,
		     struct mg_error *err, enum catch_kind kind,
		     const char *start, const char *end)
{
	memset(c, 0, sizeof(*c));
	c->g = g;
	c->err = err;
	c->kind = kind;
	c->start = start;
	c->end = end;
}

static void buf_set(struct mg_buf *b, const char *s)
{
	mg_buf_reset(b);
	mg_buf_puts(b, s);
}

static int raise_resolution(struct gctx *c, const char *arg)
{
	c->x = X_RESOLUTION;
	buf_set(&c->arg, arg);
	return MG_ECONFIG;
}

static int raise_revision(struct gctx *c, enum exc x, const char *fmt, ...)
	MG_PRINTF(3, 4);

static int raise_revision(struct gctx *c, enum exc x, const char *fmt, ...)
{
	va_list ap;
	char tmp[1024];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	c->x = x;
	buf_set(&c->msg, tmp);
	return MG_ECONFIG;
}

static int raise_multiple_heads(struct gctx *c, const struct ivec *heads,
				const char *arg)
{
	size_t i;

	c->x = X_MULTIPLE_HEADS;
	buf_set(&c->arg, arg);
	c->heads.n = 0;
	for (i = 0; i < heads->n; i++)
		iv_push(&c->heads, heads->v[i]);
	return MG_ECONFIG;
}

static int raise_range(struct gctx *c, const char *lower, const char *upper)
{
	c->x = X_RANGE;
	buf_set(&c->lower, lower);
	buf_set(&c->upper, upper);
	return MG_ECONFIG;
}

/* "Relative revision +5 didn't produce 5 migrations" */
static int raise_relative(struct gctx *c, const char *rel, const char *abs)
{
	return raise_revision(c, X_RELATIVE, "Relative revision %s didn't "
			      "produce %s migrations", rel, abs);
}

/*
 * Turn the pending exception into the message the user sees, as
 * ScriptDirectory._catch_revision_errors does, and release the context.
 */
static int ctx_finish(struct gctx *c, int rc)
{
	struct mg_error *err = c->err;
	const char *start, *end;
	struct mg_buf b = MG_BUF_INIT;
	size_t i;

	if (rc == MG_OK || c->x == X_NONE)
		goto out;
	switch (c->x) {
	case X_RESOLUTION:
		rc = mg_error_set(err, MG_ECONFIG, NULL, 0, "Can't locate "
				  "revision identified by '%s'",
				  mg_buf_str(&c->arg));
		break;
	case X_MULTIPLE_HEADS:
		if (c->kind == C_STAMP)
			mg_buf_puts(&b, "Multiple heads are present; please "
				    "specify a single target revision");
		else
			mg_buf_printf(&b, "Multiple head revisions are present "
				      "for given argument '%s'; please specify "
				      "a specific target revision, "
				      "'<branchname>@%s' to narrow to a "
				      "specific head, or 'heads' for all heads",
				      c->end ? c->end : mg_buf_str(&c->arg),
				      c->end ? c->end : mg_buf_str(&c->arg));
		mg_buf_puts(&b, "\nheads: ");
		for (i = 0; i < c->heads.n; i++)
			mg_buf_printf(&b, "%s%s", i ? ", " : "",
				      id_of(c->g, c->heads.v[i]));
		rc = mg_error_set(err, MG_ECONFIG, NULL, 0, "%s",
				  mg_buf_str(&b));
		break;
	case X_RANGE:
		start = c->start ? c->start : mg_buf_str(&c->lower);
		end = c->end ? c->end : mg_buf_str(&c->upper);
		if (c->kind == C_UPGRADE || c->kind == C_DOWNGRADE)
			rc = mg_error_set(err, MG_ECONFIG, NULL, 0,
					  "Destination %s is not a valid %s "
					  "target from current head(s)", end,
					  c->kind == C_UPGRADE ? "upgrade" :
					  "downgrade");
		else
			rc = mg_error_set(err, MG_ECONFIG, NULL, 0,
					  "Requested range %s:%s does not "
					  "refer to ancestor/descendant "
					  "revisions along the same branch",
					  start, end);
		break;
	case X_RELATIVE:
		rc = mg_error_set(err, MG_EUSAGE, NULL, 0, "%s",
				  mg_buf_str(&c->msg));
		break;
	default: /* X_AMBIGUOUS, X_REVISION */
		rc = mg_error_set(err, MG_ECONFIG, NULL, 0, "%s",
				  mg_buf_str(&c->msg));
		break;
	}
out:
	mg_buf_release(&b);
	mg_buf_release(&c->arg);
	mg_buf_release(&c->msg);
	mg_buf_release(&c->lower);
	mg_buf_release(&c->upper);
	iv_release(&c->heads);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Revision identifiers as Alembic's functions take them               */

/* None, a string, or a tuple of strings. */
struct rid {
	const char *s;
	const char *const *v;
	size_t n;
	int tuple;
};

static struct rid rid_str(const char *s)
{
	struct rid r;

	memset(&r, 0, sizeof(r));
	r.s = s;
	return r;
}

static struct rid rid_tuple(const char *const *v, size_t n)
{
	struct rid r;

	memset(&r, 0, sizeof(r));
	r.v = v;
	r.n = n;
	r.tuple = 1;
	return r;
}

/* Python's truth value of the identifier. */
static int rid_true(struct rid r)
{
	return r.tuple ? r.n > 0 : r.s && r.s[0];
}

/* Python's "%s" % identifier, `none` for a false one (Alembic's "or"). */
static void rid_format(struct mg_buf *b, struct rid r, const char *none)
{
	size_t i;

	mg_buf_reset(b);
	if (!rid_true(r)) {
		mg_buf_puts(b, none);
	} else if (!r.tuple) {
		mg_buf_puts(b, r.s);
	} else {
		mg_buf_putc(b, '(');
		for (i = 0; i < r.n; i++)
			mg_buf_printf(b, "%s'%s'", i ? ", " : "", r.v[i]);
		mg_buf_puts(b, r.n == 1 ? ",)" : ")");
	}
}

/* ------------------------------------------------------------------ */
/* Walks                                                                */

enum rel {
	DOWN_VER,  /* _versioned_down_revisions */
	DOWN_NORM, /* _normalized_down_revisions */
	DOWN_ALL,  /* _all_down_revisions */
	UP_VER,    /* nextrev */
	UP_ALL     /* _all_nextrev */
};

static const size_t *edges(const struct mg_graph *g, size_t i, enum rel r,
			   size_t *n)
{
	const struct node *nd = &g->nodes[i];

	switch (r) {
	case DOWN_VER:
		*n = nd->ndown;
		return nd->down;
	case DOWN_NORM:
		*n = nd->nnorm;
		return nd->norm;
	case DOWN_ALL:
		*n = nd->nall;
		return nd->all;
	case UP_VER:
		*n = nd->nnext;
		return nd->next;
	default:
		*n = nd->nallnext;
		return nd->allnext;
	}
}

/*
 * Alembic's _iterate_related_revisions: from each target in turn, depth
 * first with a LIFO stack, marking `seen` and appending each revision to
 * `order` (may be NULL) the first time it is reached.  With `check`, a
 * target whose walk reaches another target is an error.  Sentinels
 * (NONE, BASE) among the targets are skipped.
 *
 * The walk can be pruned for speed where the caller only asks about some
 * revisions: revisions outside `within` (unless NULL) or ranked below
 * `lim` are neither marked nor followed.  Walking down ranks decrease,
 * so `lim` = the lowest rank asked about loses nothing.
 */
static int walk_x(struct gctx *c, const size_t *t, size_t nt, enum rel r,
		  int check, word *seen, struct ivec *order,
		  const word *within, size_t lim)
{
	const struct mg_graph *g = c->g;
	struct ivec todo = IVEC_INIT, overlap = IVEC_INIT;
	struct mg_buf b = MG_BUF_INIT;
	word *targets = NULL;
	size_t k, j, m;
	int rc = MG_OK;

	if (check) {
		targets = bs_new(g->n);
		for (k = 0; k < nt; k++)
			if (is_rev(t[k]))
				bs_set(targets, t[k]);
	}
	for (k = 0; k < nt && rc == MG_OK; k++) {
		if (!is_rev(t[k]))
			continue;
		overlap.n = 0;
		iv_push(&todo, t[k]);
		while (todo.n) {
			size_t x = todo.v[--todo.n];
			const size_t *e;

			if (check && x != t[k] && bs_has(targets, x))
				iv_push_unique(&overlap, x);
			if (bs_has(seen, x) || (within && !bs_has(within, x)) ||
			    (lim && g->topo[x] < lim))
				continue;
			bs_set(seen, x);
			e = edges(g, x, r, &m);
			for (j = 0; j < m; j++)
				iv_push(&todo, e[j]);
			if (order)
				iv_push(order, x);
		}
		if (overlap.n) {
			for (j = 0; j < overlap.n; j++)
				mg_buf_printf(&b, "%s%s", j ? ", " : "",
					      id_of(g, overlap.v[j]));
			rc = raise_revision(c, X_REVISION, "Requested revision "
					    "%s overlaps with other requested "
					    "revisions %s", id_of(g, t[k]),
					    mg_buf_str(&b));
		}
	}
	free(targets);
	iv_release(&todo);
	iv_release(&overlap);
	mg_buf_release(&b);
	return rc;
}

static int walk(struct gctx *c, const size_t *t, size_t nt, enum rel r,
		int check, word *seen, struct ivec *order)
{
	return walk_x(c, t, nt, r, check, seen, order, NULL, 0);
}

/* The set a walk reaches; walks without `check` cannot fail. */
static word *reach(struct gctx *c, const size_t *t, size_t nt, enum rel r)
{
	word *seen = bs_new(c->g->n);

	walk(c, t, nt, r, 0, seen, NULL);
	return seen;
}

/* The walk down from `t`, pruned below the lowest rank among `v`. */
static word *reach_down_to(struct gctx *c, const size_t *t, size_t nt,
			   const size_t *v, size_t nv)
{
	word *seen = bs_new(c->g->n);
	size_t lim = SIZE_MAX, i;

	for (i = 0; i < nv; i++)
		if (c->g->topo[v[i]] < lim)
			lim = c->g->topo[v[i]];
	if (nv)
		walk_x(c, t, nt, DOWN_NORM, 0, seen, NULL, NULL, lim);
	return seen;
}

/* Same, with Alembic's check=True. */
static int reach_checked(struct gctx *c, const size_t *t, size_t nt,
			 enum rel r, word **out)
{
	*out = bs_new(c->g->n);
	return walk(c, t, nt, r, 1, *out, NULL);
}

/*
 * The revisions sharing lineage with any of `t`: x shares lineage with
 * t when t is an ancestor or a descendant of x (_shares_lineage), that
 * is when x is an ancestor or a descendant of t.  (Ancestors through
 * _normalized_down_revisions and through _all_down_revisions are the
 * same set.)
 */
static word *relatives(struct gctx *c, const size_t *t, size_t nt, int deps)
{
	word *a = reach(c, t, nt, deps ? DOWN_ALL : DOWN_VER);
	word *d = reach(c, t, nt, deps ? UP_ALL : UP_VER);
	size_t i;

	for (i = 0; i < nwords(c->g->n); i++)
		a[i] |= d[i];
	free(d);
	return a;
}

/* ------------------------------------------------------------------ */
/* Resolving identifiers (RevisionMap)                                  */

/* _resolve_revision_number's result */
struct rnum {
	char *label;    /* before '@', or NULL */
	const char *id; /* the unresolved identifier when `str` */
	int str;
	struct ivec ids; /* else: the revisions (heads / head / base) */
};

static void rnum_release(struct rnum *r)
{
	free(r->label);
	iv_release(&r->ids);
}

static int ident(struct gctx *c, const char *s, size_t idx,
		 const char *branch, size_t *out);
static int get_revisions(struct gctx *c, struct rid r, struct ivec *out);
static int get_revision(struct gctx *c, const char *id, size_t *out);

static int resolve_number(struct gctx *c, const char *id, struct rnum *out);

/*
 * The revisions filter_for_lineage() keeps for `against`: *rel is NULL
 * when every target is kept (nothing to test against).  `ntargets` is
 * how many targets there are: with none, Alembic never resolves what
 * it tests against.
 */
static int lineage(struct gctx *c, const char *against, int deps,
		   size_t ntargets, word **rel)
{
	struct rnum rn;
	struct ivec tests = IVEC_INIT;
	size_t x, i;
	int rc;

	*rel = NULL;
	rc = resolve_number(c, against, &rn);
	if (rc || !ntargets)
		goto out;
	if (rn.label) {
		rc = ident(c, rn.label, NONE, NULL, &x);
		if (rc)
			goto out;
		iv_push(&tests, x);
	}
	if (rn.str) {
		rc = ident(c, rn.id, NONE, NULL, &x);
		if (rc)
			goto out;
		iv_push(&tests, x);
	} else {
		for (i = 0; i < rn.ids.n; i++)
			iv_push(&tests, rn.ids.v[i]);
	}
	if (tests.n)
		*rel = relatives(c, tests.v, tests.n, deps);
out:
	rnum_release(&rn);
	iv_release(&tests);
	return rc;
}

/* Alembic's filter_for_lineage(targets, check_against). */
static int filter_for_lineage(struct gctx *c, const size_t *t, size_t nt,
			      const char *against, int deps, struct ivec *out)
{
	word *rel;
	size_t i;
	int rc = lineage(c, against, deps, nt, &rel);

	if (rc)
		return rc;
	for (i = 0; i < nt; i++)
		if (!rel || (is_rev(t[i]) && bs_has(rel, t[i])))
			iv_push(out, t[i]);
	free(rel);
	return MG_OK;
}

/* _shares_lineage(target, test) for two revisions. */
static int shares(struct gctx *c, size_t target, size_t test, int deps)
{
	word *rel = relatives(c, &test, 1, deps);
	int yes = bs_has(rel, target);

	free(rel);
	return yes;
}

/* get_current_head(branch_label) */
static int current_head(struct gctx *c, const char *label, size_t *out)
{
	const struct mg_graph *g = c->g;
	struct ivec h = IVEC_INIT;
	char *arg;
	size_t i;
	int rc = MG_OK;

	*out = NONE;
	if (label)
		rc = filter_for_lineage(c, g->heads.v, g->heads.n, label, 0,
					&h);
	else
		for (i = 0; i < g->heads.n; i++)
			iv_push(&h, g->heads.v[i]);
	if (rc == MG_OK && h.n > 1) {
		arg = label ? mg_asprintf("%s@head", label) : mg_strdup("head");
		rc = raise_multiple_heads(c, &h, arg);
		free(arg);
	}
	if (rc == MG_OK && h.n)
		*out = h.v[0];
	iv_release(&h);
	return rc;
}

/* _resolve_revision_number(id_) for None or a string. */
static int resolve_number(struct gctx *c, const char *id, struct rnum *out)
{
	const struct mg_graph *g = c->g;
	const char *at;
	size_t h, i;
	int rc = MG_OK;

	memset(out, 0, sizeof(*out));
	if (id && (at = strchr(id, '@')) != NULL) {
		if (at > id)
			out->label = mg_strndup(id, (size_t)(at - id));
		id = at + 1;
	}
	if (id && !strcmp(id, "heads")) {
		if (out->label)
			rc = filter_for_lineage(c, g->heads.v, g->heads.n,
						out->label, 0, &out->ids);
		else
			for (i = 0; i < g->real_heads.n; i++)
				iv_push(&out->ids, g->real_heads.v[i]);
	} else if (id && !strcmp(id, "head")) {
		rc = current_head(c, out->label, &h);
		if (rc == MG_OK && h != NONE)
			iv_push(&out->ids, h);
	} else if (id && strcmp(id, "base")) {
		out->str = 1;
		out->id = id;
	}
	return rc;
}

/* A prefix of ids and labels, the partial lookup of _revision_for_ident. */
static int ident_prefix(struct gctx *c, const char *s, const char *branch,
			size_t brev, size_t *out)
{
	const struct mg_graph *g = c->g;
	struct ivec cand = IVEC_INIT; /* keys: i < n an id, n + l a label */
	struct mg_buf b = MG_BUF_INIT;
	size_t len = strlen(s), i, k, keep;
	word *rel = NULL;
	int rc = MG_OK;

	if (len >= MIN_PREFIX) {
		for (i = 0; i < g->n; i++)
			if (strlen(id_of(g, i)) > 3 &&
			    !strncmp(id_of(g, i), s, len))
				iv_push(&cand, i);
		for (i = 0; i < g->nlabels; i++)
			if (strlen(g->labels[i].name) > 3 &&
			    !strncmp(g->labels[i].name, s, len))
				iv_push(&cand, g->n + i);
	}
	if (cand.n && brev != NONE) {
		rc = lineage(c, branch, 0, cand.n, &rel);
		if (rc)
			goto out;
		for (i = keep = 0; rel && i < cand.n; i++) {
			k = cand.v[i];
			if (bs_has(rel, k < g->n ? k : g->labels[k - g->n].rev))
				cand.v[keep++] = k;
		}
		if (rel)
			cand.n = keep;
	}
	if (!cand.n) {
		rc = raise_resolution(c, s);
	} else if (cand.n > 1) {
		for (i = 0; i < cand.n && i < 3; i++) {
			k = cand.v[i];
			mg_buf_printf(&b, "%s'%s'", i ? ", " : "",
				      k < g->n ? id_of(g, k) :
				      g->labels[k - g->n].name);
		}
		c->x = X_AMBIGUOUS;
		buf_set(&c->arg, s);
		mg_buf_reset(&c->msg);
		mg_buf_printf(&c->msg, "Multiple revisions start with '%s': "
			      "%s...", s, mg_buf_str(&b));
		rc = MG_ECONFIG;
	} else {
		k = cand.v[0];
		*out = k < g->n ? k : g->labels[k - g->n].rev;
	}
out:
	free(rel);
	iv_release(&cand);
	mg_buf_release(&b);
	return rc;
}

/* _resolve_branch(branch_label) */
static int resolve_branch(struct gctx *c, const char *label, size_t *out)
{
	int rc;

	*out = key_find(c->g, label);
	if (*out != NONE)
		return MG_OK;
	rc = ident(c, label, NONE, NULL, out);
	if (rc && (c->x == X_RESOLUTION || c->x == X_AMBIGUOUS)) {
		/* "No such branch: 'x'", reported as its argument */
		c->x = X_RESOLUTION;
		buf_set(&c->arg, label);
	}
	return rc;
}

/*
 * _revision_for_ident(resolved_id, check_branch): `s` an identifier, or
 * NULL for the revision `idx` (NONE: Alembic's None, i.e. base).
 */
static int ident(struct gctx *c, const char *s, size_t idx,
		 const char *branch, size_t *out)
{
	size_t brev = NONE, rev = idx;
	int rc;

	*out = NONE;
	if (branch) {
		rc = resolve_branch(c, branch, &brev);
		if (rc)
			return rc;
	}
	if (s) {
		rev = key_find(c->g, s);
		if (rev == NONE) {
			rc = ident_prefix(c, s, branch, brev, &rev);
			if (rc)
				return rc;
		}
	}
	/* "Revision x is not a member of branch 'y'" */
	if (branch && is_rev(rev) && !shares(c, rev, brev, 0))
		return raise_resolution(c, s ? s : id_of(c->g, rev));
	*out = rev;
	return MG_OK;
}

/* int(s) < 0 in Python: an optional sign, digits with single '_'. */
static int py_negative_int(const char *s, long long *v)
{
	const char *p = s;
	long long x = 0;
	int digits = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p != '-')
		return 0;
	p++;
	while (isdigit((unsigned char)*p) ||
	       (*p == '_' && digits && isdigit((unsigned char)p[1]))) {
		if (*p != '_') {
			digits++;
			x = x > (LLONG_MAX - 9) / 10 ? LLONG_MAX :
				x * 10 + (*p - '0');
		}
		p++;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (!digits || *p || !x)
		return 0;
	*v = -x;
	return 1;
}

static int walk_steps(struct gctx *c, size_t start, const char *start_s,
		      long long steps, const char *label, int no_overwalk,
		      size_t *out);

/* get_revisions(id_) */
static int get_revisions(struct gctx *c, struct rid r, struct ivec *out)
{
	const struct mg_graph *g = c->g;
	struct rnum rn;
	long long v;
	size_t i, x;
	int rc = MG_OK;

	if (r.tuple) {
		for (i = 0; i < r.n && rc == MG_OK; i++)
			rc = get_revisions(c, rid_str(r.v[i]), out);
		return rc;
	}
	rc = resolve_number(c, r.s, &rn);
	if (rc)
		goto out;
	if (rn.str && py_negative_int(rn.id, &v)) {
		/* branch@-n: walk down from the heads */
		for (i = 0; i < g->real_heads.n && rc == MG_OK; i++) {
			x = g->real_heads.v[i];
			if (rn.label && !has_label(g, x, rn.label))
				continue;
			rc = walk_steps(c, x, NULL, v, NULL, 1, &x);
			if (rc == MG_OK)
				iv_push(out, x);
		}
	} else if (rn.str) {
		rc = ident(c, rn.id, NONE, rn.label, &x);
		if (rc == MG_OK)
			iv_push(out, x);
	} else {
		for (i = 0; i < rn.ids.n && rc == MG_OK; i++) {
			rc = ident(c, NULL, rn.ids.v[i], rn.label, &x);
			if (rc == MG_OK)
				iv_push(out, x);
		}
	}
out:
	rnum_release(&rn);
	return rc;
}

/* get_revision(id_) */
static int get_revision(struct gctx *c, const char *id, size_t *out)
{
	struct rnum rn;
	int rc;

	*out = NONE;
	rc = resolve_number(c, id, &rn);
	if (rc == MG_OK && !rn.str && rn.ids.n > 1)
		rc = raise_multiple_heads(c, &rn.ids, id ? id : "");
	if (rc == MG_OK)
		rc = ident(c, rn.str ? rn.id : NULL,
			   rn.str || !rn.ids.n ? NONE : rn.ids.v[0], rn.label,
			   out);
	rnum_release(&rn);
	return rc;
}

/*
 * _walk(start, steps, branch_label, no_overwalk): `start` is a revision,
 * NONE (None) or BASE ("base"); when `start_s` is given it is resolved
 * with get_revision() instead.  *out is NONE when the walk went past the
 * graph and `no_overwalk` is set.
 */
static int walk_steps(struct gctx *c, size_t start, const char *start_s,
		      long long steps, const char *label, int no_overwalk,
		      size_t *out)
{
	const struct mg_graph *g = c->g;
	struct ivec ch = IVEC_INIT, up = IVEC_INIT;
	unsigned long long k, n;
	const size_t *e;
	size_t cur = start, m, i;
	int rc = MG_OK;

	*out = NONE;
	if (start_s) {
		rc = get_revision(c, start_s, &cur);
		if (rc)
			return rc;
	}
	n = steps < 0 ? 0 - (unsigned long long)steps :
		(unsigned long long)steps;
	for (k = 0; k < n; k++) {
		ch.n = 0;
		if (steps > 0 && cur != BASE) {
			if (cur == NONE) {
				e = g->bases.v;
				m = g->bases.n;
			} else {
				e = edges(g, cur, UP_VER, &m);
			}
			up.n = 0;
			for (i = 0; i < m; i++)
				iv_push(&up, e[i]);
			if (label)
				rc = filter_for_lineage(c, up.v, up.n, label, 0,
							&ch);
			else
				for (i = 0; i < m; i++)
					iv_push(&ch, e[i]);
			if (rc)
				break;
		} else if (steps < 0 && cur != BASE) {
			if (cur == NONE) {
				e = g->heads.v;
				m = g->heads.n;
			} else {
				e = edges(g, cur, DOWN_VER, &m);
			}
			for (i = 0; i < m; i++)
				iv_push(&ch, e[i]);
			if (!ch.n)
				iv_push(&ch, BASE);
		}
		if (!ch.n) {
			cur = no_overwalk ? NONE : cur;
			break;
		}
		if (ch.n > 1) {
			rc = raise_revision(c, X_REVISION, "Ambiguous walk");
			break;
		}
		cur = ch.v[0];
	}
	if (rc == MG_OK)
		*out = cur;
	iv_release(&ch);
	iv_release(&up);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Relative targets                                                     */

/* _relative_destination = r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)", matched */
struct relm {
	char *label;  /* or NULL */
	char *symbol; /* or NULL */
	char *rel;    /* "+2", "-03" as written */
	char *abs;    /* "%d" % abs(int(rel)) */
	char *num;    /* "%d" % int(rel) */
	long long v;  /* int(rel), clamped */
};

static void relm_release(struct relm *m)
{
	free(m->label);
	free(m->symbol);
	free(m->rel);
	free(m->abs);
	free(m->num);
}

static int is_word(unsigned char ch)
{
	return isalnum(ch) || ch == '_' || ch >= 0x80;
}

/* `(\w+)?((?:\+|-)\d+)` at s: the lengths of both groups. */
static int rel_tail(const char *s, size_t *wlen, size_t *rlen)
{
	size_t i = 0, j;

	while (is_word((unsigned char)s[i]))
		i++;
	if ((s[i] != '+' && s[i] != '-') || !isdigit((unsigned char)s[i + 1]))
		return 0;
	for (j = i + 1; isdigit((unsigned char)s[j]); j++)
		;
	*wlen = i;
	*rlen = j - i;
	return 1;
}

static int relmatch(const char *s, struct relm *m)
{
	size_t p, w = 0, r = 0, i;
	const char *tail = NULL, *d;
	long long v = 0;

	memset(m, 0, sizeof(*m));
	/* the optional label group first, as short as it can be */
	for (p = 1; s[0] && s[p] && s[p - 1] != '\n'; p++)
		if (s[p] == '@' && rel_tail(s + p + 1, &w, &r)) {
			m->label = mg_strndup(s, p);
			tail = s + p + 1;
			break;
		}
	if (!tail && rel_tail(s, &w, &r))
		tail = s;
	if (!tail)
		return 0;
	if (w)
		m->symbol = mg_strndup(tail, w);
	m->rel = mg_strndup(tail + w, r);
	for (d = m->rel + 1; *d == '0' && d[1]; d++)
		;
	m->abs = mg_strdup(d);
	for (i = 0; d[i]; i++)
		v = v > (LLONG_MAX - 9) / 10 ? LLONG_MAX :
			v * 10 + (d[i] - '0');
	m->v = m->rel[0] == '-' ? -v : v;
	m->num = mg_asprintf("%s%s", m->rel[0] == '-' && v ? "-" : "",
			     m->abs);
	return 1;
}

static int all_current(struct gctx *c, struct rid cur, struct ivec *out);

/*
 * _parse_downgrade_target(current_revisions, target): *label is the
 * branch label to consider (malloc'd, or NULL), *out the target revision
 * (NONE for base).
 */
static int parse_down_target(struct gctx *c, struct rid cur,
			     const char *target, int assert_len,
			     char **label, size_t *out)
{
	const struct mg_graph *g = c->g;
	struct ivec cr = IVEC_INIT, sl = IVEC_INIT, ac = IVEC_INIT;
	struct relm m;
	char *symbol = NULL, *start = NULL;
	const char *at;
	size_t rev = NONE, i, x;
	int rc = MG_OK;

	*label = NULL;
	*out = NONE;
	if (!target)
		return MG_OK;
	if (!relmatch(target, &m)) {
		/* absolute: rpartition("@") */
		at = strrchr(target, '@');
		if (at && at > target)
			*label = mg_strndup(target, (size_t)(at - target));
		return get_revision(c, at ? at + 1 : target, out);
	}
	if (m.v >= 0) {
		if (!m.symbol) {
			/* downgrading to current + n is not valid */
			rc = raise_relative(c, m.rel, m.abs);
			goto out;
		}
		rc = walk_steps(c, NONE, m.symbol, m.v, m.label, assert_len,
				&rev);
		if (rc == MG_OK && rev == NONE)
			rc = raise_revision(c, X_REVISION, "Walked too far");
		goto out;
	}
	if (!m.symbol && m.label) {
		/* label@-n: from the current revision on that branch */
		for (i = 0; i < (cur.tuple ? cur.n : 1) && rc == MG_OK; i++) {
			rc = ident(c, cur.tuple ? cur.v[i] : cur.s, NONE, NULL,
				   &x);
			if (rc == MG_OK && (cur.tuple || cur.s))
				iv_push(&cr, x);
		}
		if (rc == MG_OK)
			rc = filter_for_lineage(c, cr.v, cr.n, m.label, 0, &sl);
		if (rc == MG_OK && !sl.n) {
			rc = all_current(c, cur, &ac);
			if (rc == MG_OK)
				rc = filter_for_lineage(c, ac.v, ac.n, m.label,
							0, &sl);
		}
		if (rc)
			goto out;
		/* Alembic asserts there is exactly one */
		if (sl.n > 1) {
			rc = raise_revision(c, X_REVISION, "Ambiguous walk");
			goto out;
		}
		if (!sl.n || !is_rev(sl.v[0])) {
			rc = raise_relative(c, m.rel, m.abs);
			goto out;
		}
		symbol = mg_strdup(id_of(g, sl.v[0]));
	} else if (!m.symbol) {
		/* -n: from the first current revision */
		if (!rid_true(cur)) {
			rc = raise_relative(c, m.rel, m.abs);
			goto out;
		}
		symbol = mg_strdup(cur.tuple ? cur.v[0] : cur.s);
		m.label = mg_strdup(symbol);
	} else {
		symbol = mg_strdup(m.symbol);
	}
	start = m.label ? mg_asprintf("%s@%s", m.label, symbol) :
		mg_strdup(symbol);
	rc = walk_steps(c, NONE, start, m.v, NULL, assert_len, &rev);
	if (rc == MG_OK && rev == NONE)
		rc = m.symbol ? raise_revision(c, X_REVISION, "Walked too far")
			      : raise_relative(c, m.rel, m.abs);
out:
	if (rc == MG_OK) {
		*label = m.label;
		m.label = NULL;
		*out = rev;
	}
	relm_release(&m);
	free(symbol);
	free(start);
	iv_release(&cr);
	iv_release(&sl);
	iv_release(&ac);
	return rc;
}

/* _parse_upgrade_target(current_revisions, target) */
static int parse_up_target(struct gctx *c, struct rid cur, struct rid target,
			   int assert_len, struct ivec *out)
{
	const struct mg_graph *g = c->g;
	struct ivec cr = IVEC_INIT, sr = IVEC_INIT, anc = IVEC_INIT;
	struct ivec act = IVEC_INIT;
	struct relm m;
	char *start = NULL;
	const char *start_s = NULL;
	size_t rev = NONE, i, j, m2;
	const size_t *e;
	word *seen, *below;
	int rc = MG_OK;

	if (target.tuple || !target.s || !relmatch(target.s, &m))
		return get_revisions(c, target, out);
	if (m.v > 0 && !m.symbol) {
		size_t nstart;

		if (!m.label) {
			/* the current revisions, or None */
			nstart = rid_true(cur) ? (cur.tuple ? cur.n : 1) : 1;
			if (rid_true(cur))
				start_s = cur.tuple ? cur.v[0] : cur.s;
			if (nstart > 1) {
				rc = raise_revision(c, X_REVISION, "Ambiguous "
						    "upgrade from multiple "
						    "current revisions");
				goto out;
			}
			rc = walk_steps(c, NONE, start_s, m.v, NULL,
					assert_len, &rev);
		} else {
			if (rid_true(cur))
				rc = get_revisions(c, cur, &cr);
			if (rc == MG_OK)
				rc = filter_for_lineage(c, cr.v, cr.n, m.label,
							0, &sr);
			if (rc == MG_OK && !sr.n) {
				/*
				 * The branch is not current: start from the
				 * tips of its revisions below the current ones.
				 */
				seen = bs_new(g->n);
				rc = walk(c, cr.v, cr.n, DOWN_NORM, 0, seen,
					  &anc);
				free(seen);
				if (rc == MG_OK)
					rc = filter_for_lineage(c, anc.v, anc.n,
								m.label, 0,
								&act);
				below = bs_new(g->n);
				seen = bs_new(g->n);
				for (i = 0; i < act.n; i++) {
					bs_set(seen, act.v[i]);
					e = edges(g, act.v[i], DOWN_NORM, &m2);
					for (j = 0; j < m2; j++)
						bs_set(below, e[j]);
				}
				for (i = 0; i < g->n; i++)
					if (bs_has(seen, i) &&
					    !bs_has(below, i))
						iv_push(&sr, i);
				free(below);
				free(seen);
			}
			if (rc)
				goto out;
			if (sr.n > 1) {
				rc = raise_revision(c, X_REVISION, "Ambiguous "
						    "upgrade from multiple "
						    "current revisions");
				goto out;
			}
			rc = walk_steps(c, sr.n ? sr.v[0] : NONE, NULL, m.v,
					m.label, assert_len, &rev);
		}
		if (rc == MG_OK && rev == NONE)
			rc = raise_relative(c, m.rel, m.abs);
	} else if (m.v > 0) {
		/* relative to a given revision, not the current state */
		rc = walk_steps(c, NONE, m.symbol, m.v, m.label, assert_len,
				&rev);
		if (rc == MG_OK && rev == NONE)
			rc = raise_relative(c, m.rel, m.abs);
	} else {
		if (!m.symbol) {
			/* upgrading to current - n is not valid */
			rc = raise_relative(c, m.num, m.abs);
			goto out;
		}
		start = m.label ? mg_asprintf("%s@%s", m.label, m.symbol) :
			mg_strdup(m.symbol);
		rc = walk_steps(c, NONE, start, m.v, NULL, assert_len, &rev);
		if (rc == MG_OK && rev == NONE)
			rc = raise_relative(c, m.rel, m.abs);
	}
	/* a walk down to "base" targets nothing */
	if (rc == MG_OK && is_rev(rev))
		iv_push(out, rev);
out:
	relm_release(&m);
	free(start);
	iv_release(&cr);
	iv_release(&sr);
	iv_release(&anc);
	iv_release(&act);
	return rc;
}

/* _get_all_current(id_): the branch heads of what `cur` implies. */
static int all_current(struct gctx *c, struct rid cur, struct ivec *out)
{
	const struct mg_graph *g = c->g;
	struct ivec top = IVEC_INIT;
	word *all = NULL;
	const size_t *e;
	size_t i, j, m;
	int rc, keep;

	rc = get_revisions(c, cur, &top);
	if (rc)
		goto out;
	all = reach(c, top.v, top.n, DOWN_NORM);
	/* `all` holds every versioned parent of its members, so a member
	 * has a descendant in it exactly when one of its children is */
	for (i = 0; i < g->n; i++) {
		if (!bs_has(all, i))
			continue;
		e = edges(g, i, UP_VER, &m);
		for (j = 0, keep = 1; j < m && keep; j++)
			keep = !bs_has(all, e[j]);
		if (keep)
			iv_push(out, i);
	}
out:
	free(all);
	iv_release(&top);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Collecting and ordering revisions (iterate_revisions)                */

/* _collect_downgrade_revisions(upper, lower, ...) */
static int collect_down(struct gctx *c, struct rid upper, const char *lower,
			int inclusive, int implicit_base, int assert_len,
			word **out, struct ivec *heads)
{
	const struct mg_graph *g = c->g;
	struct ivec roots = IVEC_INIT;
	struct mg_buf up = MG_BUF_INIT;
	char *label = NULL;
	size_t trev, br, i, keep, m;
	const size_t *e;
	word *anc = NULL, *act = NULL, *down = NULL;
	int rc, empty = 1;

	*out = NULL;
	rc = parse_down_target(c, upper, lower, assert_len, &label, &trev);
	if (rc)
		goto out;
	if (trev == BASE)
		trev = NONE;
	if (trev == NONE) {
		/* back to base: every root */
		for (i = 0; i < g->bases.n; i++)
			iv_push(&roots, g->bases.v[i]);
	} else if (inclusive) {
		iv_push(&roots, trev);
	} else {
		e = edges(g, trev, UP_VER, &m);
		for (i = 0; i < m; i++)
			iv_push(&roots, e[i]);
	}
	if (label && roots.n > 1) {
		rc = resolve_branch(c, label, &br);
		if (rc)
			goto out;
		anc = reach(c, &br, 1, DOWN_VER);
		for (i = keep = 0; i < roots.n; i++)
			if (bs_has(anc, roots.v[i]))
				roots.v[keep++] = roots.v[i];
		roots.n = keep;
		if (!roots.n) {
			rc = raise_revision(c, X_REVISION, "Not a valid "
					    "downgrade target from current "
					    "heads");
			goto out;
		}
	}
	rc = get_revisions(c, upper, heads);
	if (rc)
		goto out;
	down = reach(c, roots.v, roots.n, UP_ALL);
	act = reach(c, heads->v, heads->n, DOWN_NORM);
	for (i = 0; i < nwords(g->n); i++)
		down[i] &= act[i];
	if (implicit_base) {
		free(anc);
		anc = reach(c, roots.v, roots.n, DOWN_NORM);
		for (i = 0; i < nwords(g->n); i++)
			down[i] |= act[i] & ~anc[i];
	}
	for (i = 0; i < nwords(g->n); i++)
		if (down[i])
			empty = 0;
	if (trev != NONE && empty && !iv_has(heads, trev)) {
		rid_format(&up, upper, "base");
		rc = raise_range(c, "Nothing to drop", mg_buf_str(&up));
		goto out;
	}
	*out = down;
	down = NULL;
out:
	free(label);
	free(anc);
	free(act);
	free(down);
	iv_release(&roots);
	mg_buf_release(&up);
	return rc;
}

/* _collect_upgrade_revisions(upper, lower, ...) */
static int collect_up(struct gctx *c, struct rid upper, struct rid lower,
		      int inclusive, int implicit_base, int assert_len,
		      word **out, struct ivec *targets)
{
	const struct mg_graph *g = c->g;
	struct ivec t = IVEC_INIT, cur = IVEC_INIT, more = IVEC_INIT;
	struct mg_buf lo = MG_BUF_INIT, hi = MG_BUF_INIT;
	char *branch = NULL, *dlabel = NULL;
	const char *at, *lower_s = lower.tuple ? NULL : lower.s;
	size_t i, x, keep;
	word *req = NULL, *cns = NULL, *desc = NULL;
	int rc;

	*out = NULL;
	rc = parse_up_target(c, lower, upper, assert_len, &t);
	if (rc)
		goto out;
	desc = bs_new(g->n); /* for now: the targets already taken */
	for (i = 0; i < t.n; i++)
		if (is_rev(t.v[i]) && !bs_has(desc, t.v[i])) {
			bs_set(desc, t.v[i]);
			iv_push(targets, t.v[i]);
		}
	free(desc);
	desc = NULL;
	/* a named base (branch@...) keeps the targets on that branch */
	if (lower_s && (at = strchr(lower_s, '@')) != NULL) {
		branch = mg_strndup(lower_s, (size_t)(at - lower_s));
		rc = get_revision(c, branch, &x);
		if (rc)
			goto out;
		if (is_rev(x) && !strcmp(id_of(g, x), branch)) {
			/* a revision used as a label: its branch instead */
			const char **l;
			size_t nl;

			l = mg_graph_labels(g, g->nodes[x].u, &nl);
			if (nl == 1) {
				free(branch);
				branch = mg_strdup(l[0]);
			}
			free(l);
		}
		for (i = keep = 0; i < targets->n; i++)
			if (has_label(g, targets->v[i], branch))
				targets->v[keep++] = targets->v[i];
		targets->n = keep;
	}
	rc = reach_checked(c, targets->v, targets->n, DOWN_NORM, &req);
	if (rc)
		goto out;
	rc = get_revisions(c, lower, &cur);
	if (rc)
		goto out;
	if (!implicit_base)
		for (i = 0; i < cur.n; i++)
			if (cur.v[i] != NONE &&
			    (cur.v[i] == BASE || !bs_has(req, cur.v[i]))) {
				rid_format(&lo, lower, "base");
				rid_format(&hi, upper, "base");
				rc = raise_range(c, mg_buf_str(&lo),
						 mg_buf_str(&hi));
				goto out;
			}
	if (cur.n && cur.v[0] == NONE && lower_s) {
		/* lower is relative, e.g. -3: resolve it as a downgrade */
		rc = parse_down_target(c, upper, lower_s, assert_len, &dlabel,
				       &x);
		if (rc)
			goto out;
		cur.n = 0;
		lower_s = NULL;
		if (is_rev(x)) {
			iv_push(&cur, x);
			lower_s = id_of(g, x);
		}
		lower = rid_str(lower_s);
	}
	rc = reach_checked(c, cur.v, cur.n, DOWN_NORM, &cns);
	if (rc)
		goto out;
	for (i = 0; i < nwords(g->n); i++)
		req[i] &= ~cns[i];
	if (inclusive) {
		rc = get_revisions(c, lower, &more);
		if (rc)
			goto out;
		for (i = 0; i < more.n; i++)
			if (is_rev(more.v[i]))
				bs_set(req, more.v[i]);
	}
	if (cur.n && !implicit_base) {
		rc = reach_checked(c, cur.v, cur.n, UP_VER, &desc);
		if (rc)
			goto out;
		for (i = 0; i < nwords(g->n); i++)
			req[i] &= desc[i];
	}
	*out = req;
	req = NULL;
out:
	free(branch);
	free(dlabel);
	free(req);
	free(cns);
	free(desc);
	iv_release(&t);
	iv_release(&cur);
	iv_release(&more);
	mg_buf_release(&lo);
	mg_buf_release(&hi);
	return rc;
}

/*
 * The ancestors of a head for _topological_sort.  Only revisions still
 * to sort are ever asked about, and nothing below a sorted one (or one
 * never to sort) is, so the walk stops there.  `cover` counts, per
 * revision, the sets holding it.
 */
struct anc {
	word *bits;
	struct ivec members; /* as walked; bits may have lost some since */
};

static void anc_set(struct gctx *c, struct anc *a, size_t rev,
		    const word *todo, unsigned *cover)
{
	size_t i;

	a->bits = bs_new(c->g->n);
	memset(&a->members, 0, sizeof(a->members));
	walk_x(c, &rev, 1, DOWN_NORM, 0, a->bits, &a->members, todo, 0);
	for (i = 0; i < a->members.n; i++)
		cover[a->members.v[i]]++;
}

static void anc_free(struct anc *a, unsigned *cover)
{
	size_t i, x;

	for (i = 0; i < a->members.n; i++) {
		x = a->members.v[i];
		if (bs_has(a->bits, x))
			cover[x]--;
	}
	free(a->bits);
	a->bits = NULL;
	iv_release(&a->members);
}

/*
 * The current heads of _topological_sort, a list kept in Alembic's
 * order: slots are linked so that removing one from the middle is O(1).
 */
struct hlist {
	size_t *rev, *next, *prev;
	struct anc *anc;
	size_t n, cap, first, last;
};

static size_t hl_append(struct hlist *l, size_t rev)
{
	size_t s = l->n++;

	if (l->n > l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->rev = mg_reallocarray(l->rev, l->cap, sizeof(size_t));
		l->next = mg_reallocarray(l->next, l->cap, sizeof(size_t));
		l->prev = mg_reallocarray(l->prev, l->cap, sizeof(size_t));
		l->anc = mg_reallocarray(l->anc, l->cap, sizeof(struct anc));
	}
	l->rev[s] = rev;
	l->next[s] = NONE;
	l->prev[s] = l->last;
	if (l->last == NONE)
		l->first = s;
	else
		l->next[l->last] = s;
	l->last = s;
	return s;
}

/* Unlink slot s; returns Alembic's next index, max(idx - 1, 0). */
static size_t hl_remove(struct hlist *l, size_t s)
{
	size_t p = l->prev[s], n = l->next[s];

	if (p == NONE)
		l->first = n;
	else
		l->next[p] = n;
	if (n == NONE)
		l->last = p;
	else
		l->prev[n] = p;
	return p != NONE ? p : l->first;
}

/*
 * _topological_sort(revisions, heads): newest first, depth first along
 * each branch, finishing every branch at its branch point before going
 * below it; heads are taken in file-name order.
 */
static void topo_sort(struct gctx *c, word *todo, const struct ivec *heads,
		      struct ivec *out)
{
	const struct mg_graph *g = c->g;
	struct hlist hl;
	struct ivec add = IVEC_INIT;
	size_t cur, j, i, m, cand;
	unsigned *inheads = mg_calloc(g->n + 1, sizeof(unsigned));
	unsigned *cover = mg_calloc(g->n + 1, sizeof(unsigned));
	const size_t *e;

	memset(&hl, 0, sizeof(hl));
	hl.first = hl.last = NONE;
	for (i = 0; i < heads->n; i++)
		if (is_rev(heads->v[i]) && bs_has(todo, heads->v[i]))
			inheads[heads->v[i]] = 1;
	for (i = 0; i < g->n; i++)
		if (inheads[i]) {
			j = hl_append(&hl, i);
			anc_set(c, &hl.anc[j], i, todo, cover);
		}
	cur = hl.first;
	while (hl.first != NONE) {
		cand = hl.rev[cur];
		j = NONE;
		if (cover[cand] > (unsigned)bs_has(hl.anc[cur].bits, cand))
			for (j = hl.first; j != NONE; j = hl.next[j])
				if (j != cur && bs_has(hl.anc[j].bits, cand))
					break;
		if (j != NONE) {
			/* another head depends on us: it goes first */
			cur = j;
			continue;
		}
		if (bs_has(todo, cand)) {
			iv_push(out, cand);
			bs_clr(todo, cand);
		}
		add.n = 0;
		e = edges(g, cand, DOWN_NORM, &m);
		for (i = 0; i < m; i++)
			if (bs_has(todo, e[i]) && !inheads[e[i]])
				iv_push(&add, e[i]);
		inheads[cand]--;
		if (!add.n) {
			anc_free(&hl.anc[cur], cover);
			cur = hl_remove(&hl, cur);
			continue;
		}
		hl.rev[cur] = add.v[0];
		inheads[add.v[0]]++;
		if (!g->nodes[cand].nnormdeps && g->nodes[cand].ndown == 1) {
			/* plain movement down a line */
			if (bs_has(hl.anc[cur].bits, cand)) {
				bs_clr(hl.anc[cur].bits, cand);
				cover[cand]--;
			}
			continue;
		}
		anc_free(&hl.anc[cur], cover);
		anc_set(c, &hl.anc[cur], add.v[0], todo, cover);
		for (i = 1; i < add.n; i++) {
			inheads[add.v[i]]++;
			j = hl_append(&hl, add.v[i]);
			anc_set(c, &hl.anc[j], add.v[i], todo, cover);
		}
	}
	for (i = 0; i < hl.n; i++)
		anc_free(&hl.anc[i], cover);
	free(hl.rev);
	free(hl.next);
	free(hl.prev);
	free(hl.anc);
	free(inheads);
	free(cover);
	iv_release(&add);
}

/* iterate_revisions(upper, lower, ...), newest first. */
static int iterate(struct gctx *c, struct rid upper, struct rid lower,
		   int implicit_base, int inclusive, int assert_len,
		   int for_downgrade, struct ivec *out)
{
	struct ivec heads = IVEC_INIT;
	word *revs = NULL;
	int rc;

	if (for_downgrade)
		rc = collect_down(c, upper, lower.tuple ? NULL : lower.s,
				  inclusive, implicit_base, assert_len, &revs,
				  &heads);
	else
		rc = collect_up(c, upper, lower, inclusive, implicit_base,
				assert_len, &revs, &heads);
	if (rc == MG_OK)
		topo_sort(c, revs, &heads, out);
	free(revs);
	iv_release(&heads);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The version table: Alembic's HeadMaintainer                          */

struct hm {
	struct gctx *c;
	unsigned char *in; /* per revision: is a row */
	struct ivec rows;
};

static void hm_init(struct hm *h, struct gctx *c)
{
	memset(h, 0, sizeof(*h));
	h->c = c;
	h->in = mg_calloc(c->g->n + 1, 1);
}

static void hm_release(struct hm *h)
{
	free(h->in);
	iv_release(&h->rows);
}

static void hm_add(struct hm *h, size_t x)
{
	if (h->in[x])
		return;
	h->in[x] = 1;
	iv_push(&h->rows, x);
}

static void hm_del(struct hm *h, size_t x)
{
	size_t i;

	if (!h->in[x])
		return;
	h->in[x] = 0;
	for (i = 0; i < h->rows.n; i++)
		if (h->rows.v[i] == x) {
			h->rows.v[i] = h->rows.v[--h->rows.n];
			break;
		}
}

/* Append a step; del / ins are revision indices. */
static void plan_push(struct mg_plan *plan, const struct mg_graph *g,
		      const struct mg_unit *unit, enum mg_direction dir,
		      const struct ivec *del, const struct ivec *ins)
{
	struct mg_step *st;
	const char **v;
	size_t i;

	mg_grow(&plan->v, &plan->cap, plan->n + 1, sizeof(*plan->v));
	st = &plan->v[plan->n++];
	memset(st, 0, sizeof(*st));
	v = mg_calloc(del->n + ins->n + 1, sizeof(*v));
	for (i = 0; i < del->n; i++)
		v[i] = id_of(g, del->v[i]);
	for (i = 0; i < ins->n; i++)
		v[del->n + i] = id_of(g, ins->v[i]);
	st->unit = unit;
	st->dir = dir;
	st->del = v;
	st->ndel = del->n;
	st->ins = v + del->n;
	st->nins = ins->n;
}

/* The rows other than `skip` (NONE: all), as revisions. */
static void hm_others(const struct hm *h, const struct ivec *skip,
		      struct ivec *out)
{
	size_t i;

	for (i = 0; i < h->rows.n; i++)
		if (!iv_has(skip, h->rows.v[i]))
			iv_push(out, h->rows.v[i]);
}

/* Members of `v` that are not ancestors of the other rows. */
static void not_below_others(const struct hm *h, const size_t *v, size_t n,
			     const struct ivec *skip, struct ivec *out)
{
	struct ivec other = IVEC_INIT;
	word *anc;
	size_t i;

	hm_others(h, skip, &other);
	anc = reach_down_to(h->c, other.v, other.n, v, n);
	for (i = 0; i < n; i++)
		if (!bs_has(anc, v[i]))
			iv_push(out, v[i]);
	free(anc);
	iv_release(&other);
}

/* RevisionStep._unmerge_to_revisions(heads) */
static void unmerge_to(const struct hm *h, size_t rev, struct ivec *out)
{
	const struct mg_graph *g = h->c->g;
	const struct node *nd = &g->nodes[rev];
	struct ivec skip = IVEC_INIT, parents = IVEC_INIT;
	word *anc;
	size_t i, j, m;
	const size_t *e;

	iv_push(&skip, rev);
	if (h->rows.n > (h->in[rev] ? 1u : 0u)) {
		not_below_others(h, nd->norm, nd->nnorm, &skip, out);
	} else if (nd->nnorm == 1) {
		iv_push(out, nd->norm[0]);
	} else {
		/* drop those that are ancestors of another one */
		for (i = 0; i < nd->nnorm; i++) {
			e = edges(g, nd->norm[i], DOWN_NORM, &m);
			for (j = 0; j < m; j++)
				iv_push(&parents, e[j]);
		}
		anc = reach_down_to(h->c, parents.v, parents.n, nd->norm,
				    nd->nnorm);
		for (i = 0; i < nd->nnorm; i++)
			if (!bs_has(anc, nd->norm[i]))
				iv_push(out, nd->norm[i]);
		free(anc);
	}
	iv_release(&skip);
	iv_release(&parents);
}

/* HeadMaintainer.update_to_step(RevisionStep(rev, up)) */
static void hm_revision_step(struct hm *h, size_t rev, int up,
			     struct mg_plan *plan)
{
	const struct mg_graph *g = h->c->g;
	const struct node *nd = &g->nodes[rev];
	struct ivec del = IVEC_INIT, ins = IVEC_INIT, to = IVEC_INIT;
	struct ivec from = IVEC_INIT, skip = IVEC_INIT;
	size_t i, present = 0, d = NONE;

	for (i = 0; i < nd->nnorm; i++)
		if (h->in[nd->norm[i]]) {
			present++;
			d = nd->norm[i];
		}
	if (!up && h->in[rev]) {
		if (nd->nnorm)
			unmerge_to(h, rev, &to);
		if (!to.n) {
			/* a base, or its parents are implied: delete */
			iv_push(&del, rev);
			goto emit;
		}
		if (nd->nnorm > 1) {
			/* unmerge: update to one parent, insert the rest */
			iv_push(&del, rev);
			iv_push(&ins, to.v[to.n - 1]);
			for (i = 0; i + 1 < to.n; i++)
				iv_push(&ins, to.v[i]);
			goto emit;
		}
	}
	if (up && (!nd->nnorm || !present)) {
		/* a new branch: insert */
		iv_push(&ins, rev);
		goto emit;
	}
	if (up && nd->nnorm > 1 && present > 1) {
		/* merge: update one parent, delete the others */
		for (i = 0; i < nd->nnorm; i++)
			iv_push(&skip, nd->norm[i]);
		if (h->rows.n > present)
			not_below_others(h, nd->norm, nd->nnorm, &skip, &from);
		else
			for (i = 0; i < nd->nnorm; i++)
				iv_push(&from, nd->norm[i]);
		if (!from.n) {
			iv_push(&ins, rev);
			goto emit;
		}
		iv_push(&del, from.v[from.n - 1]);
		for (i = 0; i + 1 < from.n; i++)
			iv_push(&del, from.v[i]);
		iv_push(&ins, rev);
		goto emit;
	}
	/* a plain update */
	if (nd->nnorm == 1)
		d = nd->norm[0];
	if (d == NONE)
		goto emit;
	iv_push(&del, up ? d : rev);
	iv_push(&ins, up ? rev : d);
emit:
	for (i = 0; i < del.n; i++)
		hm_del(h, del.v[i]);
	for (i = 0; i < ins.n; i++)
		hm_add(h, ins.v[i]);
	plan_push(plan, g, nd->u, up ? MG_UP : MG_DOWN, &del, &ins);
	iv_release(&del);
	iv_release(&ins);
	iv_release(&to);
	iv_release(&from);
	iv_release(&skip);
}

/* HeadMaintainer.update_to_step(StampStep(from_, to_, ...)) */
static void hm_stamp_step(struct hm *h, const struct ivec *from, size_t to,
			  int up, int branch_move, struct mg_plan *plan)
{
	const struct mg_graph *g = h->c->g;
	struct ivec del = IVEC_INIT, ins = IVEC_INIT;
	size_t i;
	int gone = 0;

	for (i = 0; i < from->n; i++)
		if (!h->in[from->v[i]])
			gone = 1;
	if (!up && branch_move) {
		if (from->n)
			iv_push(&del, from->v[0]);
	} else if (up && (branch_move || gone) && is_rev(to) && !h->in[to]) {
		iv_push(&ins, to);
	} else if (from->n > 1) {
		iv_push(&del, from->v[from->n - 1]);
		for (i = 0; i + 1 < from->n; i++)
			iv_push(&del, from->v[i]);
		iv_push(&ins, to);
	} else if (from->n == 1 && is_rev(to)) {
		iv_push(&del, from->v[0]);
		iv_push(&ins, to);
	}
	for (i = 0; i < del.n; i++)
		hm_del(h, del.v[i]);
	for (i = 0; i < ins.n; i++)
		hm_add(h, ins.v[i]);
	plan_push(plan, g, NULL, up ? MG_UP : MG_DOWN, &del, &ins);
	iv_release(&del);
	iv_release(&ins);
}

/* ------------------------------------------------------------------ */
/* Public: plans                                                        */

void mg_plan_release(struct mg_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		free(plan->v[i].del);
	free(plan->v);
	plan->v = NULL;
	plan->n = plan->cap = 0;
}

/* Every revision of the version table must be known. */
static int check_current(const struct mg_graph *g, const char *const *cur,
			 size_t n, struct mg_error *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (id_find(g, cur[i]) == NONE)
			return mg_error_set(err, MG_ECONFIG, NULL, 0,
					    "Can't locate revision identified "
					    "by '%s'", cur[i]);
	return MG_OK;
}

int mg_graph_plan(const struct mg_graph *g, const char *const *current,
		  size_t ncurrent, const char *target, enum mg_direction dir,
		  struct mg_plan *out, struct mg_error *err)
{
	struct gctx c;
	struct hm h;
	struct ivec revs = IVEC_INIT;
	struct rid cur = rid_tuple(current, ncurrent);
	size_t i;
	int rc;

	if (!target)
		target = dir == MG_DOWN ? "base" :
			 g->heads.n == 1 ? "head" : "heads";
	rc = check_current(g, current, ncurrent, err);
	if (rc)
		return rc;
	ctx_init(&c, g, err, dir == MG_UP ? C_UPGRADE : C_DOWNGRADE, NULL,
		 target);
	if (dir == MG_UP)
		rc = iterate(&c, rid_str(target), cur, 1, 0, 1, 0, &revs);
	else
		rc = iterate(&c, cur, rid_str(target), 0, 0, 1, 1, &revs);
	if (rc == MG_OK) {
		hm_init(&h, &c);
		for (i = 0; i < ncurrent; i++)
			hm_add(&h, id_find(g, current[i]));
		for (i = 0; i < revs.n; i++)
			hm_revision_step(&h, revs.v[dir == MG_UP ?
						    revs.n - 1 - i : i],
					 dir == MG_UP, out);
		hm_release(&h);
	}
	iv_release(&revs);
	return ctx_finish(&c, rc);
}

int mg_graph_stamp(const struct mg_graph *g, const char *const *current,
		   size_t ncurrent, const char *target, int purge,
		   struct mg_plan *out, struct mg_error *err)
{
	struct gctx c;
	struct hm h;
	struct ivec heads = IVEC_INIT, filtered = IVEC_INIT;
	struct ivec dests = IVEC_INIT, none = IVEC_INIT, one = IVEC_INIT;
	size_t i, j, dest;
	word *desc, *anc;
	int rc, below, above;

	if (purge)
		ncurrent = 0;
	rc = check_current(g, current, ncurrent, err);
	if (rc)
		return rc;
	if (!target || !target[0])
		target = "base";
	ctx_init(&c, g, err, C_STAMP, NULL, NULL);
	hm_init(&h, &c);
	rc = get_revisions(&c, rid_tuple(current, ncurrent), &heads);
	if (rc == MG_OK)
		rc = filter_for_lineage(&c, heads.v, heads.n, target, 1,
					&filtered);
	if (rc == MG_OK)
		rc = get_revisions(&c, rid_str(target), &dests);
	if (rc)
		goto out;
	for (i = 0; i < heads.n; i++)
		hm_add(&h, heads.v[i]);
	/* unique_list(filtered_heads) */
	for (i = j = 0; i < filtered.n; i++)
		if (!arr_has(filtered.v, j, filtered.v[i]))
			filtered.v[j++] = filtered.v[i];
	filtered.n = j;
	if (!dests.n)
		iv_push(&dests, NONE);
	for (i = 0; i < dests.n; i++) {
		dest = dests.v[i];
		if (!is_rev(dest)) {
			/* base: delete every branch concerned */
			for (j = 0; j < filtered.n; j++) {
				one.n = 0;
				iv_push(&one, filtered.v[j]);
				hm_stamp_step(&h, &one, NONE, 0, 1, out);
			}
			continue;
		}
		if (iv_has(&filtered, dest))
			continue;
		below = above = 0;
		if (filtered.n) {
			desc = reach(&c, &dest, 1, UP_ALL);
			anc = reach(&c, &dest, 1, DOWN_NORM);
			for (j = 0; j < filtered.n; j++) {
				above |= bs_has(desc, filtered.v[j]);
				below |= bs_has(anc, filtered.v[j]);
			}
			free(desc);
			free(anc);
		}
		if (above)
			hm_stamp_step(&h, &filtered, dest, 0, 0, out);
		else if (below)
			hm_stamp_step(&h, &filtered, dest, 1, 0, out);
		else
			hm_stamp_step(&h, &none, dest, 1, 1, out);
	}
out:
	hm_release(&h);
	iv_release(&heads);
	iv_release(&filtered);
	iv_release(&dests);
	iv_release(&none);
	iv_release(&one);
	return ctx_finish(&c, rc);
}

/* ------------------------------------------------------------------ */
/* Public: resolving and viewing                                        */

void mg_rev_list_push(struct mg_rev_list *list, const struct mg_unit *u)
{
	mg_grow(&list->v, &list->cap, list->n + 1, sizeof(*list->v));
	list->v[list->n++] = u;
}

void mg_rev_list_release(struct mg_rev_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}

static void push_revs(const struct mg_graph *g, const struct ivec *v,
		      struct mg_rev_list *out)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (is_rev(v->v[i]))
			mg_rev_list_push(out, g->nodes[v->v[i]].u);
}

int mg_graph_resolve(const struct mg_graph *g, const char *target,
		     const char *const *current, size_t ncurrent,
		     enum mg_direction dir, struct mg_rev_list *out,
		     struct mg_error *err)
{
	struct gctx c;
	struct ivec v = IVEC_INIT;
	struct rid cur = rid_tuple(current, ncurrent);
	char *label = NULL;
	size_t x;
	int rc;

	ctx_init(&c, g, err, C_PLAIN, NULL, target);
	if (dir == MG_UP) {
		rc = parse_up_target(&c, cur, rid_str(target), 1, &v);
	} else {
		rc = parse_down_target(&c, cur, target, 1, &label, &x);
		if (rc == MG_OK)
			iv_push(&v, x);
	}
	if (rc == MG_OK)
		push_revs(g, &v, out);
	free(label);
	iv_release(&v);
	return ctx_finish(&c, rc);
}

int mg_graph_revisions(const struct mg_graph *g, const char *target,
		       struct mg_rev_list *out, struct mg_error *err)
{
	struct gctx c;
	struct ivec v = IVEC_INIT;
	int rc;

	ctx_init(&c, g, err, C_PLAIN, NULL, NULL);
	rc = get_revisions(&c, rid_str(target), &v);
	if (rc == MG_OK)
		push_revs(g, &v, out);
	iv_release(&v);
	return ctx_finish(&c, rc);
}

int mg_graph_current(const struct mg_graph *g, const char *const *current,
		     size_t ncurrent, struct mg_rev_list *out,
		     struct mg_error *err)
{
	struct gctx c;
	struct ivec v = IVEC_INIT;
	int rc;

	rc = check_current(g, current, ncurrent, err);
	if (rc)
		return rc;
	ctx_init(&c, g, err, C_PLAIN, NULL, NULL);
	rc = all_current(&c, rid_tuple(current, ncurrent), &v);
	if (rc == MG_OK)
		push_revs(g, &v, out);
	iv_release(&v);
	return ctx_finish(&c, rc);
}

/* walk_revisions(base, head): history order, newest first. */
static int walk_revisions(const struct mg_graph *g, struct rid base,
			  struct rid head, struct ivec *out,
			  struct mg_error *err)
{
	struct mg_buf s = MG_BUF_INIT, e = MG_BUF_INIT;
	struct gctx c;
	int rc;

	rid_format(&s, base, "base");
	rid_format(&e, head, "heads");
	ctx_init(&c, g, err, C_HISTORY, mg_buf_str(&s), mg_buf_str(&e));
	rc = iterate(&c, head, base, 0, 1, 0, 0, out);
	rc = ctx_finish(&c, rc);
	mg_buf_release(&s);
	mg_buf_release(&e);
	return rc;
}

static char *strip(const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return mg_strndup(s, n);
}

int mg_graph_history(const struct mg_graph *g, const char *range,
		     const char *const *current, size_t ncurrent,
		     struct mg_rev_list *out, struct mg_error *err)
{
	struct ivec v = IVEC_INIT;
	struct rid base = rid_str(NULL), head = rid_str(NULL);
	struct rid cur = rid_tuple(current, ncurrent);
	char *r = NULL, *colon;
	int rc;

	if (range && range[0]) {
		r = strip(range);
		colon = strchr(r, ':');
		if (!colon || strchr(colon + 1, ':')) {
			free(r);
			return mg_error_set(err, MG_EUSAGE, NULL, 0, "History "
					    "range requires [start]:[end], "
					    "[start]:, or :[end]");
		}
		*colon = '\0';
		base = rid_str(r);
		head = rid_str(colon + 1);
	}
	if (head.s && !strcmp(head.s, "current"))
		head = cur;
	else if (base.s && !strcmp(base.s, "current"))
		base = cur;
	if (!rid_true(base))
		base = rid_str("base");
	if (!rid_true(head))
		head = rid_str("heads");
	rc = walk_revisions(g, base, head, &v, err);
	if (rc == MG_OK)
		push_revs(g, &v, out);
	iv_release(&v);
	free(r);
	return rc;
}

void mg_graph_branches(const struct mg_graph *g, struct mg_rev_list *out)
{
	struct mg_error err = MG_ERROR_INIT;
	struct ivec v = IVEC_INIT;
	size_t i;

	if (walk_revisions(g, rid_str("base"), rid_str("heads"), &v, &err) ==
	    MG_OK)
		for (i = 0; i < v.n; i++)
			if (g->nodes[v.v[i]].nnext > 1)
				mg_rev_list_push(out, g->nodes[v.v[i]].u);
	iv_release(&v);
}

size_t mg_graph_count(const struct mg_graph *g)
{
	return g->n;
}

const struct mg_unit *mg_graph_unit(const struct mg_graph *g, size_t i)
{
	return i < g->n ? g->nodes[i].u : NULL;
}

const struct mg_unit *mg_graph_find(const struct mg_graph *g, const char *rev)
{
	size_t i = id_find(g, rev);

	return i == NONE ? NULL : g->nodes[i].u;
}

void mg_graph_heads(const struct mg_graph *g, struct mg_rev_list *out)
{
	push_revs(g, &g->heads, out);
}

/* The index of a unit of the graph, NONE for a stranger. */
static size_t unit_index(const struct mg_graph *g, const struct mg_unit *u)
{
	size_t i = u ? id_find(g, u->revision) : NONE;

	return i != NONE && g->nodes[i].u == u ? i : NONE;
}

void mg_graph_children(const struct mg_graph *g, const struct mg_unit *u,
		       struct mg_rev_list *out)
{
	size_t i = unit_index(g, u), k;

	if (i == NONE)
		return;
	for (k = 0; k < g->nodes[i].nnext; k++)
		mg_rev_list_push(out, g->nodes[g->nodes[i].next[k]].u);
}

unsigned mg_graph_flags(const struct mg_graph *g, const struct mg_unit *u)
{
	size_t i = unit_index(g, u);
	const struct node *nd;
	unsigned f = 0;

	if (i == NONE)
		return 0;
	nd = &g->nodes[i];
	if (!nd->nallnext)
		f |= MG_REV_HEAD;
	else if (!nd->nnext)
		f |= MG_REV_EFFECTIVE_HEAD;
	if (nd->nnext > 1)
		f |= MG_REV_BRANCHPOINT;
	if (nd->ndown > 1)
		f |= MG_REV_MERGEPOINT;
	if (!nd->ndown)
		f |= MG_REV_BASE;
	return f;
}

int mg_graph_is_head(const struct mg_graph *g, const struct mg_unit *u)
{
	size_t i = unit_index(g, u);

	return i != NONE && !g->nodes[i].nnext;
}

int mg_graph_is_branchpoint(const struct mg_graph *g,
			    const struct mg_unit *u)
{
	return (mg_graph_flags(g, u) & MG_REV_BRANCHPOINT) != 0;
}

int mg_graph_is_mergepoint(const struct mg_graph *g, const struct mg_unit *u)
{
	return (mg_graph_flags(g, u) & MG_REV_MERGEPOINT) != 0;
}

const char **mg_graph_labels(const struct mg_graph *g,
			     const struct mg_unit *u, size_t *n)
{
	size_t i = unit_index(g, u), l;
	const char **v = NULL;

	*n = 0;
	if (i == NONE)
		return NULL;
	for (l = 0; l < g->nlabels; l++)
		if (bs_has(g->labbits + i * g->labwords, l)) {
			v = mg_reallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = g->labels[l].name;
		}
	return v;
}

/* ------------------------------------------------------------------ */
/* Building and validating                                              */

void mg_graph_free(struct mg_graph *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->n; i++)
		mg_unit_free(g->nodes[i].u);
	free(g->nodes);
	free(g->pool);
	free(g->idtab);
	free(g->labels);
	free(g->labtab);
	free(g->labbits);
	free(g->topo);
	iv_release(&g->heads);
	iv_release(&g->real_heads);
	iv_release(&g->bases);
	free(g);
}

static int err_unit(struct mg_error *err, const struct mg_unit *u,
		    const char *fmt, ...) MG_PRINTF(3, 4);

static int err_unit(struct mg_error *err, const struct mg_unit *u,
		    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mg_error_vset(err, MG_ECONFIG, u->path, 0, fmt, ap);
	va_end(ap);
	return rc;
}

static int has_string(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

#define ID_ILLEGAL "+-:@" /* sorted, as Alembic lists */
static const char illegal[] = ID_ILLEGAL;

/*
 * Has id none of the characters check_id refuses (those, and white
 * space as isspace() has it in the C locale)?  One pass.
 */
static int id_plain(const char *id, size_t *len)
{
	*len = strcspn(id, ID_ILLEGAL " \t\n\v\f\r");
	return id[*len] == '\0';
}

/* The error for an id that is not id_plain. */
static int id_refused(const struct mg_unit *u, struct mg_error *err)
{
	const char *id = u->revision, *p;
	struct mg_buf b = MG_BUF_INIT;
	int rc;

	for (p = illegal; *p; p++)
		if (strchr(id, *p))
			mg_buf_printf(&b, "%s%c", b.len ? ", " : "", *p);
	if (b.len) {
		rc = err_unit(err, u, "Character(s) '%s' not allowed in "
			      "revision identifier '%s'", mg_buf_str(&b), id);
		mg_buf_release(&b);
		return rc;
	}
	return err_unit(err, u, "revision id '%s' contains white space", id);
}

/* One unit's id on its own: Alembic's Revision() checks, and ours. */
static int check_id(const struct mg_unit *u, struct mg_error *err)
{
	const char *id = u->revision;
	size_t len;

	if (!id_plain(id, &len))
		return id_refused(u, err);
	if (!len)
		return err_unit(err, u, "revision id is empty");
	if (len > MG_REVISION_MAX)
		return err_unit(err, u, "revision id '%s' is %zu characters "
				"long; the version table holds at most %d", id,
				len, MG_REVISION_MAX);
	if (has_string(u->down_revisions, u->ndown, id))
		return err_unit(err, u, "Self-loop is detected in revisions "
				"(%s)", id);
	if (has_string(u->depends_on, u->ndepends, id))
		return err_unit(err, u, "Dependency self-loop is detected in "
				"revisions (%s)", id);
	return MG_OK;
}

/* The id table, refusing duplicates. */
static int index_ids(struct mg_graph *g, struct mg_error *err)
{
	size_t i, other;

	g->idcap = table_cap(g->n);
	g->idtab = mg_calloc(g->idcap, sizeof(*g->idtab));
	for (i = 0; i < g->n; i++) {
		other = id_insert(g, i);
		if (other != NONE)
			return err_unit(err, g->nodes[i].u, "duplicate "
					"revision id '%s' in %s and %s",
					id_of(g, i),
					g->nodes[other].u->path,
					g->nodes[i].u->path);
	}
	return MG_OK;
}

/* The label table: a label names one unit and is no revision id. */
static int index_labels(struct mg_graph *g, struct mg_error *err)
{
	size_t i, k, total = 0, other, h, e;
	const struct mg_unit *u;

	for (i = 0; i < g->n; i++)
		total += g->nodes[i].u->nlabels;
	g->labels = mg_calloc(total + 1, sizeof(*g->labels));
	g->labcap = table_cap(total);
	g->labtab = mg_calloc(g->labcap, sizeof(*g->labtab));
	for (i = 0; i < g->n; i++) {
		u = g->nodes[i].u;
		for (k = 0; k < u->nlabels; k++) {
			const char *name = u->branch_labels[k];

			other = id_find(g, name);
			if (other == NONE) {
				other = label_find(g, name);
				if (other != NONE)
					other = g->labels[other].rev;
			}
			if (other != NONE)
				return err_unit(err, u, "Branch name '%s' in "
						"revision %s already used by "
						"revision %s (%s)", name,
						u->revision, id_of(g, other),
						g->nodes[other].u->path);
			for (h = fnv1a(name) & (g->labcap - 1);
			     (e = g->labtab[h]) != 0;
			     h = (h + 1) & (g->labcap - 1))
				;
			g->labels[g->nlabels].name = name;
			g->labels[g->nlabels].rev = i;
			g->labtab[h] = ++g->nlabels;
		}
	}
	return MG_OK;
}

/* Append x to v (of *n) unless there. */
static void add_unique(size_t *v, size_t *n, size_t x)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (v[i] == x)
			return;
	v[(*n)++] = x;
}

/*
 * Resolve a unit's down_revisions (ids) or depends_on (ids or labels,
 * with `labels`) into `out`, adding each to nd->all too.
 */
static int resolve_refs(const struct mg_graph *g, struct node *nd,
			char *const *names, size_t n, int labels, size_t *out,
			size_t *nout, struct mg_error *err)
{
	size_t k, x;

	for (k = 0; k < n; k++) {
		x = labels ? key_find(g, names[k]) : id_find(g, names[k]);
		if (x == NONE)
			return err_unit(err, nd->u, "Can't locate revision "
					"identified by '%s'", names[k]);
		out[(*nout)++] = x;
		add_unique(nd->all, &nd->nall, x);
	}
	return MG_OK;
}

/*
 * Resolve every down_revision (an id) and depends_on (an id or a label)
 * into the node's edge arrays, carved out of one pool.
 */
static int link(struct mg_graph *g, struct mg_error *err)
{
	size_t i, k, x, total = 0, *p;
	struct node *nd;
	const struct mg_unit *u;

	for (i = 0; i < g->n; i++)
		total += g->nodes[i].u->ndown + g->nodes[i].u->ndepends;
	g->pool = mg_calloc(6 * total + 1, sizeof(*g->pool));
	p = g->pool;
	for (i = 0; i < g->n; i++) {
		nd = &g->nodes[i];
		u = nd->u;
		nd->down = p;
		p += u->ndown;
		nd->deps = p;
		p += u->ndepends;
		nd->all = p;
		p += u->ndown + u->ndepends;
		nd->norm = p;
		p += u->ndown + u->ndepends;
		if (resolve_refs(g, nd, u->down_revisions, u->ndown, 0,
				 nd->down, &nd->ndown, err) ||
		    resolve_refs(g, nd, u->depends_on, u->ndepends, 1,
				 nd->deps, &nd->ndeps, err))
			return MG_ECONFIG;
	}
	/* children: nextrev and _all_nextrev */
	for (i = 0; i < g->n; i++) {
		nd = &g->nodes[i];
		for (k = 0; k < nd->nall; k++) {
			x = nd->all[k];
			g->nodes[x].nallnext++;
			if (arr_has(nd->down, nd->ndown, x))
				g->nodes[x].nnext++;
		}
	}
	for (i = 0; i < g->n; i++) {
		nd = &g->nodes[i];
		nd->next = p;
		p += nd->nnext;
		nd->allnext = p;
		p += nd->nallnext;
		nd->nnext = nd->nallnext = 0;
	}
	for (i = 0; i < g->n; i++) {
		nd = &g->nodes[i];
		for (k = 0; k < nd->nall; k++) {
			x = nd->all[k];
			g->nodes[x].allnext[g->nodes[x].nallnext++] = i;
			if (arr_has(nd->down, nd->ndown, x))
				g->nodes[x].next[g->nodes[x].nnext++] = i;
		}
	}
	return MG_OK;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Find a cycle through `r` (DOWN_VER, or DOWN_ALL for depends_on too)
 * with an iterative three-colour depth-first search.  On one, report
 * Alembic's "Cycle is detected in revisions (a, b, c)" (its members,
 * sorted) and, on a second line, the cycle file by file.  Without one,
 * the post-order is a topological rank (g->topo): every revision ranks
 * above all it descends from.
 */
static int find_cycle(struct mg_graph *g, enum rel r, struct mg_error *err)
{
	/* 0: not seen, 1: on the stack, 2: done */
	unsigned char *colour = mg_calloc(g->n + 1, 1);
	size_t *pos = mg_calloc(g->n + 1, sizeof(size_t)); /* next edge */
	struct ivec stack = IVEC_INIT;
	struct mg_buf ids = MG_BUF_INIT, files = MG_BUF_INIT;
	const char **names = NULL;
	size_t s, i, m, x, k, from = NONE, rank = 0;
	const size_t *e;
	int rc = MG_OK;

	for (s = 0; s < g->n && from == NONE; s++) {
		if (colour[s])
			continue;
		colour[s] = 1;
		iv_push(&stack, s);
		while (stack.n && from == NONE) {
			x = stack.v[stack.n - 1];
			e = edges(g, x, r, &m);
			if (pos[x] == m) {
				colour[x] = 2;
				g->topo[x] = rank++;
				stack.n--;
				continue;
			}
			k = e[pos[x]++];
			if (colour[k] == 1)
				from = k;
			else if (!colour[k]) {
				colour[k] = 1;
				iv_push(&stack, k);
			}
		}
	}
	if (from != NONE) {
		for (i = stack.n; i-- > 0;)
			if (stack.v[i] == from)
				break;
		m = stack.n - i;
		names = mg_calloc(m, sizeof(*names));
		for (k = 0; k < m; k++) {
			names[k] = id_of(g, stack.v[i + k]);
			mg_buf_printf(&files, "%s -> ",
				      g->nodes[stack.v[i + k]].u->path);
		}
		mg_buf_puts(&files, g->nodes[from].u->path);
		qsort(names, m, sizeof(*names), cmp_id);
		for (k = 0; k < m; k++)
			mg_buf_printf(&ids, "%s%s", k ? ", " : "", names[k]);
		rc = err_unit(err, g->nodes[from].u, "%s is detected in "
			      "revisions (%s)\ncycle: %s",
			      r == DOWN_VER ? "Cycle" : "Dependency cycle",
			      mg_buf_str(&ids), mg_buf_str(&files));
	}
	free(colour);
	free(pos);
	free(names);
	iv_release(&stack);
	mg_buf_release(&ids);
	mg_buf_release(&files);
	return rc;
}

/*
 * _normalize_depends_on: a dependency that a (versioned) ancestor also
 * depends on is dropped; _normalized_down_revisions is then
 * down_revision + the dependencies left, without repeats.
 */
static void normalize(struct mg_graph *g)
{
	struct ivec order = IVEC_INIT, keep = IVEC_INIT;
	struct gctx c;
	word *seen = bs_new(g->n);
	size_t i, k, j, a, w, lim;
	struct node *nd;

	ctx_init(&c, g, NULL, C_PLAIN, NULL, NULL);
	for (i = 0; i < g->n; i++) {
		nd = &g->nodes[i];
		keep.n = 0;
		for (k = 0; k < nd->ndeps; k++)
			iv_push_unique(&keep, nd->deps[k]);
		if (keep.n) {
			/* only ancestors ranked above a dependency can
			 * depend on it */
			lim = SIZE_MAX;
			for (k = 0; k < keep.n; k++)
				if (g->topo[keep.v[k]] < lim)
					lim = g->topo[keep.v[k]];
			order.n = 0;
			walk_x(&c, &i, 1, DOWN_VER, 0, seen, &order, NULL,
			       lim);
			for (k = 0; k < order.n; k++) {
				a = order.v[k];
				bs_clr(seen, a);
				if (a == i)
					continue;
				for (j = w = 0; j < keep.n; j++)
					if (!arr_has(g->nodes[a].deps,
						     g->nodes[a].ndeps,
						     keep.v[j]))
						keep.v[w++] = keep.v[j];
				keep.n = w;
			}
		}
		nd->nnormdeps = keep.n;
		nd->nnorm = 0;
		for (k = 0; k < nd->ndown; k++)
			add_unique(nd->norm, &nd->nnorm, nd->down[k]);
		for (k = 0; k < keep.n; k++)
			add_unique(nd->norm, &nd->nnorm, keep.v[k]);
	}
	ctx_finish(&c, MG_OK);
	free(seen);
	iv_release(&order);
	iv_release(&keep);
}

/*
 * _add_branches: a unit's labels go to its descendants (by
 * down_revision), and down from the last one Alembic's walk reaches to
 * the ancestors, until a branch point or a merge point.
 */
static void spread_labels(struct mg_graph *g)
{
	struct ivec order = IVEC_INIT;
	struct gctx c;
	word *seen, *own = NULL, *row;
	size_t i, k, w, l, p;
	struct node *nd;

	g->labwords = nwords(g->nlabels);
	g->labbits = mg_calloc(g->n * g->labwords + 1, sizeof(word));
	for (l = 0; l < g->nlabels; l++)
		bs_set(g->labbits + g->labels[l].rev * g->labwords, l);
	if (!g->nlabels)
		return;
	ctx_init(&c, g, NULL, C_PLAIN, NULL, NULL);
	seen = bs_new(g->n);
	own = mg_calloc(g->labwords, sizeof(word));
	for (i = 0; i < g->n; i++) {
		if (!g->nodes[i].u->nlabels)
			continue;
		memcpy(own, g->labbits + i * g->labwords,
		       g->labwords * sizeof(word));
		order.n = 0;
		walk(&c, &i, 1, UP_VER, 0, seen, &order);
		for (k = 0; k < order.n; k++) {
			bs_clr(seen, order.v[k]);
			row = g->labbits + order.v[k] * g->labwords;
			for (w = 0; w < g->labwords; w++)
				row[w] |= own[w];
		}
		for (p = order.v[order.n - 1];;) {
			nd = &g->nodes[p];
			if (nd->nallnext > 1 || nd->ndown > 1)
				break;
			row = g->labbits + p * g->labwords;
			for (w = 0; w < g->labwords; w++)
				row[w] |= own[w];
			if (!nd->ndown)
				break;
			p = nd->down[0];
		}
	}
	ctx_finish(&c, MG_OK);
	free(seen);
	free(own);
	iv_release(&order);
}

int mg_graph_build(struct mg_graph **out, struct mg_unit_list *units,
		   struct mg_error *err)
{
	struct mg_graph *g = mg_calloc(1, sizeof(*g));
	size_t i;
	int rc = MG_OK;

	*out = NULL;
	/*
	 * Fault in, at once, about what the arrays below take: nodes, edge
	 * pool, id table, ranks (~230 bytes a unit; docs/internals.md).
	 */
	mg_heap_reserve(units->n * 240);
	g->n = units->n;
	g->nodes = mg_calloc(g->n + 1, sizeof(*g->nodes));
	for (i = 0; i < g->n; i++)
		g->nodes[i].u = units->v[i];
	mg_unit_list_release(units);

	for (i = 0; i < g->n && rc == MG_OK; i++)
		rc = check_id(g->nodes[i].u, err);
	if (rc == MG_OK)
		rc = index_ids(g, err);
	if (rc == MG_OK)
		rc = index_labels(g, err);
	if (rc == MG_OK)
		rc = link(g, err);
	g->topo = mg_calloc(g->n + 1, sizeof(*g->topo));
	if (rc == MG_OK)
		rc = find_cycle(g, DOWN_VER, err);
	if (rc == MG_OK)
		rc = find_cycle(g, DOWN_ALL, err);
	if (rc) {
		mg_graph_free(g);
		return rc;
	}
	for (i = 0; i < g->n; i++) {
		if (!g->nodes[i].nnext)
			iv_push(&g->heads, i);
		if (!g->nodes[i].nallnext)
			iv_push(&g->real_heads, i);
		if (!g->nodes[i].ndown)
			iv_push(&g->bases, i);
	}
	normalize(g);
	spread_labels(g);
	*out = g;
	return MG_OK;
}
