/*
 * check_util.c - buffers, SQL quoting, the error value, identifiers.
 */
#include "mg.h"
#include "suites.h"

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
	suite_add_tcase(s, tc);
	return s;
}
