/*
 * fuzz_header.c - libFuzzer target for the unit parser, mg_unit_parse
 * (the YAML header in leading comment lines, then the sections).
 *
 * The input is parsed as a SQL unit and as a C unit.  Besides crashes,
 * leaks and sanitizer reports it checks the result's shape: on success a
 * revision, a NUL-terminated copy of the text, and sections that lie
 * inside it, each of which then goes through the splitter; on failure a
 * NULL unit and an error with a category and a message.
 */
#include "mg.h"

#include <stdint.h>

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_header: %s\n", what);
	abort();
}

static void check_unit(const char *path, const char *text, size_t len)
{
	struct mg_unit *u = (struct mg_unit *)(uintptr_t)1;
	struct mg_error err = MG_ERROR_INIT;
	size_t i;
	int rc;

	rc = mg_unit_parse(&u, path, text, len, &err);
	if (rc != MG_OK) {
		if (u != NULL)
			fail("a unit returned with an error");
		if (err.code != rc || err.msg[0] == '\0')
			fail("an error without a category or a message");
		return;
	}
	if (!u || !u->revision || !u->body->text || u->body->len != len ||
	    u->body->text[len] != '\0' ||
	    memcmp(u->body->text, text, len) != 0)
		fail("a unit without its revision or text");
	if (u->body->nsections > MG_UNIT_SECTIONS_MAX)
		fail("too many sections");
	for (i = 0; i < u->body->nsections; i++) {
		const struct mg_section *s = &u->body->sections[i];
		struct mg_stmt_list list = MG_STMT_LIST_INIT;
		enum mg_dialect d = s->dialect == MG_DIALECT_SQLITE ?
				    MG_DIALECT_SQLITE : MG_DIALECT_PG;

		if (s->off > len || s->len > len - s->off || s->line == 0)
			fail("a section outside the text");
		if (mg_sql_split(u->body->text + s->off, s->len, d, u->path,
				 s->line, &list, &err) == MG_OK) {
			size_t k;

			for (k = 0; k < list.n; k++)
				if (list.v[k].line < s->line)
					fail("a statement before its section");
		}
		mg_stmt_list_release(&list);
	}
	mg_unit_free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, not NUL-terminated: overreads are caught */
	char *copy = mg_malloc(size);

	if (size)
		memcpy(copy, data, size);
	check_unit("0001_x.sql", copy, size);
	check_unit("0001_x.c", copy, size);
	free(copy);
	return 0;
}
