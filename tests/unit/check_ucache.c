/*
 * check_ucache.c - loading a units folder: the header cache (lib/ucache.c)
 * and the threaded loader (lib/unit.c, mg_units_load_dir).
 *
 * Each test has its own units folder and its own cache folder
 * ($MIGRATE_CACHE_DIR, set per test).  Files are written, then the test
 * waits past the cache's 100 ms settling margin, so the next load may
 * cache them.
 */
#include "mg.h"
#include "suites.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fx {
	char *root;  /* temp folder */
	char *units; /* root/versions */
	char *cache; /* root/cache */
};

static void fx_init(struct fx *f)
{
	f->root = tu_mkdtemp("ucache");
	f->units = tu_path(f->root, "versions");
	f->cache = tu_path(f->root, "cache");
	ck_assert_int_eq(mkdir(f->units, 0755), 0);
	setenv("MIGRATE_CACHE_DIR", f->cache, 1);
	unsetenv("MIGRATE_NO_CACHE");
}

static void fx_done(struct fx *f)
{
	tu_rmrf(f->root);
	free(f->root);
	free(f->units);
	free(f->cache);
	unsetenv("MIGRATE_CACHE_DIR");
	unsetenv("MIGRATE_NO_CACHE");
}

static void settle(void)
{
	struct timespec ts = { 0, 200000000 }; /* past the 100 ms margin */

	nanosleep(&ts, NULL);
}

/* Unit i of a chain: NNNN_t.sql with revision rNNNN. */
static void write_unit(const struct fx *f, unsigned i, const char *msg)
{
	char name[64], text[512];

	snprintf(name, sizeof(name), "%04u_t.sql", i);
	if (i == 1)
		snprintf(text, sizeof(text), "-- revision: r%04u\n"
			 "-- down_revision: null\n-- message: %s\n"
			 "-- migrate:upgrade\nCREATE TABLE t%u (id int);\n"
			 "-- migrate:downgrade\nDROP TABLE t%u;\n",
			 i, msg, i, i);
	else
		snprintf(text, sizeof(text), "-- revision: r%04u\n"
			 "-- down_revision: r%04u\n-- message: %s\n"
			 "-- migrate:upgrade\nCREATE TABLE t%u (id int);\n"
			 "-- migrate:downgrade\nDROP TABLE t%u;\n",
			 i, i - 1, msg, i, i);
	tu_write(f->units, name, text);
}

static void write_chain(const struct fx *f, unsigned n)
{
	unsigned i;

	for (i = 1; i <= n; i++)
		write_unit(f, i, "table");
}

static void load_ok(const struct fx *f, struct mg_unit_list *l)
{
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_msg(mg_units_load_dir(l, f->units, &err) == MG_OK,
		      "%s:%u: %s", err.file, err.line, err.msg);
}

static size_t count_cached(const struct mg_unit_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i]->slab != NULL;
	return n;
}

/* The cache file's path (there is exactly one), malloc'd, or NULL. */
static char *cache_file(const struct fx *f)
{
	DIR *d = opendir(f->cache);
	struct dirent *de;
	char *path = NULL;

	if (!d)
		return NULL;
	while ((de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, "units-", 6) &&
		    !strstr(de->d_name, ".tmp")) {
			free(path);
			path = tu_path(f->cache, de->d_name);
		}
	closedir(d);
	return path;
}

START_TEST(second_load_comes_from_cache)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;
	char *file;
	size_t i;

	fx_init(&f);
	write_chain(&f, 100);
	settle();
	load_ok(&f, &a);
	ck_assert_uint_eq(a.n, 100);
	ck_assert_uint_eq(count_cached(&a), 0);
	file = cache_file(&f);
	ck_assert_ptr_nonnull(file);
	free(file);
	load_ok(&f, &b);
	ck_assert_uint_eq(b.n, 100);
	ck_assert_uint_eq(count_cached(&b), 100);
	for (i = 0; i < a.n; i++) {
		const struct mg_unit *x = a.v[i], *y = b.v[i];

		ck_assert_str_eq(x->revision, y->revision);
		ck_assert_str_eq(x->path, y->path);
		ck_assert_uint_eq(x->ndown, y->ndown);
		if (x->ndown)
			ck_assert_str_eq(x->down_revisions[0],
					 y->down_revisions[0]);
		ck_assert_str_eq(x->message, y->message);
		ck_assert_int_eq(x->transactional, y->transactional);
		ck_assert_ptr_nonnull(x->body->text);
		ck_assert_ptr_null(y->body->text); /* read when needed */
	}
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

START_TEST(body_is_read_when_needed)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;
	const struct mg_section *sec;
	struct mg_error err = MG_ERROR_INIT;
	char h1[65], h2[65];

	fx_init(&f);
	write_chain(&f, 3);
	settle();
	load_ok(&f, &a);
	load_ok(&f, &b);
	ck_assert_int_eq(b.v[1]->slab != NULL, 1);
	ck_assert_int_eq(mg_unit_section(b.v[1], MG_UP, MG_DIALECT_SQLITE,
					 &sec, &err), MG_OK);
	ck_assert_ptr_nonnull(b.v[1]->body->text);
	ck_assert(!strncmp(b.v[1]->body->text + sec->off,
			   "CREATE TABLE t2 (id int);", 25));
	ck_assert_int_eq(mg_unit_sha256_hex(a.v[2], h1, &err), MG_OK);
	ck_assert_int_eq(mg_unit_sha256_hex(b.v[2], h2, &err), MG_OK);
	ck_assert_str_eq(h1, h2);
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

START_TEST(changed_file_misses)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;

	fx_init(&f);
	write_chain(&f, 3);
	settle();
	load_ok(&f, &a);
	/* same size, other content: the times (ctime at least) differ */
	write_unit(&f, 2, "TABLE");
	settle();
	load_ok(&f, &b);
	ck_assert_int_eq(b.v[0]->slab != NULL, 1);
	ck_assert_int_eq(b.v[1]->slab != NULL, 0);
	ck_assert_str_eq(b.v[1]->message, "TABLE");
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

START_TEST(file_written_during_load_is_not_cached)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;

	fx_init(&f);
	write_chain(&f, 3); /* no settle: written just now */
	load_ok(&f, &a);
	load_ok(&f, &b);
	ck_assert_uint_eq(count_cached(&b), 0);
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

START_TEST(header_changed_after_load_is_an_error)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;
	const struct mg_section *sec;
	struct mg_error err = MG_ERROR_INIT;

	fx_init(&f);
	write_chain(&f, 3);
	settle();
	load_ok(&f, &a);
	load_ok(&f, &b);
	ck_assert_int_eq(b.v[2]->slab != NULL, 1);
	/* another parent, after the graph was built from the cache */
	tu_write(f.units, "0003_t.sql", "-- revision: r0003\n"
		 "-- down_revision: r0001\n-- message: table\n"
		 "-- migrate:upgrade\n-- migrate:downgrade\n");
	ck_assert_int_eq(mg_unit_section(b.v[2], MG_UP, MG_DIALECT_SQLITE,
					 &sec, &err), MG_ECONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed while migrate"));
	ck_assert_ptr_nonnull(strstr(err.file, "0003_t.sql"));
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

START_TEST(corrupt_cache_is_ignored)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;
	char *path;
	int fd;
	struct stat st;
	char c;

	fx_init(&f);
	write_chain(&f, 10);
	settle();
	load_ok(&f, &a);
	path = cache_file(&f);
	ck_assert_ptr_nonnull(path);
	/* flip one byte in the middle */
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(pread(fd, &c, 1, st.st_size / 2), 1);
	c ^= 0x20;
	ck_assert_int_eq(pwrite(fd, &c, 1, st.st_size / 2), 1);
	close(fd);
	load_ok(&f, &b);
	ck_assert_uint_eq(b.n, 10);
	ck_assert_uint_eq(count_cached(&b), 0);
	ck_assert_str_eq(b.v[9]->revision, "r0010");
	mg_unit_list_free_all(&b);
	/* and truncated to a few bytes */
	ck_assert_int_eq(truncate(path, 5), 0);
	load_ok(&f, &b);
	ck_assert_uint_eq(count_cached(&b), 0);
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	free(path);
	fx_done(&f);
}
END_TEST

START_TEST(cache_off)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;

	fx_init(&f);
	setenv("MIGRATE_NO_CACHE", "1", 1);
	write_chain(&f, 3);
	settle();
	load_ok(&f, &a);
	load_ok(&f, &b);
	ck_assert_uint_eq(count_cached(&b), 0);
	ck_assert_ptr_null(cache_file(&f));
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

START_TEST(removed_and_added_files)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;
	char *gone;

	fx_init(&f);
	write_chain(&f, 5);
	settle();
	load_ok(&f, &a);
	gone = tu_path(f.units, "0005_t.sql");
	ck_assert_int_eq(unlink(gone), 0);
	free(gone);
	tu_write(f.units, "0005_u.sql", "-- revision: r0005u\n"
		 "-- down_revision: r0004\n"
		 "-- migrate:upgrade\n-- migrate:downgrade\n");
	load_ok(&f, &b);
	ck_assert_uint_eq(b.n, 5);
	ck_assert_str_eq(b.v[4]->revision, "r0005u");
	ck_assert_int_eq(b.v[4]->slab != NULL, 0);
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

/* Of several bad files, the first by name is reported, whatever the
 * threads' timing: run it a few times. */
START_TEST(first_bad_file_reported)
{
	struct fx f;
	int round;

	fx_init(&f);
	setenv("MIGRATE_NO_CACHE", "1", 1);
	write_chain(&f, 300);
	tu_write(f.units, "0120_t.sql", "-- revision: [\n");
	tu_write(f.units, "0250_t.sql", "no header\n");
	for (round = 0; round < 5; round++) {
		struct mg_unit_list l = MG_UNIT_LIST_INIT;
		struct mg_error err = MG_ERROR_INIT;

		ck_assert_int_eq(mg_units_load_dir(&l, f.units, &err),
				 MG_ECONFIG);
		ck_assert_msg(strstr(err.file, "0120_t.sql") != NULL,
			      "round %d: %s: %s", round, err.file, err.msg);
		mg_unit_list_free_all(&l);
	}
	fx_done(&f);
}
END_TEST

/* A FIFO named like a unit is skipped, not waited on. */
START_TEST(fifo_is_skipped)
{
	struct fx f;
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	char *fifo;

	fx_init(&f);
	write_chain(&f, 2);
	fifo = tu_path(f.units, "0003_fifo.sql");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	free(fifo);
	load_ok(&f, &l);
	ck_assert_uint_eq(l.n, 2);
	mg_unit_list_free_all(&l);
	settle();
	load_ok(&f, &l); /* with the cache: fstatat says it is no file */
	ck_assert_uint_eq(l.n, 2);
	mg_unit_list_free_all(&l);
	fx_done(&f);
}
END_TEST

/*
 * Does the cache say the folder still holds the names it recorded, for
 * the folder's stat now?  How many, in *n.
 */
static int names_recorded(const struct fx *f, size_t *n)
{
	struct mg_ucache *c = mg_ucache_open(f->units);
	struct mg_ustat dus;
	struct stat st;
	const char **names = NULL;
	int got;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(stat(f->units, &st), 0);
	mg_ustat_from(&dus, &st);
	*n = 0;
	got = mg_ucache_names(c, &dus, &names, n);
	free(names);
	mg_ucache_free(c);
	return got;
}

/* An unchanged folder is not listed again: its names come recorded. */
START_TEST(unchanged_folder_names_are_recorded)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;
	size_t n;

	fx_init(&f);
	write_chain(&f, 100);
	settle();
	load_ok(&f, &a);
	ck_assert(names_recorded(&f, &n));
	ck_assert_uint_eq(n, 100);
	load_ok(&f, &b);
	ck_assert_uint_eq(b.n, 100);
	ck_assert_uint_eq(count_cached(&b), 100);
	ck_assert_str_eq(b.v[99]->path + strlen(f.units), "/0100_t.sql");
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

/* A file renamed in the folder changes the folder: listed again. */
START_TEST(renamed_file_is_seen)
{
	struct fx f;
	struct mg_unit_list a = MG_UNIT_LIST_INIT, b = MG_UNIT_LIST_INIT;
	char *from, *to;
	size_t n;

	fx_init(&f);
	write_chain(&f, 3);
	settle();
	load_ok(&f, &a);
	from = tu_path(f.units, "0003_t.sql");
	to = tu_path(f.units, "0003_renamed.sql");
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert(!names_recorded(&f, &n));
	load_ok(&f, &b);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_str_eq(b.v[2]->path, to);
	ck_assert_str_eq(b.v[2]->revision, "r0003");
	free(from);
	free(to);
	mg_unit_list_free_all(&a);
	mg_unit_list_free_all(&b);
	fx_done(&f);
}
END_TEST

/*
 * A folder changed just before a load is not recorded as it was (a
 * change in the same tick would go unseen); a later load, once it has
 * settled, records it.
 */
START_TEST(unsettled_folder_is_not_recorded)
{
	struct fx f;
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	size_t n;

	fx_init(&f);
	write_chain(&f, 3);
	settle();
	load_ok(&f, &l);
	mg_unit_list_free_all(&l);
	write_unit(&f, 4, "table"); /* a new file: the folder changes */
	load_ok(&f, &l);
	ck_assert_uint_eq(l.n, 4);
	mg_unit_list_free_all(&l);
	ck_assert(!names_recorded(&f, &n));
	settle();
	load_ok(&f, &l);
	ck_assert_uint_eq(l.n, 4);
	mg_unit_list_free_all(&l);
	ck_assert(names_recorded(&f, &n));
	ck_assert_uint_eq(n, 4);
	fx_done(&f);
}
END_TEST

/*
 * In an unchanged folder, a file written in place just before a load is
 * recorded by name only: it is parsed again until it has settled.
 */
START_TEST(unsettled_file_in_recorded_folder)
{
	struct fx f;
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	size_t n;
	int round;

	fx_init(&f);
	write_chain(&f, 3);
	settle();
	load_ok(&f, &l);
	mg_unit_list_free_all(&l);
	write_unit(&f, 2, "again");
	for (round = 0; round < 2; round++) {
		load_ok(&f, &l);
		ck_assert(names_recorded(&f, &n));
		ck_assert_int_eq(l.v[1]->slab != NULL, 0);
		ck_assert_str_eq(l.v[1]->message, "again");
		mg_unit_list_free_all(&l);
	}
	settle();
	load_ok(&f, &l); /* parsed, now recorded */
	mg_unit_list_free_all(&l);
	load_ok(&f, &l);
	ck_assert_int_eq(l.v[1]->slab != NULL, 1);
	ck_assert_str_eq(l.v[1]->message, "again");
	mg_unit_list_free_all(&l);
	fx_done(&f);
}
END_TEST

Suite *ucache_suite(void)
{
	Suite *s = suite_create("ucache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, second_load_comes_from_cache);
	tcase_add_test(tc, body_is_read_when_needed);
	tcase_add_test(tc, changed_file_misses);
	tcase_add_test(tc, file_written_during_load_is_not_cached);
	tcase_add_test(tc, header_changed_after_load_is_an_error);
	tcase_add_test(tc, corrupt_cache_is_ignored);
	tcase_add_test(tc, cache_off);
	tcase_add_test(tc, removed_and_added_files);
	tcase_add_test(tc, first_bad_file_reported);
	tcase_add_test(tc, fifo_is_skipped);
	tcase_add_test(tc, unchanged_folder_names_are_recorded);
	tcase_add_test(tc, renamed_file_is_seen);
	tcase_add_test(tc, unsettled_folder_is_not_recorded);
	tcase_add_test(tc, unsettled_file_in_recorded_folder);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
