/*
 * cr.h - libcrypto, loaded when the first SHA-256 is computed.
 *
 * As pq.h for libpq: linking libcrypto cost every command ~4 ms of start-
 * up (its relocations; docs/benchmarks.md), and `heads`, `history`,
 * `current` or a run with nothing to do never hash a unit.  A PostgreSQL
 * run gets the library anyway, as libpq links it; dlopen then finds it
 * loaded.  unit.c includes this header and calls EVP_* by their usual
 * names; mg_cr_load() dlopens the library by the SONAME the Makefile
 * reads (MG_LIBCRYPTO_SONAME).
 */
#ifndef MG_CR_H
#define MG_CR_H

#include <openssl/evp.h>

#include "mg.h"

#ifndef MG_LIBCRYPTO_SONAME
#define MG_LIBCRYPTO_SONAME "libcrypto.so.3"
#endif

/* Every libcrypto function migrate calls. */
#define MG_CR_FUNCS(X)                                                 \
	X(EVP_Digest)                                                  \
	X(EVP_MD_fetch)

#define MG_CR_MEMBER(name) __typeof__(name) *name;
struct mg_cr_api {
	MG_CR_FUNCS(MG_CR_MEMBER)
};
#undef MG_CR_MEMBER

extern struct mg_cr_api mg_cr;

/*
 * Load libcrypto once (later calls return at once).  On failure err says
 * which file could not be loaded and why (MG_ECONFIG).
 */
int mg_cr_load(struct mg_error *err);

#ifndef MG_CR_IMPL
#define EVP_Digest (*mg_cr.EVP_Digest)
#define EVP_MD_fetch (*mg_cr.EVP_MD_fetch)
#endif

#endif
