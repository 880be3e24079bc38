/*
 * check_unit.c - unit files: YAML headers, sections, load errors.
 */
#include "mg.h"
#include "suites.h"
#include "testutil.h"

static struct mg_unit *parse_ok(const char *path, const char *text)
{
	struct mg_unit *u = NULL;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_msg(mg_unit_parse(&u, path, text, strlen(text), &err) ==
		      MG_OK, "%s:%u: %s", err.file, err.line, err.msg);
	return u;
}

static const char *section_text(const struct mg_unit *u,
				enum mg_direction dir, enum mg_dialect d,
				char *buf, size_t n)
{
	const struct mg_section *s;
	struct mg_error err = MG_ERROR_INIT;

	if (mg_unit_section(u, dir, d, &s, &err))
		return NULL;
	snprintf(buf, n, "%.*s", (int)s->len, u->body->text + s->off);
	return buf;
}

START_TEST(full_header)
{
	struct mg_unit *u = parse_ok(
		"versions/0002_users_email.sql",
		"-- revision: 0002_users_email\n"
		"-- down_revision: 0001_raptor_baseline\n"
		"-- message: add users email\n"
		"-- create_date: 2026-05-15T10:00:00Z\n"
		"-- transactional: true\n"
		"-- branch_labels: [core, users]\n"
		"-- depends_on: 0000_other\n"
		"-- migrate:upgrade\n"
		"ALTER TABLE users ADD COLUMN email TEXT;\n"
		"-- migrate:downgrade\n"
		"ALTER TABLE users DROP COLUMN email;\n");
	char buf[256];
	const struct mg_section *s;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_str_eq(u->revision, "0002_users_email");
	ck_assert_uint_eq(u->ndown, 1);
	ck_assert_str_eq(u->down_revisions[0], "0001_raptor_baseline");
	ck_assert_str_eq(u->message, "add users email");
	ck_assert_str_eq(u->create_date, "2026-05-15T10:00:00Z");
	ck_assert_int_eq(u->transactional, 1);
	ck_assert_uint_eq(u->nlabels, 2);
	ck_assert_str_eq(u->branch_labels[1], "users");
	ck_assert_uint_eq(u->ndepends, 1);
	ck_assert_str_eq(u->depends_on[0], "0000_other");
	ck_assert_int_eq(u->kind, MG_UNIT_SQL);
	ck_assert_uint_eq(u->body->nsections, 2);
	ck_assert_str_eq(section_text(u, MG_UP, MG_DIALECT_PG, buf, sizeof(buf)),
			 "ALTER TABLE users ADD COLUMN email TEXT;\n");
	ck_assert_int_eq(mg_unit_section(u, MG_UP, MG_DIALECT_SQLITE, &s, &err),
			 MG_OK);
	ck_assert_uint_eq(s->line, 9);
	ck_assert_str_eq(section_text(u, MG_DOWN, MG_DIALECT_SQLITE, buf,
				      sizeof(buf)),
			 "ALTER TABLE users DROP COLUMN email;\n");
	mg_unit_free(u);
}
END_TEST

START_TEST(root_and_merge)
{
	struct mg_unit *u = parse_ok("a.sql",
				     "-- revision: a\n-- down_revision: null\n"
				     "-- migrate:upgrade\n-- migrate:downgrade\n");

	ck_assert_uint_eq(u->ndown, 0);
	ck_assert_ptr_null(u->message);
	ck_assert_int_eq(u->transactional, 1);
	mg_unit_free(u);
	u = parse_ok("m.sql", "-- revision: m\n-- down_revision: [a, b]\n"
			      "-- transactional: false\n"
			      "-- migrate:upgrade\n-- migrate:downgrade\n");
	ck_assert_uint_eq(u->ndown, 2);
	ck_assert_str_eq(u->down_revisions[0], "a");
	ck_assert_str_eq(u->down_revisions[1], "b");
	ck_assert_int_eq(u->transactional, 0);
	mg_unit_free(u);
	/* no down_revision key at all: a root */
	u = parse_ok("r.sql", "-- revision: r\n-- migrate:upgrade\n"
			      "-- migrate:downgrade\n");
	ck_assert_uint_eq(u->ndown, 0);
	mg_unit_free(u);
}
END_TEST

START_TEST(dialect_sections_win)
{
	struct mg_unit *u = parse_ok(
		"x.sql",
		"-- revision: x\n"
		"-- migrate:upgrade\n"
		"CREATE TABLE t (id INTEGER);\n"
		"-- migrate:upgrade postgresql\n"
		"CREATE TABLE t (id BIGINT);\n"
		"-- migrate:downgrade\n"
		"\n"
		"-- migrate:downgrade sqlite\n"
		"DROP TABLE t;\n");
	char buf[128];
	const struct mg_section *s;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_str_eq(section_text(u, MG_UP, MG_DIALECT_PG, buf, sizeof(buf)),
			 "CREATE TABLE t (id BIGINT);\n");
	ck_assert_str_eq(section_text(u, MG_UP, MG_DIALECT_SQLITE, buf,
				      sizeof(buf)),
			 "CREATE TABLE t (id INTEGER);\n");
	/* empty unqualified downgrade: nothing to undo on PostgreSQL */
	ck_assert_str_eq(section_text(u, MG_DOWN, MG_DIALECT_PG, buf,
				      sizeof(buf)), "\n");
	ck_assert_str_eq(section_text(u, MG_DOWN, MG_DIALECT_SQLITE, buf,
				      sizeof(buf)), "DROP TABLE t;\n");
	ck_assert_int_eq(mg_unit_section(u, MG_UP, MG_DIALECT_PG, &s, &err),
			 MG_OK);
	ck_assert_uint_eq(s->line, 5);
	mg_unit_free(u);
}
END_TEST

START_TEST(missing_dialect_section)
{
	struct mg_unit *u = parse_ok("versions/0001_x.sql",
				     "-- revision: 0001_x\n"
				     "-- migrate:upgrade postgresql\nSELECT 1;\n"
				     "-- migrate:downgrade\n");
	const struct mg_section *s;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_int_eq(mg_unit_section(u, MG_UP, MG_DIALECT_SQLITE, &s, &err),
			 MG_ECONFIG);
	ck_assert_str_eq(err.file, "versions/0001_x.sql");
	ck_assert_str_eq(err.msg, "unit '0001_x' has no upgrade section for "
				  "sqlite (add '-- migrate:upgrade sqlite' or "
				  "an unqualified one)");
	mg_unit_free(u);
}
END_TEST

START_TEST(c_unit_header)
{
	struct mg_unit *u = parse_ok(
		"versions/0004_backfill.c",
		"/*\n"
		" * revision: 0004_backfill\n"
		" * down_revision: 0003_idx\n"
		" * message: normalise emails\n"
		" */\n"
		"#include <migrate_unit.h>\n"
		"int upgrade(migrate_ctx *c) { return 0; }\n");

	ck_assert_int_eq(u->kind, MG_UNIT_C);
	ck_assert_str_eq(u->revision, "0004_backfill");
	ck_assert_str_eq(u->down_revisions[0], "0003_idx");
	ck_assert_str_eq(u->message, "normalise emails");
	ck_assert_uint_eq(u->body->nsections, 0);
	mg_unit_free(u);
}
END_TEST

START_TEST(sha256_of_file)
{
	struct mg_unit *u = parse_ok("a.sql", "-- revision: a\n"
				     "-- migrate:upgrade\n-- migrate:downgrade\n");
	char hex[65];

	ck_assert_int_eq(mg_unit_sha256_hex(u, hex, NULL), MG_OK);
	/* what sha256sum says of the same 55 bytes */
	ck_assert_str_eq(hex, "cbbff2f079f8e3dd4c3d2e06edd152e0"
			      "9a2f781dcbb25b52c2a4d8916c95bf3c");
	mg_unit_free(u);
}
END_TEST

static const struct bad_case {
	const char *text;
	unsigned line;
	const char *msg;
} bad_cases[] = {
	{ "SELECT 1;\n", 1, "missing header: a unit starts with '-- revision: "
	  "ID' comment lines" },
	{ "-- down_revision: null\n-- migrate:upgrade\n-- migrate:downgrade\n",
	  1, "missing 'revision' in header" },
	{ "-- revision: a\n-- revision: b\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 2, "header key 'revision' given twice" },
	{ "-- revision: a\n-- colour: red\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 2, "unknown header key 'colour'" },
	{ "-- revision: a\n-- transactional: sometimes\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 2, "'transactional' must be true or false" },
	{ "-- revision: [a, b]\n-- migrate:upgrade\n-- migrate:downgrade\n",
	  1, "'revision' must be a string" },
	{ "-- revision:\n-- migrate:upgrade\n-- migrate:downgrade\n", 1,
	  "'revision' must not be empty" },
	{ "-- revision: a\n-- down_revision: {x: 1}\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 2,
	  "'down_revision' must be a string or a list of strings" },
	{ "-- just a comment\n-- migrate:upgrade\n-- migrate:downgrade\n", 1,
	  "malformed header: expected 'key: value' lines (the header is the "
	  "'--' lines before the first blank line or section; other comments "
	  "go after a blank line)" },
	{ "-- revision: a\n-- migrate:upgrade\nSELECT 1;\n", 0,
	  "no '-- migrate:downgrade' section (an empty one means there is "
	  "nothing to undo)" },
	{ "-- revision: a\n-- migrate:downgrade\n", 0,
	  "no '-- migrate:upgrade' section" },
	{ "-- revision: a\n-- migrate:upgrade\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 3, "section 'migrate:upgrade' given twice" },
	{ "-- revision: a\n-- migrate:upgrade sqlite\n-- migrate:upgrade sqlite\n"
	  "-- migrate:downgrade\n", 3,
	  "section 'migrate:upgrade sqlite' given twice" },
	{ "-- revision: a\n-- migrate:sideways\n-- migrate:downgrade\n", 2,
	  "unknown section 'migrate:sideways' (expected 'migrate:upgrade' or "
	  "'migrate:downgrade')" },
	{ "-- revision: a\n-- migrate:upgrade oracle\n-- migrate:downgrade\n", 2,
	  "unknown dialect 'oracle' in section marker (expected 'postgresql' "
	  "or 'sqlite')" },
	{ "-- revision: a\n-- migrate:upgrade sqlite extra\n"
	  "-- migrate:downgrade\n", 2,
	  "malformed section marker '-- migrate:upgrade sqlite extra'" },
	{ "-- revision: a\n\nCREATE TABLE t (x INT);\n-- migrate:upgrade\n"
	  "-- migrate:downgrade\n", 3, "SQL outside any section: put it after "
	  "'-- migrate:upgrade' or '-- migrate:downgrade'" },
	{ "-- revision: a\nSELECT 1;\n", 2, "SQL outside any section: put it "
	  "after '-- migrate:upgrade' or '-- migrate:downgrade'" },
};

START_TEST(bad_units)
{
	const struct bad_case *c = &bad_cases[_i];
	struct mg_unit *u = (struct mg_unit *)1;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_int_eq(mg_unit_parse(&u, "versions/0001_x.sql", c->text,
				       strlen(c->text), &err), MG_ECONFIG);
	ck_assert_ptr_null(u);
	ck_assert_str_eq(err.file, "versions/0001_x.sql");
	ck_assert_msg(err.line == c->line, "case %d: line %u, expected %u",
		      _i, err.line, c->line);
	ck_assert_str_eq(err.msg, c->msg);
}
END_TEST

START_TEST(malformed_yaml_has_line)
{
	static const char text[] = "-- revision: a\n"
				   "-- message: fine\n"
				   "-- down_revision: [x, y\n"
				   "-- migrate:upgrade\n-- migrate:downgrade\n";
	struct mg_unit *u;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_int_eq(mg_unit_parse(&u, "u.sql", text, strlen(text), &err),
			 MG_ECONFIG);
	ck_assert(strncmp(err.msg, "malformed header: ", 18) == 0);
	ck_assert_uint_ge(err.line, 3);
	ck_assert_uint_le(err.line, 4);
}
END_TEST

START_TEST(load_dir_sorted_and_filtered)
{
	char *dir = tu_mkdtemp("units");
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;

	tu_write(dir, "0002_b.sql", "-- revision: 0002_b\n-- down_revision: 0001_a\n"
		 "-- migrate:upgrade\n-- migrate:downgrade\n");
	tu_write(dir, "0001_a.sql", "-- revision: 0001_a\n"
		 "-- migrate:upgrade\n-- migrate:downgrade\n");
	tu_write(dir, "README.md", "not a unit\n");
	tu_write(dir, ".0003_hidden.sql", "garbage\n");
	tu_write(dir, "0003_c.so", "binary\n");
	ck_assert_int_eq(mg_units_load_dir(&l, dir, &err), MG_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0]->revision, "0001_a");
	ck_assert_str_eq(l.v[1]->revision, "0002_b");
	ck_assert(strstr(l.v[0]->path, "/0001_a.sql") != NULL);
	mg_unit_list_free_all(&l);

	tu_write(dir, "0004_bad.sql", "-- nope\n");
	ck_assert_int_eq(mg_units_load_dir(&l, dir, &err), MG_ECONFIG);
	ck_assert(strstr(err.file, "0004_bad.sql") != NULL);
	mg_unit_list_free_all(&l);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(load_dir_missing)
{
	struct mg_unit_list l = MG_UNIT_LIST_INIT;
	struct mg_error err = MG_ERROR_INIT;

	ck_assert_int_eq(mg_units_load_dir(&l, "/nonexistent/versions", &err),
			 MG_ECONFIG);
	ck_assert_str_eq(err.file, "/nonexistent/versions");
	ck_assert_str_eq(err.msg, "cannot open the units folder: No such "
				  "file or directory");
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("unit");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, full_header);
	tcase_add_test(tc, root_and_merge);
	tcase_add_test(tc, dialect_sections_win);
	tcase_add_test(tc, missing_dialect_section);
	tcase_add_test(tc, c_unit_header);
	tcase_add_test(tc, sha256_of_file);
	tcase_add_loop_test(tc, bad_units, 0, (int)MG_ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, malformed_yaml_has_line);
	tcase_add_test(tc, load_dir_sorted_and_filtered);
	tcase_add_test(tc, load_dir_missing);
	suite_add_tcase(s, tc);
	return s;
}
