/*
 * check_util.c - buffers, SQL quoting, the error value, identifiers.
 */
#include "mg.h"
#include "suites.h"

#include <stddef.h>

START_TEST(buf_grows_and_detaches)
{
	struct mg_buf b = MG_BUF_INIT;
	char *s;
	int i;

	ck_assert_str_eq(mg_buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		mg_buf_printf(&b, "%d,", i);
	ck_assert_uint_gt(b.len, 2000);
	ck_assert(strncmp(b.ptr, "0,1,2,", 6) == 0);
	s = mg_buf_detach(&b);
	ck_assert_ptr_null(b.ptr);
	ck_assert_uint_eq(b.len, 0);
	ck_assert(strstr(s, ",999,") != NULL);
	free(s);
}
END_TEST

START_TEST(buf_quotes_sql)
{
	struct mg_buf b = MG_BUF_INIT;

	mg_buf_sql_literal(&b, "it's");
	mg_buf_putc(&b, ' ');
	mg_buf_sql_ident(&b, "we\"ird");
	ck_assert_str_eq(mg_buf_str(&b), "'it''s' \"we\"\"ird\"");
	mg_buf_release(&b);
}
END_TEST

START_TEST(error_set_returns_code)
{
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_int_eq(mg_error_set(&err, MG_ECONFIG, "x.ini", 4, "bad %s",
				      "key"), MG_ECONFIG);
	ck_assert_int_eq(err.code, MG_ECONFIG);
	ck_assert_str_eq(err.file, "x.ini");
	ck_assert_uint_eq(err.line, 4);
	ck_assert_str_eq(err.msg, "bad key");
	mg_error_clear(&err);
	ck_assert_int_eq(err.code, MG_OK);
	ck_assert_str_eq(err.msg, "");
}
END_TEST

static const struct ident_case {
	const char *s;
	int ok;
} ident_cases[] = {
	{ "alembic_version", 1 }, { "_x1", 1 }, { "A", 1 },
	{ "", 0 }, { "1abc", 0 }, { "a-b", 0 }, { "a b", 0 },
	{ "a;drop", 0 }, { "\"q\"", 0 },
	{ "a234567890123456789012345678901234567890123456789012345678901234", 0 },
};

START_TEST(plain_identifiers)
{
	const struct ident_case *c = &ident_cases[_i];

	ck_assert_msg(mg_is_plain_ident(c->s) == c->ok, "'%s'", c->s);
}
END_TEST

START_TEST(path_join)
{
	char *p = mg_path_join("a", "b");

	ck_assert_str_eq(p, "a/b");
	free(p);
	p = mg_path_join("a/", "b");
	ck_assert_str_eq(p, "a/b");
	free(p);
	p = mg_path_join("a", "/abs");
	ck_assert_str_eq(p, "/abs");
	free(p);
	p = mg_path_join("", "b");
	ck_assert_str_eq(p, "b");
	free(p);
	ck_assert_uint_eq(mg_path_join_into(NULL, "dir", "f.sql"), 9);
}
END_TEST

/*
 * Slabs: allocations aligned, apart, in few blocks; a big one in a block
 * of its own; every block freed with its last reference (ASan and
 * valgrind see a leak or a double free otherwise).
 */
START_TEST(slab_blocks)
{
	enum { N = 3000 };
	static char *p[N];
	struct mg_slab *cur = NULL, *owner[N], *big_owner;
	char *big;
	size_t i, blocks = 0;

	for (i = 0; i < N; i++) {
		p[i] = mg_slab_alloc(&cur, 1 + i % 100, &owner[i]);
		ck_assert_uint_eq((uintptr_t)p[i] % _Alignof(max_align_t), 0);
		memset(p[i], (int)(i & 0xff), 1 + i % 100);
		if (i && owner[i] != owner[i - 1])
			blocks++;
	}
	ck_assert_uint_gt(blocks, 0);        /* 3,000 x ~60 B > 64 KiB */
	ck_assert_uint_lt(blocks, N / 100);
	big = mg_slab_alloc(&cur, 1 << 20, &big_owner);
	memset(big, 1, 1 << 20);
	ck_assert_ptr_ne(big_owner, cur);
	for (i = 0; i < N; i++) /* nothing overwrote anything */
		ck_assert_int_eq((unsigned char)p[i][i % 100],
				 (int)(i & 0xff));
	mg_slab_unref(cur);
	for (i = 0; i < N; i++)
		mg_slab_unref(owner[i]);
	mg_slab_unref(big_owner);
	mg_slab_unref(NULL);
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_grows_and_detaches);
	tcase_add_test(tc, buf_quotes_sql);
	tcase_add_test(tc, error_set_returns_code);
	tcase_add_loop_test(tc, plain_identifiers, 0,
			    (int)MG_ARRAY_SIZE(ident_cases));
	tcase_add_test(tc, path_join);
	tcase_add_test(tc, slab_blocks);
	suite_add_tcase(s, tc);
	return s;
}
