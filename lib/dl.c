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

static int missing(void *h, int code, const char *soname, const char *name,
		   struct mg_error *err)
{
	dlclose(h);
	return mg_error_set(err, code, NULL, 0, "cannot load %s: it has no %s",
			    soname, name);
}

int mg_pq_load(struct mg_error *err)
{
	struct mg_pq_api api;
	void *h;

	if (pq_handle)
		return MG_OK;
	h = open_lib(MG_LIBPQ_SONAME, "libpq, the PostgreSQL client library",
		     "libpq5", MG_ECONNECT, err);
	if (!h)
		return MG_ECONNECT;
#define RESOLVE(name)                                                   \
	if (resolve(h, #name, &api.name, sizeof(api.name)) != 0)       \
		return missing(h, MG_ECONNECT, MG_LIBPQ_SONAME, #name, err);
	MG_PQ_FUNCS(RESOLVE)
#undef RESOLVE
	mg_pq = api;
	pq_handle = h;
	return MG_OK;
}

int mg_sq_load(struct mg_error *err)
{
	struct mg_sq_api api;
	void *h;

	if (sq_handle)
		return MG_OK;
	h = open_lib(MG_LIBSQLITE_SONAME, "libsqlite3", "libsqlite3-0",
		     MG_ECONNECT, err);
	if (!h)
		return MG_ECONNECT;
#define RESOLVE(name)                                                   \
	if (resolve(h, #name, &api.name, sizeof(api.name)) != 0)       \
		return missing(h, MG_ECONNECT, MG_LIBSQLITE_SONAME, #name, \
			       err);
	MG_SQ_FUNCS(RESOLVE)
#undef RESOLVE
	mg_sq = api;
	sq_handle = h;
	/*
	 * Before SQLite initialises (the first sqlite3_open_v2): migrate
	 * uses SQLite from one thread only (the connection made while the
	 * units load is PostgreSQL's), so it needs none of SQLite's mutexes,
	 * nor its memory statistics, which take one on every allocation.
	 * Together ~4% of a 1,000-unit SQLite upgrade (docs/benchmarks.md).
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
	void *h;

	if (cr_handle)
		return MG_OK;
	h = open_lib(MG_LIBCRYPTO_SONAME, "libcrypto (OpenSSL)", "libssl3",
		     MG_ECONFIG, err);
	if (!h)
		return MG_ECONFIG;
#define RESOLVE(name)                                                   \
	if (resolve(h, #name, &api.name, sizeof(api.name)) != 0)       \
		return missing(h, MG_ECONFIG, MG_LIBCRYPTO_SONAME, #name, \
			       err);
	MG_CR_FUNCS(RESOLVE)
#undef RESOLVE
	mg_cr = api;
	cr_handle = h;
	return MG_OK;
}
