/*
 * check_graph.c - the revision graph against Alembic's own test suite.
 *
 * The graphs and expected orders are those of Alembic's
 * tests/test_version_traversal.py and tests/test_revision.py (their
 * docstrings draw them); each plan case asserts the exact steps, the
 * version-table change of each step and the version table after the
 * plan.  A step is written "+rev(...)" (upgrade), "-rev(...)"
 * (downgrade) or "S+(...)" / "S-(...)" (stamp), with the changes
 * "a>b" (UPDATE a to b), "-a" (DELETE a) and "+a" (INSERT a).
 */
#include "mg.h"
#include "suites.h"
#include "testutil.h"

/* A unit, in brief: down, deps and labels are space-separated lists. */
struct gdef {
	const char *rev;
	const char *down;
	const char *deps;
	const char *labels;
};

static char **words(const char *s, size_t *n)
{
	char **v = NULL;
	const char *p = s, *e;

	*n = 0;
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		for (e = p; *e && *e != ' '; e++)
			;
		v = mg_reallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = mg_strndup(p, (size_t)(e - p));
		p = e;
	}
	return v;
}

static struct mg_unit *mk_unit(const struct gdef *d)
{
	char *path = mg_asprintf("versions/%s.sql", d->rev);
	struct mg_unit *u = mg_unit_new(path);

	free(path);
	u->revision = mg_strdup(d->rev);
	u->down_revisions = words(d->down, &u->ndown);
	u->depends_on = words(d->deps, &u->ndepends);
	u->branch_labels = words(d->labels, &u->nlabels);
	return u;
}

static int try_graph(const struct gdef *defs, struct mg_graph **g,
		     struct mg_error *err)
{
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	int rc;

	for (; defs->rev; defs++)
		mg_unit_list_push(&l, mk_unit(defs));
	rc = mg_graph_build(g, &l, err);
	/* the graph owns the units, whatever happened */
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
	return rc;
}

static struct mg_graph *mk_graph(const struct gdef *defs)
{
	struct mg_error err = MG_ERROR_INIT;
	struct mg_graph *g = NULL;

	ck_assert_msg(try_graph(defs, &g, &err) == MG_OK, "%s: %s", err.file,
		      err.msg);
	ck_assert_ptr_nonnull(g);
	return g;
}

static void fmt_step(struct mg_buf *b, const struct mg_step *st)
{
	size_t i, pairs = st->ndel < st->nins ? st->ndel : st->nins;
	int first = 1;

	if (b->len)
		mg_buf_putc(b, ' ');
	if (st->unit)
		mg_buf_printf(b, "%c%s(", st->dir == MG_UP ? '+' : '-',
			      st->unit->revision);
	else
		mg_buf_printf(b, "S%c(", st->dir == MG_UP ? '+' : '-');
	for (i = 0; i < pairs; i++, first = 0)
		mg_buf_printf(b, "%s%s>%s", first ? "" : ",", st->del[i],
			      st->ins[i]);
	for (i = pairs; i < st->ndel; i++, first = 0)
		mg_buf_printf(b, "%s-%s", first ? "" : ",", st->del[i]);
	for (i = pairs; i < st->nins; i++, first = 0)
		mg_buf_printf(b, "%s+%s", first ? "" : ",", st->ins[i]);
	mg_buf_putc(b, ')');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Run the plan's version-table changes over `cur` (as the executor
 * would: every DELETE / UPDATE must hit a row, every INSERT must be
 * new) and return the rows after, sorted and space-separated.
 */
static char *apply_plan(const struct mg_plan *p, char **cur, size_t n)
{
	struct mg_buf b = MG_BUF_INIT;
	const char **rows = mg_calloc(n + 1, sizeof(*rows));
	size_t nrows = 0, i, k, j;

	for (i = 0; i < n; i++)
		rows[nrows++] = cur[i];
	for (i = 0; i < p->n; i++) {
		const struct mg_step *st = &p->v[i];

		for (k = 0; k < st->ndel; k++) {
			for (j = 0; j < nrows; j++)
				if (!strcmp(rows[j], st->del[k]))
					break;
			ck_assert_msg(j < nrows, "step %zu deletes '%s', not a "
				      "row", i, st->del[k]);
			rows[j] = rows[--nrows];
		}
		for (k = 0; k < st->nins; k++) {
			for (j = 0; j < nrows; j++)
				ck_assert_msg(strcmp(rows[j], st->ins[k]),
					      "step %zu inserts '%s' twice", i,
					      st->ins[k]);
			rows = mg_reallocarray(rows, nrows + 1, sizeof(*rows));
			rows[nrows++] = st->ins[k];
		}
	}
	qsort(rows, nrows, sizeof(*rows), cmp_str);
	for (i = 0; i < nrows; i++)
		mg_buf_printf(&b, "%s%s", i ? " " : "", rows[i]);
	free(rows);
	return b.len ? mg_buf_detach(&b) : mg_strdup("");
}

static char *list_str(const struct mg_rev_list *l)
{
	struct mg_buf b = MG_BUF_INIT;
	size_t i;

	for (i = 0; i < l->n; i++)
		mg_buf_printf(&b, "%s%s", i ? " " : "", l->v[i]->revision);
	return b.len ? mg_buf_detach(&b) : mg_strdup("");
}

/* ------------------------------------------------------------------ */
/* The graphs                                                           */

/* RevisionPathTest: a -> b -> c -> d -> e */
static const struct gdef g_linear[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c", "b", NULL, NULL }, { "d", "c", NULL, NULL },
	{ "e", "d", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

/* the same with Alembic's hex ids, for prefixes */
#define HA "e6239818bb3a"
#define HB "548bbb905360"
#define HC "b7ea43dc85e4"
#define HD "1bbe33445780"
#define HE "3975fb1a0125"
static const struct gdef g_hex[] = {
	{ HA, NULL, NULL, NULL }, { HB, HA, NULL, NULL },
	{ HC, HB, NULL, NULL }, { HD, HC, NULL, NULL },
	{ HE, HD, NULL, NULL }, { NULL, NULL, NULL, NULL }
};

/* BranchedPathTest: a -> b -> c1 -> d1, b -> c2 -> d2, labelled */
static const struct gdef g_branched[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c1", "b", NULL, "c1branch" }, { "d1", "c1", NULL, NULL },
	{ "c2", "b", NULL, "c2branch" }, { "d2", "c2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* BranchFromMergepointTest */
static const struct gdef g_bfm[] = {
	{ "a1", NULL, NULL, NULL }, { "b1", "a1", NULL, NULL },
	{ "c1", "b1", NULL, NULL }, { "a2", NULL, NULL, NULL },
	{ "b2", "a2", NULL, NULL }, { "c2", "b2", NULL, NULL },
	{ "d1", "c1 c2", NULL, NULL }, { "d2", "c2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* BranchFrom3WayMergepointTest */
static const struct gdef g_b3[] = {
	{ "a1", NULL, NULL, NULL }, { "b1", "a1", NULL, NULL },
	{ "c1", "b1", NULL, NULL }, { "a2", NULL, NULL, NULL },
	{ "b2", "a2", NULL, NULL }, { "c2", "b2", NULL, NULL },
	{ "a3", NULL, NULL, NULL }, { "b3", "a3", NULL, NULL },
	{ "c3", "b3", NULL, NULL }, { "d1", "c1 c2 c3", NULL, NULL },
	{ "d2", "c2", NULL, NULL }, { "d3", "c3", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* TwinMergeTest (#297): two merge points of the same three branches */
static const struct gdef g_twin[] = {
	{ "a", NULL, NULL, NULL }, { "b1", "a", NULL, NULL },
	{ "b2", "a", NULL, NULL }, { "b3", "a", NULL, NULL },
	{ "c1", "b1 b2 b3", NULL, NULL }, { "c2", "b1 b2 b3", NULL, NULL },
	{ "d1", "c1", NULL, NULL }, { "d2", "c2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* NotQuiteTwinMergeTest */
static const struct gdef g_ntwin[] = {
	{ "a", NULL, NULL, NULL }, { "b1", "a", NULL, NULL },
	{ "b2", "a", NULL, NULL }, { "b3", "a", NULL, NULL },
	{ "c1", "b1 b2", NULL, NULL }, { "c2", "b2 b3", NULL, NULL },
	{ "d1", "c1", NULL, NULL }, { "d2", "c2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* DependsOnBranchTestOne: c2 depends on c1 */
static const struct gdef g_dob1[] = {
	{ "a1", NULL, NULL, "lib1" }, { "b1", "a1", NULL, NULL },
	{ "c1", "b1", NULL, NULL }, { "a2", NULL, NULL, NULL },
	{ "b2", "a2", NULL, NULL }, { "c2", "b2", "c1", NULL },
	{ "d1", "c1", NULL, NULL }, { "e1", "d1", NULL, NULL },
	{ "f1", "e1", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

/* DependsOnBranchTestTwo ("kaboom"): three merges and a cross-dependent */
static const struct gdef g_dob2[] = {
	{ "a1", NULL, NULL, NULL }, { "a2", NULL, NULL, NULL },
	{ "a3", NULL, NULL, NULL }, { "amerge", "a1 a2 a3", NULL, NULL },
	{ "b1", NULL, NULL, NULL }, { "b2", NULL, NULL, NULL },
	{ "bmerge", "b1 b2", NULL, NULL }, { "c1", NULL, NULL, NULL },
	{ "c2", NULL, NULL, NULL }, { "c3", NULL, NULL, NULL },
	{ "cmerge", "c1 c2 c3", NULL, NULL },
	{ "d1", NULL, "a3 b2 c1", NULL }, { NULL, NULL, NULL, NULL }
};

/* DependsOnBranchTestThree (#377): criss-cross dependencies */
static const struct gdef g_dob3[] = {
	{ "a1", NULL, NULL, NULL }, { "a2", "a1", NULL, NULL },
	{ "b1", NULL, NULL, NULL }, { "b2", "b1", "a2", NULL },
	{ "b3", "b2", NULL, NULL }, { "a3", "a2", "b1", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* DependsOnOwnDownrevTest (#843) */
static const struct gdef g_own[] = {
	{ "a1", NULL, NULL, NULL }, { "a2", "a1", "a1", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* DependsOnBranchTestFour (#789) */
static const struct gdef g_dob4[] = {
	{ "a1", NULL, NULL, NULL }, { "a2", "a1", NULL, NULL },
	{ "a3", "a2", NULL, NULL }, { "b1", NULL, NULL, NULL },
	{ "b2", "b1", "a3", NULL }, { "b3", "b2", NULL, NULL },
	{ "b4", "b3", "a3", NULL }, { NULL, NULL, NULL, NULL }
};

/* DependsOnBranchLabelTest: depends_on names a branch label */
static const struct gdef g_doblabel[] = {
	{ "a1", NULL, NULL, "lib1" }, { "b1", "a1", NULL, NULL },
	{ "c1", "b1", NULL, "c1lib" }, { "a2", NULL, NULL, NULL },
	{ "b2", "a2", NULL, NULL }, { "c2", "b2", "c1lib", NULL },
	{ "d1", "c1", NULL, NULL }, { "e1", "d1", NULL, NULL },
	{ "f1", "e1", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

/* ForestTest: two roots */
static const struct gdef g_forest[] = {
	{ "a1", NULL, NULL, NULL }, { "b1", "a1", NULL, NULL },
	{ "a2", NULL, NULL, NULL }, { "b2", "a2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* MergedPathTest: a -> b -> c1 -> d1, b -> c2 -> d2, e merges, f */
static const struct gdef g_merged[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c1", "b", NULL, NULL }, { "d1", "c1", NULL, NULL },
	{ "c2", "b", NULL, "c2branch" }, { "d2", "c2", NULL, NULL },
	{ "e", "d1 d2", NULL, NULL }, { "f", "e", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* BranchedPathTestCrossDependencies: d2 depends on c1 */
static const struct gdef g_cross[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c1", "b", NULL, "c1branch" }, { "d1", "c1", NULL, NULL },
	{ "c2", "b", NULL, "c2branch" }, { "d2", "c2", "c1", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* MultipleBaseCrossDependencyTestOne */
static const struct gdef g_mbc1[] = {
	{ "base1", NULL, NULL, "b_1" }, { "a1a", "base1", NULL, NULL },
	{ "a1b", "base1", NULL, NULL }, { "b1a", "a1a", NULL, NULL },
	{ "b1b", "a1b", "a3", NULL }, { "base2", NULL, NULL, "b_2" },
	{ "a2", "base2", NULL, NULL }, { "b2", "a2", NULL, NULL },
	{ "c2", "b2", "a3", NULL }, { "d2", "c2", NULL, NULL },
	{ "base3", NULL, NULL, "b_3" }, { "a3", "base3", NULL, NULL },
	{ "b3", "a3", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

/* MultipleBaseCrossDependencyTestTwo: base2 depends on a label */
static const struct gdef g_mbc2[] = {
	{ "base1", NULL, NULL, "b_1" }, { "a1", "base1", NULL, NULL },
	{ "b1", "a1", NULL, NULL }, { "c1", "b1", NULL, NULL },
	{ "base2", NULL, "b_1", "b_2" }, { "a2", "base2", NULL, NULL },
	{ "b2", "a2", NULL, NULL }, { "c2", "b2", NULL, NULL },
	{ "d2", "c2", NULL, NULL }, { "base3", NULL, NULL, "b_3" },
	{ "a3", "base3", NULL, NULL }, { "b3", "a3", NULL, NULL },
	{ "c3", "b3", "b2", NULL }, { "d3", "c3", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* MultipleBaseCrossDependencyTestThree */
static const struct gdef g_mbc3[] = {
	{ "base1", NULL, NULL, NULL }, { "a1", "base1", NULL, NULL },
	{ "b1", "a1", NULL, NULL }, { "c2", NULL, "a1", NULL },
	{ "c3", "c2", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

/* NormalizedDownRevTest */
static const struct gdef g_norm[] = {
	{ "a1", NULL, NULL, NULL }, { "a2", "a1", NULL, NULL },
	{ "a3", "a2", NULL, NULL }, { "b1", NULL, NULL, NULL },
	{ "b2", "b1", "a3", NULL }, { "b3", "b2", NULL, NULL },
	{ "b4", "b3", "a3", NULL }, { "b5", "b4", "b4", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* DiamondTest */
static const struct gdef g_diamond[] = {
	{ "a", NULL, NULL, NULL }, { "b1", "a", NULL, NULL },
	{ "b2", "a", NULL, NULL }, { "c", "b1 b2", NULL, NULL },
	{ "d", "c", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

static const struct gdef g_empty[] = { { NULL, NULL, NULL, NULL } };

/* LabeledBranchTest: two labelled trees */
static const struct gdef g_labeled[] = {
	{ "a", NULL, NULL, "abranch" }, { "b", "a", NULL, NULL },
	{ "somelongername", "b", NULL, NULL },
	{ "c", "somelongername", NULL, NULL }, { "d", NULL, NULL, NULL },
	{ "e", "d", NULL, "ebranch" }, { "someothername", "e", NULL, NULL },
	{ "f", "someothername", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

/* LongShortBranchTest */
static const struct gdef g_longshort[] = {
	{ "a", NULL, NULL, NULL }, { "b1", "a", NULL, NULL },
	{ "b2", "a", NULL, NULL }, { "c1", "b1", NULL, NULL },
	{ "d11", "c1", NULL, NULL }, { "d12", "c1", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* MultipleBranchTest */
static const struct gdef g_multi[] = {
	{ "a", NULL, NULL, NULL }, { "b1", "a", NULL, NULL },
	{ "b2", "a", NULL, NULL }, { "cb1", "b1", NULL, NULL },
	{ "cb2", "b2", NULL, NULL }, { "d1cb1", "cb1", NULL, NULL },
	{ "d2cb1", "cb1", NULL, NULL }, { "d1cb2", "cb2", NULL, NULL },
	{ "d2cb2", "cb2", NULL, NULL }, { "d3cb2", "cb2", NULL, NULL },
	{ "d1d2cb2", "d1cb2 d2cb2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* BranchTravellingTest */
static const struct gdef g_travel[] = {
	{ "a1", NULL, NULL, NULL }, { "a2", "a1", NULL, NULL },
	{ "a3", "a2", NULL, NULL }, { "b1", "a3", NULL, NULL },
	{ "b2", "a3", NULL, NULL }, { "cb1", "b1", NULL, NULL },
	{ "cb2", "b2", NULL, NULL }, { "db1", "cb1", NULL, NULL },
	{ "db2", "cb2", NULL, NULL }, { "e1b1", "db1", NULL, NULL },
	{ "fe1b1", "e1b1", NULL, NULL }, { "e2b1", "db1", NULL, NULL },
	{ "e2b2", "db2", NULL, NULL }, { "merge", "e2b1 e2b2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* MultipleBaseTest */
static const struct gdef g_mbase[] = {
	{ "base1", NULL, NULL, NULL }, { "base2", NULL, NULL, NULL },
	{ "base3", NULL, NULL, NULL }, { "a1a", "base1", NULL, NULL },
	{ "a1b", "base1", NULL, NULL }, { "a2", "base2", NULL, NULL },
	{ "a3", "base3", NULL, NULL }, { "b1a", "a1a", NULL, NULL },
	{ "b1b", "a1b", NULL, NULL }, { "b2", "a2", NULL, NULL },
	{ "b3", "a3", NULL, NULL }, { "c2", "b2", NULL, NULL },
	{ "d2", "c2", NULL, NULL }, { "mergeb3d2", "b3 d2", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

/* GraphWithLoopTest: overlapping names are no loop */
static const struct gdef g_dupehead[] = {
	{ "user_foo", NULL, NULL, NULL }, { "user", "user_foo", "user_foo",
					    NULL },
	{ NULL, NULL, NULL, NULL }
};

static const struct gdef g_userdep[] = {
	{ "user_foo", NULL, NULL, NULL }, { "user", NULL, "user_foo", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* ------------------------------------------------------------------ */
/* Plans: upgrade, downgrade, stamp                                     */

struct pcase {
	const struct gdef *graph;
	char op;             /* 'u'pgrade 'd'owngrade 's'tamp 'p'urge stamp */
	const char *current; /* the version table, space-separated */
	const char *target;
	const char *steps;   /* expected steps; NULL: an error */
	const char *after;   /* the version table after, or the error */
	int code;
};

#define UP(g, cur, t, steps, after) { g, 'u', cur, t, steps, after, 0 }
#define DOWN(g, cur, t, steps, after) { g, 'd', cur, t, steps, after, 0 }
#define STAMP(g, cur, t, steps, after) { g, 's', cur, t, steps, after, 0 }
#define UPERR(g, cur, t, code, msg) { g, 'u', cur, t, NULL, msg, code }
#define DOWNERR(g, cur, t, code, msg) { g, 'd', cur, t, NULL, msg, code }

#define NOT_VALID_DOWN(t) \
	"Destination " t " is not a valid downgrade target from current head(s)"

static const struct pcase plan_cases[] = {
	/* RevisionPathTest */
	DOWN(g_linear, "", "base", "", ""),
	DOWN(g_linear, "a", "a", "", "a"),
	DOWN(g_linear, "e", "e", "", "e"),
	UP(g_linear, "c", "e", "+d(c>d) +e(d>e)", "e"),
	UP(g_linear, "", "c", "+a(+a) +b(a>b) +c(b>c)", "c"),
	UP(g_linear, "a", "+2", "+b(a>b) +c(b>c)", "c"),
	UP(g_linear, "a", "+1", "+b(a>b)", "b"),
	UP(g_linear, "b", "+3", "+c(b>c) +d(c>d) +e(d>e)", "e"),
	UP(g_linear, "a", "b+2", "+b(a>b) +c(b>c) +d(c>d)", "d"),
	UP(g_linear, "a", "d-2", "+b(a>b)", "b"),
	UPERR(g_linear, "b", "-2", MG_EUSAGE,
	      "Relative revision -2 didn't produce 2 migrations"),
	UPERR(g_linear, "b", "+5", MG_EUSAGE,
	      "Relative revision +5 didn't produce 5 migrations"),
	DOWN(g_linear, "e", "c", "-e(e>d) -d(d>c)", "c"),
	DOWN(g_linear, "c", "base", "-c(c>b) -b(b>a) -a(-a)", ""),
	DOWN(g_linear, "c", "-1", "-c(c>b)", "b"),
	DOWN(g_linear, "e", "-3", "-e(e>d) -d(d>c) -c(c>b)", "b"),
	DOWN(g_linear, "d", "a+2", "-d(d>c)", "c"),
	DOWN(g_linear, "d", "c-2", "-d(d>c) -c(c>b) -b(b>a)", "a"),
	DOWNERR(g_linear, "b", "-5", MG_EUSAGE,
		"Relative revision -5 didn't produce 5 migrations"),
	DOWNERR(g_linear, "b", "+2", MG_EUSAGE,
		"Relative revision +2 didn't produce 2 migrations"),
	STAMP(g_linear, "d", "base", "S-(-d)", ""),
	/* idempotence, and upgrading to a revision below current */
	UP(g_linear, "e", "head", "", "e"),
	UP(g_linear, "e", "heads", "", "e"),
	UP(g_linear, "d", "b", "", "d"),
	UP(g_linear, "", "head", "+a(+a) +b(a>b) +c(b>c) +d(c>d) +e(d>e)",
	   "e"),
	UP(g_linear, "", NULL, "+a(+a) +b(a>b) +c(b>c) +d(c>d) +e(d>e)", "e"),
	UP(g_linear, "", "head-1", "+a(+a) +b(a>b) +c(b>c) +d(c>d)", "d"),
	UP(g_linear, "b", "head", "+c(b>c) +d(c>d) +e(d>e)", "e"),
	DOWN(g_linear, "e", "head-2", "-e(e>d) -d(d>c)", "c"),
	DOWN(g_linear, "e", NULL, "-e(e>d) -d(d>c) -c(c>b) -b(b>a) -a(-a)",
	     ""),
	UP(g_linear, "", "a-1", "", ""),
	UPERR(g_linear, "", "e+1", MG_EUSAGE,
	      "Relative revision +1 didn't produce 1 migrations"),
	UPERR(g_linear, "", "-1", MG_EUSAGE,
	      "Relative revision -1 didn't produce 1 migrations"),
	DOWNERR(g_linear, "b", "d", MG_ECONFIG, NOT_VALID_DOWN("d")),
	DOWNERR(g_linear, "", "-1", MG_EUSAGE,
		"Relative revision -1 didn't produce 1 migrations"),
	UPERR(g_linear, "zz", "head", MG_ECONFIG,
	      "Can't locate revision identified by 'zz'"),
	DOWNERR(g_linear, "e zz", "base", MG_ECONFIG,
		"Can't locate revision identified by 'zz'"),
	UPERR(g_linear, "", "nope", MG_ECONFIG,
	      "Can't locate revision identified by 'nope'"),
	UPERR(g_linear, "a c", "e", MG_ECONFIG,
	      "Requested revision c overlaps with other requested "
	      "revisions a"),

	/* prefixes, with Alembic's hex ids */
	DOWNERR(g_hex, "", "548b", MG_ECONFIG, NOT_VALID_DOWN("548b")),
	DOWNERR(g_hex, HB, "b7ea", MG_ECONFIG, NOT_VALID_DOWN("b7ea")),
	DOWNERR(g_hex, "", "548", MG_ECONFIG,
		"Can't locate revision identified by '548'"),
	UP(g_hex, HA, "548b+2",
	   "+" HB "(" HA ">" HB ") +" HC "(" HB ">" HC ") +" HD "(" HC ">"
	   HD ")", HD),
	UP(g_hex, HA, "b7ea", "+" HB "(" HA ">" HB ") +" HC "(" HB ">" HC ")",
	   HC),
	DOWN(g_hex, HE, "1bbe", "-" HE "(" HE ">" HD ")", HD),

	/* BranchedPathTest */
	STAMP(g_branched, "d1 c2", "b", "S-(c2>b,-d1)", "b"),
	STAMP(g_branched, "d1 c2", "c1branch@base", "S-(-d1)", "c2"),
	STAMP(g_branched, "d1 c2", "c2branch@head", "S+(c2>d2)", "d1 d2"),
	UP(g_branched, "b", "d1", "+c1(b>c1) +d1(c1>d1)", "d1"),
	UP(g_branched, "a", "heads",
	   "+b(a>b) +c2(b>c2) +d2(c2>d2) +c1(+c1) +d1(c1>d1)", "d1 d2"),
	UP(g_branched, "", "heads",
	   "+a(+a) +b(a>b) +c2(b>c2) +d2(c2>d2) +c1(+c1) +d1(c1>d1)",
	   "d1 d2"),
	UP(g_branched, "", NULL,
	   "+a(+a) +b(a>b) +c2(b>c2) +d2(c2>d2) +c1(+c1) +d1(c1>d1)",
	   "d1 d2"),
	DOWN(g_branched, "d1 d2", "a",
	     "-d1(d1>c1) -c1(-c1) -d2(d2>c2) -c2(c2>b) -b(b>a)", "a"),
	UP(g_branched, "b", "c2branch@head-1", "+c2(b>c2)", "c2"),
	DOWN(g_branched, "d2 d1", "base+2",
	     "-d1(d1>c1) -c1(-c1) -d2(d2>c2) -c2(c2>b)", "b"),
	DOWN(g_branched, "d2 d1", "c2branch@base+2", "-d2(d2>c2) -c2(-c2)",
	     "d1"),
	DOWN(g_branched, "d2 d1", "c2", "-d2(d2>c2)", "c2 d1"),
	DOWN(g_branched, "d2 d1", "c2branch@base+3", "-d2(d2>c2)", "c2 d1"),
	/* "-1" from several heads starts at the first row */
	DOWN(g_branched, "d2 d1", "-1", "-d2(d2>c2)", "c2 d1"),
	DOWN(g_branched, "c2 d1", "-1", "-c2(-c2)", "d1"),
	DOWN(g_branched, "d1 d2", "-1", "-d1(d1>c1)", "c1 d2"),
	DOWN(g_branched, "c1 d2", "-1", "-c1(-c1)", "d2"),
	DOWN(g_branched, "d1 d2", "c1branch@-1", "-d1(d1>c1)", "c1 d2"),
	DOWN(g_branched, "d2 c1", "d2-1", "-d2(d2>c2)", "c1 c2"),
	DOWN(g_branched, "c1 d2", "d2-1", "-d2(d2>c2)", "c1 c2"),
	DOWN(g_branched, "c1 d2", "c1branch@b", "-c1(-c1)", "d2"),
	DOWN(g_branched, "c1 d2", "c2branch@b", "-d2(d2>c2) -c2(-c2)", "c1"),
	DOWN(g_branched, "d1 d2", "c2@b", "-d2(d2>c2) -c2(-c2)", "d1"),
	DOWN(g_branched, "d1 d2", "d1@b", "-d1(d1>c1) -c1(-c1)", "d2"),
	DOWN(g_branched, "d1 d2", "c1branch@head-1", "-d1(d1>c1)", "c1 d2"),
	UP(g_branched, "c1", "c2branch@+1", "+c2(+c2)", "c1 c2"),
	UP(g_branched, "c1 c2", "c2branch@+1", "+d2(c2>d2)", "c1 d2"),
	UPERR(g_branched, "c1 c2", "+1", MG_ECONFIG,
	      "Ambiguous upgrade from multiple current revisions"),
	UP(g_branched, "", "base+1", "+a(+a)", "a"),
	UP(g_branched, "", "+1", "+a(+a)", "a"),
	DOWN(g_branched, "a", "-1", "-a(-a)", ""),
	DOWNERR(g_branched, "", "-1", MG_EUSAGE,
		"Relative revision -1 didn't produce 1 migrations"),
	DOWN(g_branched, "d1 c2", "c2", "", "c2 d1"),
	DOWN(g_branched, "d1 c2", "d1", "", "c2 d1"),
	/* a single root: Alembic does not narrow "label@base" */
	DOWN(g_branched, "d1 d2", "c1branch@base",
	     "-d1(d1>c1) -c1(-c1) -d2(d2>c2) -c2(c2>b) -b(b>a) -a(-a)", ""),
	UPERR(g_branched, "b", "head", MG_ECONFIG,
	      "Multiple head revisions are present for given argument 'head'; "
	      "please specify a specific target revision, '<branchname>@head' "
	      "to narrow to a specific head, or 'heads' for all heads\n"
	      "heads: d1, d2"),
	UP(g_branched, "b", "c1branch@head", "+c1(b>c1) +d1(c1>d1)", "d1"),
	UPERR(g_branched, "", "x@head", MG_ECONFIG,
	      "Can't locate revision identified by 'x'"),
	STAMP(g_branched, "", "heads", "S+(+d1) S+(+d2)", "d1 d2"),
	STAMP(g_branched, "c1", "heads", "S+(c1>d1) S+(+d2)", "d1 d2"),
	STAMP(g_branched, "d1 d2", "heads", "", "d1 d2"),
	STAMP(g_branched, "d1 d2", "base", "S-(-d1) S-(-d2)", ""),
	STAMP(g_branched, "d1", "c2", "S+(+c2)", "c2 d1"),
	{ g_branched, 's', "b", "head", NULL,
	  "Multiple heads are present; please specify a single target "
	  "revision\nheads: d1, d2", MG_ECONFIG },
	{ g_branched, 'p', "d1 nope", "c2", "S+(+c2)", "c2", 0 },

	/* BranchFromMergepointTest */
	UP(g_bfm, "d2 b1", "d1", "+c1(b1>c1) +d1(c1>d1)", "d1 d2"),
	DOWN(g_bfm, "d2 d1", "b1", "-d1(d1>c1) -c1(c1>b1)", "b1 d2"),

	/* BranchFrom3WayMergepointTest */
	UP(g_b3, "d3 d2 b1", "d1", "+c1(b1>c1) +d1(c1>d1)", "d1 d2 d3"),
	DOWN(g_b3, "d3 d2 d1", "b1", "-d1(d1>c1) -c1(c1>b1)", "b1 d2 d3"),
	UP(g_b3, "d3 b2 b1", "d1", "+c2(b2>c2) +c1(b1>c1) +d1(c2>d1,-c1)",
	   "d1 d3"),
	UP(g_b3, "d3 d1", "d2", "+d2(+d2)", "d1 d2 d3"),

	/* TwinMergeTest, NotQuiteTwinMergeTest */
	UP(g_twin, "a", "heads",
	   "+b3(a>b3) +b2(+b2) +b1(+b1) +c2(b3>c2,-b1,-b2) +d2(c2>d2) "
	   "+c1(+c1) +d1(c1>d1)", "d1 d2"),
	DOWN(g_twin, "d1 d2", "a",
	     "-d1(d1>c1) -c1(-c1) -d2(d2>c2) -c2(c2>b3,+b1,+b2) -b1(-b1) "
	     "-b2(-b2) -b3(b3>a)", "a"),
	/* the docstring's order: b2, b3, c2, d2, b1, c1, d1 */
	UP(g_ntwin, "a", "heads",
	   "+b2(a>b2) +b3(+b3) +c2(b3>c2,-b2) +d2(c2>d2) +b1(+b1) "
	   "+c1(b1>c1) +d1(c1>d1)", "d1 d2"),

	/* DependsOnBranchTestOne */
	DOWN(g_dob1, "c2 d1", "c1", "-d1(-d1)", "c2"),
	STAMP(g_dob1, "e1 c2", "b1", "S-(c2>b1,-e1)", "b1"),

	/* DependsOnBranchTestTwo */
	DOWN(g_dob2, "amerge bmerge cmerge d1", "b2", "-bmerge(bmerge>b1)",
	     "amerge b1 cmerge d1"),
	DOWN(g_dob2, "amerge d1 b1 cmerge", "d1@base", "-d1(d1>b2)",
	     "amerge b1 b2 cmerge"),
	DOWN(g_dob2, "amerge b1 b2 cmerge", "base",
	     "-amerge(amerge>a3,+a1,+a2) -a1(-a1) -b1(-b1) -b2(-b2) "
	     "-cmerge(cmerge>c3,+c1,+c2) -c1(-c1) -a2(-a2) -a3(-a3) "
	     "-c2(-c2) -c3(-c3)", ""),

	/* DependsOnBranchTestThree, DependsOnOwnDownrevTest, ...Four */
	DOWN(g_dob3, "a3 b2", "b1", "-b2(-b2)", "a3"),
	UP(g_own, "", "a2", "+a1(+a1) +a2(a1>a2)", "a2"),
	DOWN(g_own, "a2", "a1", "-a2(a2>a1)", "a1"),
	DOWN(g_dob4, "b4", "b3", "-b4(b4>b3)", "b3"),

	/* DependsOnBranchLabelTest */
	UP(g_doblabel, "a2", "c2",
	   "+a1(+a1) +b1(a1>b1) +c1(b1>c1) +b2(a2>b2) +c2(c1>c2,-b2)", "c2"),

	/* ForestTest */
	UP(g_forest, "", "heads", "+a2(+a2) +b2(a2>b2) +a1(+a1) +b1(a1>b1)",
	   "b1 b2"),
	STAMP(g_forest, "", "heads", "S+(+b1) S+(+b2)", "b1 b2"),
	STAMP(g_forest, "b1 b2", "heads", "", "b1 b2"),

	/* MergedPathTest */
	STAMP(g_merged, "e", "c2", "S-(e>c2)", "c2"),
	STAMP(g_merged, "e", "a", "S-(e>a)", "a"),
	STAMP(g_merged, "c2", "e", "S+(c2>e)", "e"),
	STAMP(g_merged, "d1 c2", "c2branch@head", "S+(c2>f,-d1)", "f"),
	STAMP(g_merged, "d1 c2", "e", "S+(c2>e,-d1)", "e"),
	STAMP(g_merged, "b", "e", "S+(b>e)", "e"),
	UP(g_merged, "b", "f",
	   "+c2(b>c2) +d2(c2>d2) +c1(+c1) +d1(c1>d1) +e(d2>e,-d1) +f(e>f)",
	   "f"),
	DOWN(g_merged, "f", "b",
	     "-f(f>e) -e(e>d2,+d1) -d1(d1>c1) -c1(-c1) -d2(d2>c2) -c2(c2>b)",
	     "b"),

	/* BranchedPathTestCrossDependencies */
	DOWN(g_cross, "d1 d2", "c2branch@b", "-d2(d2>c2) -c2(-c2)", "d1"),
	DOWN(g_cross, "d1 d2", "c1branch@b", "-d1(-d1) -d2(d2>c1,+c2) -c1(-c1)",
	     "c2"),

	/* MultipleBaseCrossDependencyTestOne, downgrades */
	DOWN(g_mbc1, "b1a b1b d2 b3", "b_2@base",
	     "-d2(d2>c2) -c2(c2>b2) -b2(b2>a2) -a2(a2>base2) -base2(-base2)",
	     "b1a b1b b3"),
	DOWN(g_mbc1, "b1a b1b d2 b3", "b_3@base",
	     "-b1b(b1b>a1b) -d2(d2>c2) -c2(c2>b2) -b3(b3>a3) -a3(a3>base3) "
	     "-base3(-base3)", "a1b b1a b2"),

	/* NormalizedDownRevTest */
	/* b2 is down b1 plus depends_on a3: a merge for the table */
	DOWN(g_norm, "b4", "b1@base", "-b4(b4>b3) -b3(b3>b2) -b2(b2>a3,+b1) "
	     "-b1(-b1)", "a3"),
	DOWN(g_norm, "b5", "base", "-b5(b5>b4) -b4(b4>b3) -b3(b3>b2) "
	     "-b2(b2>a3,+b1) -b1(-b1) -a3(a3>a2) -a2(a2>a1) -a1(-a1)", ""),
	DOWN(g_norm, "b5", "a2", "-b5(b5>b4) -b4(b4>b3) -b3(b3>b2) "
	     "-b2(b2>a3,+b1) -a3(a3>a2)", "a2 b1"),
	UP(g_norm, "", "b5", "+a1(+a1) +a2(a1>a2) +a3(a2>a3) +b1(+b1) "
	   "+b2(a3>b2,-b1) +b3(b2>b3) +b4(b3>b4) +b5(b4>b5)", "b5"),
};

START_TEST(plans)
{
	const struct pcase *c = &plan_cases[_i];
	struct mg_graph *g = mk_graph(c->graph);
	struct mg_plan plan = MG_PLAN_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_buf b = MG_BUF_INIT;
	size_t ncur, i;
	char **cur = words(c->current, &ncur);
	char *after;
	int rc;

	if (c->op == 'u' || c->op == 'd')
		rc = mg_graph_plan(g, (const char *const *)cur, ncur,
				   c->target, c->op == 'u' ? MG_UP : MG_DOWN,
				   &plan, &err);
	else
		rc = mg_graph_stamp(g, (const char *const *)cur, ncur,
				    c->target, c->op == 'p', &plan, &err);
	if (!c->steps) {
		ck_assert_msg(rc == c->code, "%c %s -> %s: rc %d, %s", c->op,
			      c->current, c->target, rc, err.msg);
		ck_assert_str_eq(err.msg, c->after);
		ck_assert_str_eq(err.file, "");
		ck_assert_uint_eq(plan.n, 0);
		goto out;
	}
	ck_assert_msg(rc == MG_OK, "%c %s -> %s: %s", c->op, c->current,
		      c->target, err.msg);
	for (i = 0; i < plan.n; i++)
		fmt_step(&b, &plan.v[i]);
	ck_assert_msg(!strcmp(mg_buf_str(&b), c->steps),
		      "%c %s -> %s:\n got  '%s'\n want '%s'", c->op,
		      c->current, c->target, mg_buf_str(&b), c->steps);
	after = apply_plan(&plan, c->op == 'p' ? NULL : cur,
			   c->op == 'p' ? 0 : ncur);
	ck_assert_msg(!strcmp(after, c->after), "%c %s -> %s: table '%s', "
		      "want '%s'", c->op, c->current, c->target, after,
		      c->after);
	free(after);
out:
	mg_buf_release(&b);
	mg_plan_release(&plan);
	mg_strv_free(cur, ncur);
	mg_graph_free(g);
}
END_TEST

/* Strings in a plan are the units' own: the graph must outlive it. */
START_TEST(plan_strings_are_graph_owned)
{
	struct mg_graph *g = mk_graph(g_branched);
	struct mg_plan plan = MG_PLAN_INIT;
	struct mg_error err = MG_ERROR_INIT;
	const char *cur[] = { "b" };

	ck_assert_int_eq(mg_graph_plan(g, cur, 1, "d1", MG_UP, &plan, &err),
			 MG_OK);
	ck_assert_uint_eq(plan.n, 2);
	ck_assert_ptr_eq(plan.v[0].unit, mg_graph_find(g, "c1"));
	ck_assert_ptr_eq(plan.v[0].del[0], mg_graph_find(g, "b")->revision);
	ck_assert_ptr_eq(plan.v[0].ins[0], mg_graph_find(g, "c1")->revision);
	ck_assert_int_eq(plan.v[1].dir, MG_UP);
	mg_plan_release(&plan);
	ck_assert_ptr_null(plan.v);
	mg_graph_free(g);
}
END_TEST

/* ------------------------------------------------------------------ */
/* History: Alembic's iterate_revisions(upper, lower, inclusive=True)   */

struct hcase {
	const struct gdef *graph;
	const char *range;
	const char *current;
	const char *want; /* or the error */
	int code;
};

#define RANGE_ERR(a, b) \
	"Requested range " a ":" b " does not refer to ancestor/descendant " \
	"revisions along the same branch"

static const struct hcase history_cases[] = {
	{ g_linear, NULL, "", "e d c b a", 0 },
	{ g_linear, "", "", "e d c b a", 0 },
	{ g_linear, ":", "", "e d c b a", 0 },
	{ g_linear, " base:heads ", "", "e d c b a", 0 },
	{ g_linear, "b:d", "", "d c b", 0 },
	{ g_linear, "c:", "", "e d c", 0 },
	{ g_linear, ":b", "", "b a", 0 },
	{ g_linear, "-3:", "", "e d c b", 0 },
	{ g_linear, "current:", "c", "e d c", 0 },
	{ g_linear, ":current", "c", "c b a", 0 },
	{ g_linear, "base:current", "", "e d c b a", 0 },
	{ g_linear, "d:b", "", RANGE_ERR("d", "b"), MG_ECONFIG },
	{ g_linear, "b", "", "History range requires [start]:[end], "
	  "[start]:, or :[end]", MG_EUSAGE },
	{ g_linear, "a:b:c", "", "History range requires [start]:[end], "
	  "[start]:, or :[end]", MG_EUSAGE },
	{ g_linear, "nope:", "", "Can't locate revision identified by 'nope'",
	  MG_ECONFIG },
	{ g_branched, NULL, "", "d1 c1 d2 c2 b a", 0 },
	{ g_branched, "b:head", "", "Multiple head revisions are present for "
	  "given argument 'head'; please specify a specific target revision, "
	  "'<branchname>@head' to narrow to a specific head, or 'heads' for "
	  "all heads\nheads: d1, d2", MG_ECONFIG },
	/* a named base keeps the heads of that branch, and all below */
	{ g_branched, "c1branch@base:", "", "d1 c1 b a", 0 },
	{ g_branched, ":c2branch@head", "", "d2 c2 b a", 0 },
	{ g_empty, "base:head", "", "", 0 },
	{ g_empty, NULL, "", "", 0 },
	/* DiamondTest */
	{ g_diamond, "a:d", "", "d c b1 b2 a", 0 },
	/* LabeledBranchTest */
	{ g_labeled, "ebranch@base:heads", "", "f someothername e d", 0 },
	{ g_labeled, "abranch@base:heads", "", "c somelongername b a", 0 },
	{ g_labeled, "base:ebranch@head", "", "f someothername e d", 0 },
	{ g_labeled, "base:abranch@head", "", "c somelongername b a", 0 },
	{ g_labeled, "ebranch@head:heads", "", "f", 0 },
	{ g_labeled, "ebranch@d:heads", "", "f someothername e d", 0 },
	{ g_labeled, "e@base:heads", "", "f someothername e d", 0 },
	{ g_labeled, "c@base:heads", "", "c somelongername b a", 0 },
	{ g_labeled, "ebranch@-2:heads", "", "f someothername e", 0 },
	{ g_labeled, "base:ebranch@+2", "", "e d", 0 },
	/* LongShortBranchTest */
	{ g_longshort, "base:heads", "", "b2 d11 d12 c1 b1 a", 0 },
	/* MultipleBranchTest */
	{ g_multi, "a:d1d2cb2", "", "d1d2cb2 d1cb2 d2cb2 cb2 b2 a", 0 },
	{ g_multi, "a:d3cb2", "", "d3cb2 cb2 b2 a", 0 },
	{ g_multi, "base:d3cb2", "", "d3cb2 cb2 b2 a", 0 },
	{ g_multi, "d1cb1:b1", "", RANGE_ERR("d1cb1", "b1"), MG_ECONFIG },
	{ g_multi, "b1:d2cb2", "", RANGE_ERR("b1", "d2cb2"), MG_ECONFIG },
	/* BranchTravellingTest */
	{ g_travel, "a1:merge", "", "merge e2b1 db1 cb1 b1 e2b2 db2 cb2 b2 "
	  "a3 a2 a1", 0 },
	{ g_travel, "b1:merge", "", "merge e2b1 db1 cb1 b1", 0 },
	{ g_travel, "a2:merge", "", "merge e2b1 db1 cb1 b1 e2b2 db2 cb2 b2 "
	  "a3 a2", 0 },
	{ g_travel, "a3:heads", "", "fe1b1 e1b1 merge e2b1 db1 cb1 b1 e2b2 "
	  "db2 cb2 b2 a3", 0 },
	{ g_travel, "a1:heads", "", "fe1b1 e1b1 merge e2b1 db1 cb1 b1 e2b2 "
	  "db2 cb2 b2 a3 a2 a1", 0 },
	{ g_travel, "base:fe1b1", "", "fe1b1 e1b1 db1 cb1 b1 a3 a2 a1", 0 },
	/* MultipleBaseTest */
	{ g_mbase, "base:heads", "", "b1a a1a b1b a1b base1 mergeb3d2 b3 a3 "
	  "base3 d2 c2 b2 a2 base2", 0 },
	{ g_mbase, "base3:b3", "", "b3 a3 base3", 0 },
	{ g_mbase, "c2:heads", "", "mergeb3d2 d2 c2", 0 },
	/* MultipleBaseCrossDependencyTestOne */
	{ g_mbc1, "base:heads", "", "b1a a1a b1b a1b base1 d2 c2 b2 a2 base2 "
	  "b3 a3 base3", 0 },
	{ g_mbc1, "d2:b2", "", RANGE_ERR("d2", "b2"), MG_ECONFIG },
	{ g_mbc1, "d2:b3", "", RANGE_ERR("d2", "b3"), MG_ECONFIG },
	{ g_mbc1, "base:b_2@head", "", "d2 c2 b2 a2 base2 a3 base3", 0 },
	{ g_mbc1, "base:b_3@head", "", "b3 a3 base3", 0 },
	{ g_mbc1, "base:b1b@head", "", "b1b a1b base1 a3 base3", 0 },
	{ g_mbc1, "b_2@base:heads", "", "d2 c2 b2 a2 base2 a3 base3", 0 },
	{ g_mbc1, "b_3@base:heads", "", "b3 a3 base3", 0 },
	/* MultipleBaseCrossDependencyTestTwo */
	{ g_mbc2, "base:heads", "", "c1 b1 a1 d2 c2 d3 c3 b3 a3 base3 b2 a2 "
	  "base2 base1", 0 },
	{ g_mbc2, "base:b_2@head", "", "d2 c2 b2 a2 base2 base1", 0 },
	{ g_mbc2, "base:b_3@head", "", "d3 c3 b3 a3 base3 b2 a2 base2 base1",
	  0 },
	{ g_mbc2, "base:b_1@head", "", "c1 b1 a1 base1", 0 },
	{ g_mbc2, "b_1@base:heads", "", "c1 b1 a1 base1", 0 },
	{ g_mbc2, "b_2@base:heads", "", "d2 c2 b2 a2 base2 base1", 0 },
	{ g_mbc2, "b_3@base:heads", "", "d3 c3 b3 a3 base3 b2 a2 base2 base1",
	  0 },
	/* MultipleBaseCrossDependencyTestThree */
	{ g_mbc3, "base:heads", "", "b1 c3 c2 a1 base1", 0 },
	/* GraphWithLoopTest: no loops here */
	{ g_dupehead, NULL, "", "user user_foo", 0 },
	{ g_userdep, NULL, "", "user user_foo", 0 },
	/* NormalizedDownRevTest */
	{ g_norm, NULL, "", "b5 b4 b3 b2 b1 a3 a2 a1", 0 },
};

START_TEST(history)
{
	const struct hcase *c = &history_cases[_i];
	struct mg_graph *g = mk_graph(c->graph);
	struct mg_rev_list l = MG_REV_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	size_t ncur;
	char **cur = words(c->current, &ncur);
	char *got;
	int rc;

	rc = mg_graph_history(g, c->range, (const char *const *)cur, ncur, &l,
			      &err);
	if (c->code) {
		ck_assert_msg(rc == c->code, "'%s': rc %d %s", c->range, rc,
			      err.msg);
		ck_assert_str_eq(err.msg, c->want);
	} else {
		ck_assert_msg(rc == MG_OK, "'%s': %s", c->range, err.msg);
		got = list_str(&l);
		ck_assert_msg(!strcmp(got, c->want), "'%s': got '%s' want "
			      "'%s'", c->range, got, c->want);
		free(got);
	}
	mg_rev_list_release(&l);
	mg_strv_free(cur, ncur);
	mg_graph_free(g);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Resolving targets                                                    */

static const struct gdef g_prefix[] = {
	{ "abcd1234", NULL, NULL, NULL }, { "abcd5678", "abcd1234", NULL,
					    NULL },
	{ "abce0000", "abcd5678", NULL, "longlabel" },
	{ "x9", "abce0000", NULL, NULL }, { NULL, NULL, NULL, NULL }
};

struct rcase {
	const struct gdef *graph;
	char op;             /* 'u' / 'd': mg_graph_resolve, 'g': revisions,
				'c': current */
	const char *target;
	const char *current;
	const char *want;    /* or the error */
	int code;
};

static const struct rcase resolve_cases[] = {
	{ g_linear, 'u', "head", "", "e", 0 },
	{ g_linear, 'u', "heads", "", "e", 0 },
	{ g_linear, 'u', "base", "", "", 0 },
	{ g_linear, 'u', "c", "", "c", 0 },
	{ g_linear, 'u', "+1", "c", "d", 0 },
	{ g_linear, 'u', "+2", "", "b", 0 },
	{ g_linear, 'u', "head-1", "", "d", 0 },
	{ g_linear, 'u', "a+4", "", "e", 0 },
	{ g_linear, 'd', "-1", "c", "b", 0 },
	{ g_linear, 'd', "-3", "c", "", 0 },
	{ g_linear, 'd', "base", "c", "", 0 },
	{ g_linear, 'd', "-4", "c", "Relative revision -4 didn't produce 4 "
	  "migrations", MG_EUSAGE },
	{ g_linear, 'd', "a+9", "c", "Walked too far", MG_ECONFIG },
	{ g_linear, 'u', "", "", "Can't locate revision identified by ''",
	  MG_ECONFIG },
	{ g_branched, 'u', "heads", "", "d1 d2", 0 },
	{ g_branched, 'u', "c1branch", "", "c1", 0 },
	{ g_branched, 'u', "c1branch@head", "", "d1", 0 },
	{ g_branched, 'u', "c2branch@heads", "", "d2", 0 },
	{ g_branched, 'u', "c2branch@base", "", "", 0 },
	{ g_branched, 'u', "head", "", "Multiple head revisions are present "
	  "for given argument 'head'; please specify a specific target "
	  "revision, '<branchname>@head' to narrow to a specific head, or "
	  "'heads' for all heads\nheads: d1, d2", MG_ECONFIG },
	{ g_branched, 'u', "d1@c2", "", "Can't locate revision identified by "
	  "'c2'", MG_ECONFIG },
	{ g_branched, 'u', "b-1", "", "a", 0 },
	{ g_branched, 'u', "b+1", "", "Ambiguous walk", MG_ECONFIG },
	{ g_branched, 'u', "c1branch@b+1", "", "c1", 0 },
	{ g_prefix, 'u', "abcd1", "", "abcd1234", 0 },
	{ g_prefix, 'u', "abce", "", "abce0000", 0 },
	{ g_prefix, 'u', "long", "", "abce0000", 0 },
	{ g_prefix, 'u', "x9", "", "x9", 0 },
	{ g_prefix, 'u', "abcd", "", "Multiple revisions start with 'abcd': "
	  "'abcd1234', 'abcd5678'...", MG_ECONFIG },
	{ g_prefix, 'u', "abc", "", "Can't locate revision identified by "
	  "'abc'", MG_ECONFIG },
	{ g_prefix, 'u', "ab", "", "Can't locate revision identified by 'ab'",
	  MG_ECONFIG },
	{ g_prefix, 'u', "zzzz", "", "Can't locate revision identified by "
	  "'zzzz'", MG_ECONFIG },
	{ g_prefix, 'u', "abcd+1", "", "Multiple revisions start with 'abcd': "
	  "'abcd1234', 'abcd5678'...", MG_ECONFIG },
	{ g_prefix, 'u', "abcd5+1", "", "abce0000", 0 },
	{ g_prefix, 'u', "longlabel@abcd", "", "Multiple revisions start "
	  "with 'abcd': 'abcd1234', 'abcd5678'...", MG_ECONFIG },
	/* LabeledBranchTest, through get_revisions() */
	{ g_labeled, 'g', "ebranch@some", "", "someothername", 0 },
	{ g_labeled, 'g', "abranch@some", "", "somelongername", 0 },
	{ g_labeled, 'g', "ebranch@sos", "", "Can't locate revision "
	  "identified by 'sos'", MG_ECONFIG },
	{ g_labeled, 'g', "abranch@heads", "", "c", 0 },
	{ g_labeled, 'g', "abranch@head", "", "c", 0 },
	{ g_labeled, 'g', "abranch@base", "", "", 0 },
	{ g_labeled, 'g', "ebranch@head", "", "f", 0 },
	{ g_labeled, 'g', "ebranch@d", "", "d", 0 },
	{ g_labeled, 'g', "ebranch@ebranch", "", "e", 0 },
	{ g_labeled, 'g', "abranch", "", "a", 0 },
	{ g_labeled, 'g', "ebranch", "", "e", 0 },
	{ g_labeled, 'g', "ebranch@b", "", "Can't locate revision identified "
	  "by 'b'", MG_ECONFIG },
	{ g_labeled, 'g', "abranch@d", "", "Can't locate revision identified "
	  "by 'd'", MG_ECONFIG },
	{ g_labeled, 'g', "e", "", "e", 0 },
	{ g_labeled, 'g', "abranch@qprstuv", "", "Can't locate revision "
	  "identified by 'qprstuv'", MG_ECONFIG },
	{ g_labeled, 'g', "e@d", "", "d", 0 },
	{ g_labeled, 'g', "someoth@d", "", "d", 0 },
	{ g_labeled, 'g', "x@d", "", "Can't locate revision identified by "
	  "'x'", MG_ECONFIG },
	{ g_labeled, 'g', "heads", "", "c f", 0 },
	{ g_labeled, 'g', "-1", "", "somelongername someothername", 0 },
	{ g_labeled, 'g', "ebranch@-1", "", "someothername", 0 },
	/* what `current` lists */
	{ g_dob1, 'c', NULL, "c2", "c1 c2", 0 },
	{ g_linear, 'c', NULL, "c", "c", 0 },
	{ g_branched, 'c', NULL, "d1 c2", "d1 c2", 0 },
	{ g_linear, 'c', NULL, "", "", 0 },
	{ g_linear, 'c', NULL, "q", "Can't locate revision identified by 'q'",
	  MG_ECONFIG },
};

START_TEST(resolve)
{
	const struct rcase *c = &resolve_cases[_i];
	struct mg_graph *g = mk_graph(c->graph);
	struct mg_rev_list l = MG_REV_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	size_t ncur;
	char **cur = words(c->current, &ncur);
	char *got;
	int rc;

	if (c->op == 'g')
		rc = mg_graph_revisions(g, c->target, &l, &err);
	else if (c->op == 'c')
		rc = mg_graph_current(g, (const char *const *)cur, ncur, &l,
				      &err);
	else
		rc = mg_graph_resolve(g, c->target, (const char *const *)cur,
				      ncur, c->op == 'u' ? MG_UP : MG_DOWN, &l,
				      &err);
	if (c->code) {
		ck_assert_msg(rc == c->code, "'%s': rc %d %s", c->target, rc,
			      err.msg);
		ck_assert_str_eq(err.msg, c->want);
	} else {
		ck_assert_msg(rc == MG_OK, "'%s': %s", c->target, err.msg);
		got = list_str(&l);
		ck_assert_msg(!strcmp(got, c->want), "'%s': got '%s' want "
			      "'%s'", c->target, got, c->want);
		free(got);
	}
	mg_rev_list_release(&l);
	mg_strv_free(cur, ncur);
	mg_graph_free(g);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Validation                                                           */

static const struct gdef v_dup[] = {
	{ "0001_a", NULL, NULL, NULL }, { "0002_x", "0001_a", NULL, NULL },
	{ "0002_x", "0001_a", NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_missing_down[] = {
	{ "a", NULL, NULL, NULL }, { "b", "nope", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_missing_dep[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", "a ghost", NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_long[] = {
	{ "a", NULL, NULL, NULL },
	{ "0123456789abcdef0123456789abcdefX", "a", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_dash[] = {
	{ "a-b", NULL, NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_many[] = {
	{ "ok", NULL, NULL, NULL }, { "a@b+c", "ok", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_colon[] = {
	{ "a:b", NULL, NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_space[] = {
	{ "a\tb", NULL, NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_emptyid[] = {
	{ "", NULL, NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_label_is_id[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, "a" },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_label_twice[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c", "b", NULL, "xy1" }, { "d", NULL, NULL, NULL },
	{ "e", "d", NULL, "xy1" }, { "f", "e", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_selfloop[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a b", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_depselfloop[] = {
	{ "a", NULL, "a", NULL }, { "b", "a", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_cycle[] = {
	{ "a", "c", NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c", "b", NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_cycle_extra[] = {
	{ "a", "c", NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c", "b", NULL, NULL }, { "d", NULL, NULL, NULL },
	{ "e", "d", NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_cycle_upper[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c", "b e", NULL, NULL }, { "d", "c", NULL, NULL },
	{ "e", "d", NULL, NULL }, { NULL, NULL, NULL, NULL }
};
/* a cycle Alembic's own check misses: every unit is reachable both ways */
static const struct gdef v_cycle_hidden[] = {
	{ "a", NULL, NULL, NULL }, { "b", "a", NULL, NULL },
	{ "c", "b e", NULL, NULL }, { "d", "c", NULL, NULL },
	{ "e", "d", NULL, NULL }, { "h", "c", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};
static const struct gdef v_depcycle[] = {
	{ "a", NULL, "c", NULL }, { "b", "a", NULL, NULL },
	{ "c", "b", NULL, NULL }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_depcycle_label[] = {
	{ "a", NULL, "lab", NULL }, { "b", "a", NULL, NULL },
	{ "c", "b", NULL, "lab" }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_depcycle_self_label[] = {
	{ "a", NULL, "me", "me" }, { NULL, NULL, NULL, NULL }
};
static const struct gdef v_ok32[] = {
	{ "0123456789abcdef0123456789abcdef", NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

struct vcase {
	const struct gdef *graph;
	const char *file; /* NULL: builds */
	const char *msg;
};

static const struct vcase validation_cases[] = {
	{ v_dup, "versions/0002_x.sql", "duplicate revision id '0002_x' in "
	  "versions/0002_x.sql and versions/0002_x.sql" },
	{ v_missing_down, "versions/b.sql",
	  "Can't locate revision identified by 'nope'" },
	{ v_missing_dep, "versions/b.sql",
	  "Can't locate revision identified by 'ghost'" },
	{ v_long, "versions/0123456789abcdef0123456789abcdefX.sql",
	  "revision id '0123456789abcdef0123456789abcdefX' is 33 characters "
	  "long; the version table holds at most 32" },
	{ v_dash, "versions/a-b.sql",
	  "Character(s) '-' not allowed in revision identifier 'a-b'" },
	{ v_many, "versions/a@b+c.sql",
	  "Character(s) '+, @' not allowed in revision identifier 'a@b+c'" },
	{ v_colon, "versions/a:b.sql",
	  "Character(s) ':' not allowed in revision identifier 'a:b'" },
	{ v_space, "versions/a\tb.sql", "revision id 'a\tb' contains white "
	  "space" },
	{ v_emptyid, "versions/.sql", "revision id is empty" },
	{ v_label_is_id, "versions/b.sql", "Branch name 'a' in revision b "
	  "already used by revision a (versions/a.sql)" },
	{ v_label_twice, "versions/e.sql", "Branch name 'xy1' in revision e "
	  "already used by revision c (versions/c.sql)" },
	{ v_selfloop, "versions/b.sql",
	  "Self-loop is detected in revisions (b)" },
	{ v_depselfloop, "versions/a.sql",
	  "Dependency self-loop is detected in revisions (a)" },
	{ v_cycle, "versions/a.sql", "Cycle is detected in revisions "
	  "(a, b, c)\ncycle: versions/a.sql -> versions/c.sql -> "
	  "versions/b.sql -> versions/a.sql" },
	{ v_cycle_extra, "versions/a.sql", "Cycle is detected in revisions "
	  "(a, b, c)\ncycle: versions/a.sql -> versions/c.sql -> "
	  "versions/b.sql -> versions/a.sql" },
	{ v_cycle_upper, "versions/c.sql", "Cycle is detected in revisions "
	  "(c, d, e)\ncycle: versions/c.sql -> versions/e.sql -> "
	  "versions/d.sql -> versions/c.sql" },
	{ v_cycle_hidden, "versions/c.sql", "Cycle is detected in revisions "
	  "(c, d, e)\ncycle: versions/c.sql -> versions/e.sql -> "
	  "versions/d.sql -> versions/c.sql" },
	{ v_depcycle, "versions/a.sql", "Dependency cycle is detected in "
	  "revisions (a, b, c)\ncycle: versions/a.sql -> versions/c.sql -> "
	  "versions/b.sql -> versions/a.sql" },
	{ v_depcycle_label, "versions/a.sql", "Dependency cycle is detected "
	  "in revisions (a, b, c)\ncycle: versions/a.sql -> versions/c.sql -> "
	  "versions/b.sql -> versions/a.sql" },
	{ v_depcycle_self_label, "versions/a.sql", "Dependency cycle is "
	  "detected in revisions (a)\ncycle: versions/a.sql -> "
	  "versions/a.sql" },
	{ v_ok32, NULL, NULL },
	{ g_dupehead, NULL, NULL },
};

START_TEST(validation)
{
	const struct vcase *c = &validation_cases[_i];
	struct mg_graph *g = NULL;
	struct mg_error err = MG_ERROR_INIT;
	int rc = try_graph(c->graph, &g, &err);

	if (!c->file) {
		ck_assert_msg(rc == MG_OK, "%s", err.msg);
		mg_graph_free(g);
		return;
	}
	ck_assert_int_eq(rc, MG_ECONFIG);
	ck_assert_ptr_null(g);
	ck_assert_str_eq(err.file, c->file);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.msg, c->msg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Graph views                                                          */

START_TEST(heads_and_flags)
{
	struct mg_graph *g = mk_graph(g_mbc1);
	struct mg_rev_list l = MG_REV_LIST_INIT;
	char *s;

	mg_graph_heads(g, &l);
	s = list_str(&l);
	/* MultipleBaseCrossDependencyTestOne.test_what_are_the_heads */
	ck_assert_str_eq(s, "b1a b1b d2 b3");
	free(s);
	mg_rev_list_release(&l);
	ck_assert_uint_eq(mg_graph_count(g), 13);
	ck_assert_str_eq(mg_graph_unit(g, 0)->revision, "base1");
	ck_assert_ptr_null(mg_graph_unit(g, 13));
	ck_assert_ptr_null(mg_graph_find(g, "b_1"));
	ck_assert_ptr_null(mg_graph_find(g, "base"));
	mg_graph_free(g);

	g = mk_graph(g_mbc2);
	mg_graph_heads(g, &l);
	s = list_str(&l);
	ck_assert_str_eq(s, "c1 d2 d3");
	free(s);
	mg_rev_list_release(&l);
	mg_graph_free(g);

	/* a3 is only depended on: a head, but an "effective" one */
	g = mk_graph(g_norm);
	mg_graph_heads(g, &l);
	s = list_str(&l);
	ck_assert_str_eq(s, "a3 b5");
	free(s);
	mg_rev_list_release(&l);
	ck_assert_uint_eq(mg_graph_flags(g, mg_graph_find(g, "a3")),
			  MG_REV_EFFECTIVE_HEAD);
	ck_assert_uint_eq(mg_graph_flags(g, mg_graph_find(g, "b5")),
			  MG_REV_HEAD);
	ck_assert_uint_eq(mg_graph_flags(g, mg_graph_find(g, "a1")),
			  MG_REV_BASE);
	ck_assert(mg_graph_is_head(g, mg_graph_find(g, "a3")));
	ck_assert(!mg_graph_is_head(g, mg_graph_find(g, "a2")));
	mg_graph_free(g);

	g = mk_graph(g_merged);
	ck_assert(mg_graph_is_branchpoint(g, mg_graph_find(g, "b")));
	ck_assert(!mg_graph_is_branchpoint(g, mg_graph_find(g, "c1")));
	ck_assert(mg_graph_is_mergepoint(g, mg_graph_find(g, "e")));
	ck_assert(!mg_graph_is_mergepoint(g, mg_graph_find(g, "f")));
	ck_assert_uint_eq(mg_graph_flags(g, mg_graph_find(g, "b")),
			  MG_REV_BRANCHPOINT);
	ck_assert_uint_eq(mg_graph_flags(g, mg_graph_find(g, "e")),
			  MG_REV_MERGEPOINT);
	ck_assert_uint_eq(mg_graph_flags(g, mg_graph_find(g, "a")),
			  MG_REV_BASE);
	mg_graph_children(g, mg_graph_find(g, "b"), &l);
	s = list_str(&l);
	ck_assert_str_eq(s, "c1 c2");
	free(s);
	mg_rev_list_release(&l);
	mg_graph_branches(g, &l);
	s = list_str(&l);
	ck_assert_str_eq(s, "b");
	free(s);
	mg_rev_list_release(&l);
	mg_graph_free(g);
}
END_TEST

/* Labels travel to descendants and down to the branch point. */
static const struct
{
	const struct gdef *graph;
	const char *rev;
	const char *labels;
} label_cases[] = {
	{ g_labeled, "a", "abranch" },
	{ g_labeled, "b", "abranch" },
	{ g_labeled, "c", "abranch" },
	{ g_labeled, "d", "ebranch" },
	{ g_labeled, "f", "ebranch" },
	{ g_branched, "b", "" },
	{ g_branched, "a", "" },
	{ g_branched, "c1", "c1branch" },
	{ g_branched, "d2", "c2branch" },
	{ g_merged, "f", "c2branch" },
	{ g_merged, "d1", "" },
	{ g_mbc1, "a2", "b_2" },
	{ g_mbc1, "b1b", "b_1" },
	{ g_mbc2, "d3", "b_3" },
};

START_TEST(labels)
{
	struct mg_graph *g = mk_graph(label_cases[_i].graph);
	struct mg_buf b = MG_BUF_INIT;
	const char **v;
	size_t n, i;

	v = mg_graph_labels(g, mg_graph_find(g, label_cases[_i].rev), &n);
	for (i = 0; i < n; i++)
		mg_buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	ck_assert_str_eq(mg_buf_str(&b), label_cases[_i].labels);
	ck_assert(n ? v != NULL : v == NULL);
	free(v);
	mg_buf_release(&b);
	mg_graph_free(g);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fixture folders, through the loader                                  */

static const struct
{
	const char *dir;
	const char *file; /* NULL: builds */
	const char *msg;  /* or the heads */
} fixture_cases[] = {
	{ FIX "graph/linear", NULL, "0003_c" },
	{ FIX "graph/branch", NULL, "0003_c1 0003_c2" },
	{ FIX "graph/merge", NULL, "0004_merge" },
	{ FIX "graph/two_heads", NULL, "0002_left 0002_right" },
	{ FIX "graph/cycle", FIX "graph/cycle/0001_a.sql",
	  "Cycle is detected in revisions (0001_a, 0002_b, 0003_c)\n"
	  "cycle: " FIX "graph/cycle/0001_a.sql -> " FIX
	  "graph/cycle/0003_c.sql -> " FIX "graph/cycle/0002_b.sql -> " FIX
	  "graph/cycle/0001_a.sql" },
	{ FIX "graph/dangling", FIX "graph/dangling/0002_b.sql",
	  "Can't locate revision identified by '0001_gone'" },
	{ FIX "graph/duplicate", FIX "graph/duplicate/0002_y.sql",
	  "duplicate revision id '0002_x' in " FIX "graph/duplicate/"
	  "0002_x.sql and " FIX "graph/duplicate/0002_y.sql" },
	{ FIX "graph/long_id", FIX "graph/long_id/0002_long.sql",
	  "revision id '0002_this_id_is_far_too_long_for_it' is 35 "
	  "characters long; the version table holds at most 32" },
	{ FIX "graph/bad_id", FIX "graph/bad_id/0001_bad.sql",
	  "Character(s) '-' not allowed in revision identifier "
	  "'0001-bad'" },
};

START_TEST(fixtures)
{
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	struct mg_rev_list heads = MG_REV_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_graph *g = NULL;
	char *s;
	int rc;

	rc = mg_units_load_dir(&l, fixture_cases[_i].dir, &err);
	ck_assert_msg(rc == MG_OK, "%s: %s", err.file, err.msg);
	rc = mg_graph_build(&g, &l, &err);
	ck_assert_uint_eq(l.n, 0);
	if (fixture_cases[_i].file) {
		ck_assert_int_eq(rc, MG_ECONFIG);
		ck_assert_str_eq(err.file, fixture_cases[_i].file);
		ck_assert_str_eq(err.msg, fixture_cases[_i].msg);
	} else {
		ck_assert_msg(rc == MG_OK, "%s: %s", err.file, err.msg);
		mg_graph_heads(g, &heads);
		s = list_str(&heads);
		ck_assert_str_eq(s, fixture_cases[_i].msg);
		free(s);
		mg_rev_list_release(&heads);
	}
	mg_unit_list_free_all(&l);
	mg_graph_free(g);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Size: nothing may recurse                                            */

#define BIG 10000

static char *big_id(size_t i)
{
	return mg_asprintf("r%05zu", i);
}

/* A chain r00000 <- r00001 <- ... or, with `wide`, one root and BIG-1
 * children. */
static struct mg_graph *big_graph(int wide)
{
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_graph *g = NULL;
	size_t i;

	for (i = 0; i < BIG; i++) {
		struct mg_unit *u = mg_unit_new("versions/big.sql");

		u->revision = big_id(i);
		if (i) {
			u->down_revisions = mg_calloc(1, sizeof(char *));
			u->down_revisions[0] = big_id(wide ? 0 : i - 1);
			u->ndown = 1;
		}
		if (i == 0) {
			u->branch_labels = mg_calloc(1, sizeof(char *));
			u->branch_labels[0] = mg_strdup("trunk");
			u->nlabels = 1;
		}
		free(u->path);
		u->path = mg_asprintf("versions/%s.sql", u->revision);
		mg_unit_list_push(&l, u);
	}
	ck_assert_msg(mg_graph_build(&g, &l, &err) == MG_OK, "%s", err.msg);
	return g;
}

START_TEST(big_chain)
{
	struct mg_graph *g = big_graph(0);
	struct mg_rev_list l = MG_REV_LIST_INIT;
	struct mg_plan plan = MG_PLAN_INIT;
	struct mg_error err = MG_ERROR_INIT;
	const char *top[] = { "r09999" }, *mid[] = { "r05000" };
	const char **lab;
	size_t n;

	mg_graph_heads(g, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0]->revision, "r09999");
	mg_rev_list_release(&l);

	ck_assert_int_eq(mg_graph_plan(g, NULL, 0, "head", MG_UP, &plan, &err),
			 MG_OK);
	ck_assert_uint_eq(plan.n, BIG);
	ck_assert_str_eq(plan.v[0].unit->revision, "r00000");
	ck_assert_uint_eq(plan.v[0].nins, 1);
	ck_assert_uint_eq(plan.v[0].ndel, 0);
	ck_assert_str_eq(plan.v[BIG - 1].del[0], "r09998");
	ck_assert_str_eq(plan.v[BIG - 1].ins[0], "r09999");
	mg_plan_release(&plan);

	ck_assert_int_eq(mg_graph_plan(g, top, 1, "base", MG_DOWN, &plan,
				       &err), MG_OK);
	ck_assert_uint_eq(plan.n, BIG);
	ck_assert_str_eq(plan.v[0].unit->revision, "r09999");
	ck_assert_str_eq(plan.v[BIG - 1].del[0], "r00000");
	ck_assert_uint_eq(plan.v[BIG - 1].nins, 0);
	mg_plan_release(&plan);

	ck_assert_int_eq(mg_graph_plan(g, mid, 1, "-2500", MG_DOWN, &plan,
				       &err), MG_OK);
	ck_assert_uint_eq(plan.n, 2500);
	mg_plan_release(&plan);

	ck_assert_int_eq(mg_graph_history(g, NULL, NULL, 0, &l, &err), MG_OK);
	ck_assert_uint_eq(l.n, BIG);
	ck_assert_str_eq(l.v[0]->revision, "r09999");
	mg_rev_list_release(&l);

	ck_assert_int_eq(mg_graph_resolve(g, "head-9999", NULL, 0, MG_UP, &l,
					  &err), MG_OK);
	ck_assert_str_eq(l.v[0]->revision, "r00000");
	mg_rev_list_release(&l);
	/* from base, the root is the first step */
	ck_assert_int_eq(mg_graph_resolve(g, "trunk@+10000", NULL, 0, MG_UP,
					  &l, &err), MG_OK);
	ck_assert_str_eq(l.v[0]->revision, "r09999");
	mg_rev_list_release(&l);

	ck_assert_int_eq(mg_graph_current(g, top, 1, &l, &err), MG_OK);
	ck_assert_uint_eq(l.n, 1);
	mg_rev_list_release(&l);

	/* the root's label reaches the head */
	lab = mg_graph_labels(g, mg_graph_find(g, "r09999"), &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(lab[0], "trunk");
	free(lab);
	mg_graph_free(g);
}
END_TEST

START_TEST(big_wide)
{
	struct mg_graph *g = big_graph(1);
	struct mg_rev_list l = MG_REV_LIST_INIT;
	struct mg_plan plan = MG_PLAN_INIT;
	struct mg_error err = MG_ERROR_INIT;

	mg_graph_heads(g, &l);
	ck_assert_uint_eq(l.n, BIG - 1);
	ck_assert_str_eq(l.v[0]->revision, "r00001");
	mg_rev_list_release(&l);
	ck_assert(mg_graph_is_branchpoint(g, mg_graph_find(g, "r00000")));
	mg_graph_children(g, mg_graph_find(g, "r00000"), &l);
	ck_assert_uint_eq(l.n, BIG - 1);
	mg_rev_list_release(&l);

	ck_assert_int_eq(mg_graph_plan(g, NULL, 0, "r05000", MG_UP, &plan,
				       &err), MG_OK);
	ck_assert_uint_eq(plan.n, 2);
	mg_plan_release(&plan);
	ck_assert_int_eq(mg_graph_plan(g, NULL, 0, "head", MG_UP, &plan,
				       &err), MG_ECONFIG);
	ck_assert(strstr(err.msg, "\nheads: r00001, r00002, ") != NULL);
	mg_graph_free(g);
}
END_TEST

/* A long cycle is found without recursion too. */
START_TEST(big_cycle)
{
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;
	struct mg_graph *g = NULL;
	size_t i;

	for (i = 0; i < BIG; i++) {
		struct mg_unit *u = mg_unit_new("versions/big.sql");

		u->revision = big_id(i);
		u->down_revisions = mg_calloc(1, sizeof(char *));
		u->down_revisions[0] = big_id((i + BIG - 1) % BIG);
		u->ndown = 1;
		free(u->path);
		u->path = mg_asprintf("versions/%s.sql", u->revision);
		mg_unit_list_push(&l, u);
	}
	ck_assert_int_eq(mg_graph_build(&g, &l, &err), MG_ECONFIG);
	ck_assert_ptr_null(g);
	ck_assert(!strncmp(err.msg, "Cycle is detected in revisions (r00000, "
			   "r00001, ", 40));
}
END_TEST

Suite *graph_suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("core");
	TCase *big = tcase_create("big");

	tcase_add_loop_test(tc, plans, 0, (int)MG_ARRAY_SIZE(plan_cases));
	tcase_add_test(tc, plan_strings_are_graph_owned);
	tcase_add_loop_test(tc, history, 0, (int)MG_ARRAY_SIZE(history_cases));
	tcase_add_loop_test(tc, resolve, 0, (int)MG_ARRAY_SIZE(resolve_cases));
	tcase_add_loop_test(tc, validation, 0,
			    (int)MG_ARRAY_SIZE(validation_cases));
	tcase_add_test(tc, heads_and_flags);
	tcase_add_loop_test(tc, labels, 0, (int)MG_ARRAY_SIZE(label_cases));
	tcase_add_loop_test(tc, fixtures, 0,
			    (int)MG_ARRAY_SIZE(fixture_cases));
	suite_add_tcase(s, tc);
	tcase_set_timeout(big, 120);
	tcase_add_test(big, big_chain);
	tcase_add_test(big, big_wide);
	tcase_add_test(big, big_cycle);
	suite_add_tcase(s, big);
	return s;
}
