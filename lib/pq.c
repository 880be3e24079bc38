/*
 * pq.c - load libpq on first use (see pq.h for why).
 */
#define MG_PQ_IMPL
#include "pq.h"

#include <dlfcn.h>

struct mg_pq_api mg_pq;

static void *pq_handle;

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

int mg_pq_load(struct mg_error *err)
{
	struct mg_pq_api api;
	void *h;
	const char *dlerr;

	if (pq_handle)
		return MG_OK;
	h = dlopen(MG_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		dlerr = dlerror();
		return mg_error_set(err, MG_ECONNECT, NULL, 0,
				    "cannot load libpq, the PostgreSQL client "
				    "library: %s (on Debian: apt-get install "
				    "libpq5)",
				    dlerr ? dlerr : MG_LIBPQ_SONAME);
	}
#define MG_PQ_RESOLVE(name)                                             \
	if (resolve(h, #name, &api.name, sizeof(api.name)) != 0) {     \
		dlclose(h);                                            \
		return mg_error_set(err, MG_ECONNECT, NULL, 0,         \
				    "cannot load libpq: %s has no %s", \
				    MG_LIBPQ_SONAME, #name);           \
	}
	MG_PQ_FUNCS(MG_PQ_RESOLVE)
#undef MG_PQ_RESOLVE
	mg_pq = api;
	pq_handle = h;
	return MG_OK;
}
