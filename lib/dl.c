/*
 * dl.c - libpq, libsqlite3 and libcrypto, loaded on first use (pq.h says
 * why).
 */
#define MG_CR_IMPL
#define MG_PQ_IMPL
#define MG_SQ_IMPL
#include "cr.h"
#include "pq.h"
#include "sq.h"

#include <dlfcn.h>

struct mg_pq_api mg_pq;
struct mg_sq_api mg_sq;
struct mg_cr_api mg_cr;

static void *pq_handle, *sq_handle, *cr_handle;

/*
 * The address of name in handle, stored into the function pointer at
 * slot.  POSIX guarantees a function's address converts through void *;
 * memcpy says so without the cast ISO C frowns on.
 */
static int resolve(void *handle, const char *name, void *slot, size_t size)
{
	void *sym = dlsym(handle, name);

	if (!sym)
		return -1;
	memcpy(slot, &sym, size);
	return 0;
}

/* dlopen soname; on failure err (code) says what to install. */
static void *open_lib(const char *soname, const char *what, const char *deb,
		      int code, struct mg_error *err)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	const char *why;

	if (h)
		return h;
	why = dlerror();
	mg_error_set(err, code, NULL, 0,
		     "cannot load %s: %s (on Debian: apt-get install %s)",
		     what, why ? why : soname, deb);
	return NULL;
}

/* One function to find: its name and the table slot it goes to. */
struct sym {
	const char *name;
	void *slot;
	size_t size;
};

#define SYM(name) { #name, &api.name, sizeof(api.name) },

/*
 * dlopen soname and fill every slot of syms[n]; NULL on failure, err
 * (code) saying what to install or which function is missing.
 */
static void *load(const char *soname, const char *what, const char *deb,
		  int code, const struct sym *syms, size_t n,
		  struct mg_error *err)
{
	void *h = open_lib(soname, what, deb, code, err);
	size_t i;

	for (i = 0; h && i < n; i++)
		if (resolve(h, syms[i].name, syms[i].slot, syms[i].size)) {
			mg_error_set(err, code, NULL, 0,
				     "cannot load %s: it has no %s", soname,
				     syms[i].name);
			dlclose(h);
			h = NULL;
		}
	return h;
}

int mg_pq_load(struct mg_error *err)
{
	struct mg_pq_api api;
	const struct sym syms[] = { MG_PQ_FUNCS(SYM) };

	if (pq_handle)
		return MG_OK;
	pq_handle = load(MG_LIBPQ_SONAME,
			 "libpq, the PostgreSQL client library", "libpq5",
			 MG_ECONNECT, syms, MG_ARRAY_SIZE(syms), err);
	if (!pq_handle)
		return MG_ECONNECT;
	mg_pq = api;
	return MG_OK;
}

int mg_sq_load(struct mg_error *err)
{
	struct mg_sq_api api;
	const struct sym syms[] = { MG_SQ_FUNCS(SYM) };

	if (sq_handle)
		return MG_OK;
	sq_handle = load(MG_LIBSQLITE_SONAME, "libsqlite3", "libsqlite3-0",
			 MG_ECONNECT, syms, MG_ARRAY_SIZE(syms), err);
	if (!sq_handle)
		return MG_ECONNECT;
	mg_sq = api;
	/*
	 * Before SQLite initialises (the first sqlite3_open_v2): migrate
	 * uses SQLite from one thread only (the connection made while the
	 * units load is PostgreSQL's), so it needs none of SQLite's mutexes,
	 * nor its memory statistics, which take one on every allocation.
	 * Together ~4% of a 1,000-unit SQLite upgrade (docs/internals.md).
	 * A process that initialised SQLite already (a test runner) keeps
	 * its settings: sqlite3_config then fails, harmlessly.
	 */
	(void)api.sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	(void)api.sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	return MG_OK;
}

int mg_cr_load(struct mg_error *err)
{
	struct mg_cr_api api;
	const struct sym syms[] = { MG_CR_FUNCS(SYM) };

	if (cr_handle)
		return MG_OK;
	cr_handle = load(MG_LIBCRYPTO_SONAME, "libcrypto (OpenSSL)", "libssl3",
			 MG_ECONFIG, syms, MG_ARRAY_SIZE(syms), err);
	if (!cr_handle)
		return MG_ECONFIG;
	mg_cr = api;
	return MG_OK;
}
