/*
 * util.c - memory, strings, files, clock and the error value.
 */
#define _DEFAULT_SOURCE /* madvise, MADV_POPULATE_WRITE */
#include "mg.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static void oom(size_t n)
{
	fprintf(stderr, "migrate: fatal: out of memory (%zu bytes)\n", n);
	abort();
}

void *mg_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *mg_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *mg_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

void *mg_reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return mg_realloc(p, nmemb * size);
}

#if defined(__GLIBC__) && defined(MADV_POPULATE_WRITE)
/*
 * Big blocks from the heap too (not from mmaps of their own, faulted in
 * page by page), and freed memory kept for reuse rather than handed back.
 */
static void heap_tune(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}
#endif

void mg_heap_reserve(size_t bytes)
{
#if defined(__GLIBC__) && defined(MADV_POPULATE_WRITE)
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
	char *p;

	pthread_once(&once, heap_tune);
	if (bytes < (64u << 10) || bytes > (32u << 20))
		return;
	p = malloc(bytes);
	if (!p)
		return;
	lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	hi = ((uintptr_t)p + bytes) & ~(page - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
	free(p);
#else
	(void)bytes;
#endif
}

/* ------------------------------------------------------------------ */

#define SLAB_BYTES (64u << 10)

struct mg_slab {
	atomic_size_t refs;
	size_t used, cap;
};

/* Where a slab's bytes start: after the header, aligned for any type. */
#define SLAB_HEAD                                                       \
	((sizeof(struct mg_slab) + _Alignof(max_align_t) - 1) &          \
	 ~(_Alignof(max_align_t) - 1))

static struct mg_slab *slab_new(size_t cap)
{
	struct mg_slab *s = mg_malloc(SLAB_HEAD + cap);

	atomic_init(&s->refs, 1);
	s->used = 0;
	s->cap = cap;
	return s;
}

void *mg_slab_alloc(struct mg_slab **cur, size_t n, struct mg_slab **owner)
{
	struct mg_slab *s = *cur;

	n = (n + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
	if (n > SLAB_BYTES / 8) { /* a block of its own, held by it alone */
		s = slab_new(n);
		s->used = n;
		*owner = s;
		return (char *)s + SLAB_HEAD;
	}
	if (!s || s->cap - s->used < n) {
		mg_slab_unref(s);
		s = *cur = slab_new(SLAB_BYTES);
	}
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	s->used += n;
	*owner = s;
	return (char *)s + SLAB_HEAD + s->used - n;
}

void mg_slab_unref(struct mg_slab *s)
{
	if (s && atomic_fetch_sub_explicit(&s->refs, 1,
					   memory_order_acq_rel) == 1)
		free(s);
}

/* ------------------------------------------------------------------ */

char *mg_strdup(const char *s)
{
	return mg_strndup(s, strlen(s));
}

char *mg_strndup(const char *s, size_t n)
{
	char *p = mg_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *mg_asprintf(const char *fmt, ...)
{
	struct mg_buf b = MG_BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	mg_grow(&b.ptr, &b.cap, (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return b.ptr;
}

void mg_grow(void *pv, size_t *cap, size_t need, size_t size)
{
	void **p = pv;
	size_t c = *cap;

	if (need <= c)
		return;
	if (c < 8)
		c = 8;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			oom(SIZE_MAX);
		c *= 2;
	}
	*p = mg_reallocarray(*p, c, size);
	*cap = c;
}

double mg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int mg_read_file(const char *path, char **out, size_t *len,
		 struct mg_error *err)
{
	FILE *f = fopen(path, "rb");
	struct mg_buf b = MG_BUF_INIT;
	char chunk[16384];
	size_t n;

	*out = NULL;
	if (len)
		*len = 0;
	if (!f)
		return mg_error_set(err, MG_ECONFIG, path, 0,
				    "cannot open: %s", strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mg_buf_add(&b, chunk, n);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		mg_buf_release(&b);
		return mg_error_set(err, MG_ECONFIG, path, 0,
				    "cannot read: %s", strerror(e));
	}
	fclose(f);
	if (len)
		*len = b.len;
	if (!b.ptr)
		b.ptr = mg_strdup("");
	*out = b.ptr;
	return MG_OK;
}

size_t mg_path_join_into(char *dst, const char *a, const char *b)
{
	size_t la = 0, lb = strlen(b), sep = 0;

	if (b[0] != '/' && a && a[0]) {
		la = strlen(a);
		sep = a[la - 1] != '/';
	}
	if (dst) {
		if (la)
			memcpy(dst, a, la);
		if (sep)
			dst[la] = '/';
		memcpy(dst + la + sep, b, lb + 1);
	}
	return la + sep + lb;
}

char *mg_path_join(const char *a, const char *b)
{
	char *p = mg_malloc(mg_path_join_into(NULL, a, b) + 1);

	mg_path_join_into(p, a, b);
	return p;
}

/* ------------------------------------------------------------------ */

void mg_buf_add(struct mg_buf *b, const char *s, size_t n)
{
	mg_grow(&b->ptr, &b->cap, b->len + n + 1, 1);
	if (n)
		memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void mg_buf_puts(struct mg_buf *b, const char *s)
{
	mg_buf_add(b, s, strlen(s));
}

void mg_buf_putc(struct mg_buf *b, char c)
{
	mg_buf_add(b, &c, 1);
}

void mg_buf_printf(struct mg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mg_grow(&b->ptr, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void buf_quoted(struct mg_buf *b, const char *s, char q)
{
	mg_buf_putc(b, q);
	for (; *s; s++) {
		if (*s == q)
			mg_buf_putc(b, q);
		mg_buf_putc(b, *s);
	}
	mg_buf_putc(b, q);
}

void mg_buf_sql_literal(struct mg_buf *b, const char *s)
{
	buf_quoted(b, s, '\'');
}

void mg_buf_sql_ident(struct mg_buf *b, const char *s)
{
	buf_quoted(b, s, '"');
}

const char *mg_buf_str(const struct mg_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *mg_buf_detach(struct mg_buf *b)
{
	char *p = b->ptr ? b->ptr : mg_strdup("");

	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void mg_buf_reset(struct mg_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void mg_buf_release(struct mg_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ */

int mg_error_vset(struct mg_error *err, int code, const char *file,
		  unsigned line, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->line = line;
	if (file)
		snprintf(err->file, sizeof(err->file), "%s", file);
	else
		err->file[0] = '\0';
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int mg_error_set(struct mg_error *err, int code, const char *file,
		 unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mg_error_vset(err, code, file, line, fmt, ap);
	va_end(ap);
	return code;
}

void mg_error_clear(struct mg_error *err)
{
	err->code = MG_OK;
	err->line = 0;
	err->file[0] = '\0';
	err->msg[0] = '\0';
}

const char *mg_dialect_name(enum mg_dialect d)
{
	switch (d) {
	case MG_DIALECT_SQLITE:
		return "sqlite";
	case MG_DIALECT_PG:
		return "postgresql";
	case MG_DIALECT_ANY:
		break;
	}
	return "any";
}

int mg_is_plain_ident(const char *s)
{
	size_t i;

	if (!s || !s[0] || strlen(s) > 63)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      s[0] == '_'))
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

void mg_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
