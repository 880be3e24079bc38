/*
 * ucache.c - the header cache: what the last load of a units folder
 * parsed from each file's header, so that the next load parses only the
 * files that changed.
 *
 * Parsing a header with libyaml costs ~25 us; a folder of 10,000 units
 * costs more to parse than `heads` may take (issue 5's 50 ms).  Like
 * Python's __pycache__ and git's index, the cache keys each entry on
 * what stat() says of the file: size, inode, device, mtime and ctime,
 * to the nanosecond.  ctime cannot be set from user space, so a file
 * replaced with other content under the same mtime (rsync -t, tar) still
 * misses.  A file written shortly before the load began is not cached at
 * all: a second write in the same timestamp tick would otherwise go
 * unseen (git's "racily clean" entries).  "Shortly" is 100 ms where the
 * file system keeps sub-second times, 3 s where it does not (a time with
 * no nanoseconds).
 *
 * Only headers are cached, never SQL: a unit that runs is read from its
 * file (mg_unit_load_body), and its header checked against the cache's.
 *
 * The file is $MIGRATE_CACHE_DIR/units-HASH, else
 * $XDG_CACHE_HOME/migrate/units-HASH, else ~/.cache/migrate/units-HASH,
 * HASH naming the folder's real path (which the file also records).
 * MIGRATE_NO_CACHE=1 turns the cache off.  The cache is an optimisation
 * only: a missing, unreadable, foreign or corrupt file is ignored, and a
 * failed save is silent.  It is written to a temporary file and renamed,
 * so readers never see half a file.
 *
 * The cache also keeps the folder's own stat and every unit file name
 * it listed.  A folder's times change whenever a file in it is created,
 * removed or renamed, so while its stat is the one recorded (and was
 * settled, as above), the names are the recorded ones and the folder is
 * not listed again: 10,000 names cost ~5 ms to list and sort.  Each
 * file is still stat'ed, for a change in place.
 *
 * Format (native byte order; the magic and a byte-order word reject a
 * file from another machine):
 *
 *   "MGUCACHE" u32 version u32 0x01020304 u32 count str folder
 *   u8 folder stat recorded, stat of the folder
 *   count x entry, sorted by name
 *   u64 checksum (sum64) of everything before it
 *
 *   entry: str name, u8 header recorded; if it is, stat of the file,
 *          u8 kind, u8 transactional, str revision, u32 n + n x str
 *          down_revisions, the same for depends_on and branch_labels,
 *          str message, str create_date
 *   stat:  u64 size ino dev, i64 mtime_s mtime_ns ctime_s ctime_ns
 *   str:   u32 length (0xffffffff for none) + bytes + a NUL byte
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "mg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "MGUCACHE"
#define VERSION 3u
#define BYTE_ORDER_MARK 0x01020304u
#define NONE 0xffffffffu

struct entry {
	const char *name; /* into data, NUL-terminated */
	uint32_t name_len;
	size_t off;       /* of the stat fields, or 0: no header recorded */
};

struct mg_ucache {
	char *file;       /* where it is saved */
	char *folder;     /* real path of the units folder */
	/*
	 * The file, mapped (not read: a copy of a 10,000-unit cache is 350
	 * pages to fault in), or NULL.
	 */
	const char *data;
	size_t len;
	struct entry *v;
	size_t n;
	int have_dir;       /* dir is the folder's stat when it was saved */
	struct mg_ustat dir;
};

/* ------------------------------------------------------------------ */

static uint64_t fnv1a64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/*
 * The file's checksum, against truncation and stray writes (not an
 * attacker: whoever can write the cache can write the units).  Eight
 * bytes a step: FNV-1a byte by byte cost more than the rest of reading
 * a 10,000-unit cache.
 */
static uint64_t sum64(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 31;
	}
	while (n--) {
		h = (h ^ (unsigned char)*p++) * 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 29;
	}
	return h;
}

static int env_on(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] && strcmp(v, "0") != 0;
}

/* The cache folder, malloc'd, or NULL when there is none. */
static char *cache_dir(void)
{
	const char *v = getenv("MIGRATE_CACHE_DIR");

	if (v && v[0])
		return mg_strdup(v);
	v = getenv("XDG_CACHE_HOME");
	if (v && v[0] == '/')
		return mg_path_join(v, "migrate");
	v = getenv("HOME");
	if (v && v[0] == '/')
		return mg_asprintf("%s/.cache/migrate", v);
	return NULL;
}

/* mkdir -p, mode 0700 for what it creates. */
static int mkdirs(const char *dir)
{
	char *p = mg_strdup(dir), *s;
	int rc = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */

struct reader {
	const char *p, *end;
	int bad;
};

static const char *take(struct reader *r, size_t n)
{
	const char *at = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	return at;
}

static uint32_t get_u32(struct reader *r)
{
	uint32_t v = 0;
	const char *at = take(r, sizeof(v));

	if (at)
		memcpy(&v, at, sizeof(v));
	return v;
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t v = 0;
	const char *at = take(r, sizeof(v));

	if (at)
		memcpy(&v, at, sizeof(v));
	return v;
}

/* A string: *s points into the data (NUL-terminated), or NULL. */
static void get_str(struct reader *r, const char **s, uint32_t *n)
{
	*n = get_u32(r);
	*s = NULL;
	if (*n == NONE)
		return;
	*s = take(r, (size_t)*n + 1);
	if (*s && (*s)[*n] != '\0') {
		r->bad = 1;
		*s = NULL;
	}
}

static void get_stat(struct reader *r, struct mg_ustat *st)
{
	st->size = get_u64(r);
	st->ino = get_u64(r);
	st->dev = get_u64(r);
	st->mtime_s = (int64_t)get_u64(r);
	st->mtime_ns = (int64_t)get_u64(r);
	st->ctime_s = (int64_t)get_u64(r);
	st->ctime_ns = (int64_t)get_u64(r);
}

static void skip_strs(struct reader *r)
{
	uint32_t n = get_u32(r), i;
	const char *s;
	uint32_t len;

	for (i = 0; i < n && !r->bad; i++)
		get_str(r, &s, &len);
}

/* Skip one entry's recorded header: the stat fields, the header. */
static void skip_entry(struct reader *r)
{
	const char *s;
	uint32_t n;

	take(r, 7 * 8 + 2);
	get_str(r, &s, &n); /* revision */
	skip_strs(r);
	skip_strs(r);
	skip_strs(r);
	get_str(r, &s, &n);
	get_str(r, &s, &n);
}

static void unmap(struct mg_ucache *c)
{
	if (c->data)
		munmap((void *)(uintptr_t)c->data, c->len);
	c->data = NULL;
}

/* Parse the data into the entry index; 0 if it is sound. */
static int index_data(struct mg_ucache *c)
{
	struct reader r;
	uint64_t sum;
	uint32_t count, i;
	const char *folder, *flag;
	uint32_t folder_len;

	if (c->len < 8 + 8 || memcmp(c->data, MAGIC, 8))
		return -1;
	memcpy(&sum, c->data + c->len - 8, 8);
	if (sum != sum64(c->data, c->len - 8))
		return -1;
	r.p = c->data + 8;
	r.end = c->data + c->len - 8;
	r.bad = 0;
	if (get_u32(&r) != VERSION || get_u32(&r) != BYTE_ORDER_MARK)
		return -1;
	count = get_u32(&r);
	get_str(&r, &folder, &folder_len);
	if (r.bad || !folder || folder_len != strlen(c->folder) ||
	    memcmp(folder, c->folder, folder_len))
		return -1;
	flag = take(&r, 1);
	c->have_dir = flag && *flag == 1;
	get_stat(&r, &c->dir);
	if (r.bad || count > (size_t)(r.end - r.p) / 6) /* 6: the least */
		return -1;
	c->v = mg_calloc(count ? count : 1, sizeof(*c->v));
	for (i = 0; i < count && !r.bad; i++) {
		struct entry *e = &c->v[i];

		get_str(&r, &e->name, &e->name_len);
		if (!e->name)
			r.bad = 1;
		flag = take(&r, 1);
		if (flag && *flag) {
			e->off = (size_t)(r.p - c->data);
			skip_entry(&r);
		}
		/* sorted and unique, for the binary search */
		if (i && !r.bad) {
			const struct entry *p = &c->v[i - 1];
			size_t m = p->name_len < e->name_len ? p->name_len
							      : e->name_len;
			int cmp = memcmp(p->name, e->name, m);

			if (cmp > 0 || (cmp == 0 && p->name_len >= e->name_len))
				r.bad = 1;
		}
	}
	if (r.bad || r.p != r.end) {
		free(c->v);
		c->v = NULL;
		return -1;
	}
	c->n = count;
	return 0;
}

struct mg_ucache *mg_ucache_open(const char *dir)
{
	struct mg_ucache *c;
	char *cdir, *real, name[32];
	struct stat st;
	int fd;

	if (env_on("MIGRATE_NO_CACHE"))
		return NULL;
	cdir = cache_dir();
	if (!cdir)
		return NULL;
	real = realpath(dir, NULL);
	if (!real) {
		free(cdir);
		return NULL;
	}
	c = mg_calloc(1, sizeof(*c));
	c->folder = real;
	snprintf(name, sizeof(name), "units-%016llx",
		 (unsigned long long)fnv1a64(real, strlen(real)));
	c->file = mg_path_join(cdir, name);
	free(cdir);

	fd = open(c->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return c;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < ((uint64_t)1 << 32)) {
		void *map;

		c->len = (size_t)st.st_size;
		map = mmap(NULL, c->len, PROT_READ, MAP_PRIVATE, fd, 0);
		c->data = map == MAP_FAILED ? NULL : map;
		if (c->data && index_data(c) != 0)
			unmap(c);
		if (!c->data)
			c->len = 0;
	}
	close(fd);
	return c;
}

void mg_ucache_free(struct mg_ucache *c)
{
	if (!c)
		return;
	free(c->file);
	free(c->folder);
	unmap(c);
	free(c->v);
	free(c);
}

void mg_ustat_from(struct mg_ustat *u, const struct stat *st)
{
	u->size = (uint64_t)st->st_size;
	u->ino = (uint64_t)st->st_ino;
	u->dev = (uint64_t)st->st_dev;
	u->mtime_s = (int64_t)st->st_mtim.tv_sec;
	u->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	u->ctime_s = (int64_t)st->st_ctim.tv_sec;
	u->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

int mg_ustat_eq(const struct mg_ustat *a, const struct mg_ustat *b)
{
	return a->size == b->size && a->ino == b->ino && a->dev == b->dev &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

static const struct entry *find(const struct mg_ucache *c, const char *name)
{
	size_t lo = 0, hi = c->n, len = strlen(name);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct entry *e = &c->v[mid];
		size_t m = e->name_len < len ? e->name_len : len;
		int cmp = memcmp(e->name, name, m);

		if (cmp == 0)
			cmp = e->name_len < len ? -1 : e->name_len > len;
		if (cmp == 0)
			return e;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Building a unit from an entry: the unit, its pointer arrays and its
 * strings in one allocation (mg_unit.slab), as loading 10,000 units
 * one malloc per string costs more than reading the cache.
 */
struct packer {
	char **ptrs; /* next free pointer slot */
	char *str;   /* next free string byte */
};

/* Copy the next string of r into the block, or NULL for none. */
static char *pack_str(struct reader *r, struct packer *k)
{
	const char *s;
	uint32_t n;
	char *at;

	get_str(r, &s, &n);
	if (!s)
		return NULL;
	at = k->str;
	memcpy(at, s, n);
	at[n] = '\0';
	k->str += n + 1;
	return at;
}

static char **pack_strs(struct reader *r, struct packer *k, size_t *n)
{
	uint32_t count = get_u32(r), i;
	char **v = k->ptrs;

	*n = count;
	if (!count)
		return NULL;
	k->ptrs += count;
	for (i = 0; i < count; i++) {
		v[i] = pack_str(r, k);
		if (!v[i]) { /* not written by mg_ucache_save */
			r->bad = 1;
			*k->str = '\0'; /* measure() counted a byte for it */
			v[i] = k->str++;
		}
	}
	return v;
}

/* Bytes and pointer slots the strings of an entry need. */
static void measure(struct reader r, size_t *bytes, size_t *ptrs)
{
	const char *s;
	uint32_t n, i, k;

	*bytes = 0;
	*ptrs = 0;
	get_str(&r, &s, &n); /* revision */
	*bytes += s ? n + 1 : 0;
	for (k = 0; k < 3; k++) {
		uint32_t count = get_u32(&r);

		*ptrs += count;
		for (i = 0; i < count && !r.bad; i++) {
			get_str(&r, &s, &n);
			*bytes += s ? n + 1 : 1;
		}
	}
	for (k = 0; k < 2; k++) {
		get_str(&r, &s, &n);
		*bytes += s ? n + 1 : 0;
	}
}

int mg_ucache_names(const struct mg_ucache *c, const struct mg_ustat *dir,
		    const char ***names, size_t *n)
{
	size_t i;

	if (!c || !c->data || !c->have_dir || !mg_ustat_eq(&c->dir, dir))
		return 0;
	*names = mg_calloc(c->n ? c->n : 1, sizeof(**names));
	for (i = 0; i < c->n; i++)
		(*names)[i] = c->v[i].name;
	*n = c->n;
	return 1;
}

struct mg_unit *mg_ucache_get(const struct mg_ucache *c, size_t hint,
			      const char *dir, const char *name,
			      const struct mg_ustat *st,
			      struct mg_slab **slab)
{
	const struct entry *e;
	struct mg_ustat was;
	struct reader r;
	struct packer k;
	struct mg_unit *u;
	struct mg_slab *owner;
	const unsigned char *flags;
	size_t bytes, ptrs, plen;

	if (!c || !c->n)
		return NULL;
	if (hint < c->n && c->v[hint].name == name)
		e = &c->v[hint]; /* name is the cache's own (mg_ucache_names) */
	else
		e = find(c, name);
	if (!e || !e->off)
		return NULL;
	r.p = c->data + e->off;
	r.end = c->data + c->len - 8;
	r.bad = 0;
	get_stat(&r, &was);
	flags = (const unsigned char *)take(&r, 2);
	if (!flags || !mg_ustat_eq(&was, st))
		return NULL;
	measure(r, &bytes, &ptrs);
	plen = mg_path_join_into(NULL, dir, name);
	u = mg_slab_alloc(slab, sizeof(*u) + ptrs * sizeof(char *) + plen +
				  1 + bytes, &owner);
	memset(u, 0, sizeof(*u));
	u->slab = owner;
	u->body = &u->body_store;
	u->stat = *st;
	k.ptrs = (char **)(u + 1);
	k.str = (char *)(k.ptrs + ptrs);
	u->path = k.str;
	mg_path_join_into(k.str, dir, name);
	k.str += plen + 1;
	u->kind = flags[0] ? MG_UNIT_C : MG_UNIT_SQL;
	u->transactional = flags[1];
	u->revision = pack_str(&r, &k);
	u->down_revisions = pack_strs(&r, &k, &u->ndown);
	u->depends_on = pack_strs(&r, &k, &u->ndepends);
	u->branch_labels = pack_strs(&r, &k, &u->nlabels);
	u->message = pack_str(&r, &k);
	u->create_date = pack_str(&r, &k);
	if (r.bad || !u->revision) { /* cannot be: index_data walked it */
		mg_unit_free(u);
		return NULL;
	}
	return u;
}

/* ------------------------------------------------------------------ */
/* Saving                                                               */

static void put_u32(struct mg_buf *b, uint32_t v)
{
	mg_buf_add(b, (const char *)&v, sizeof(v));
}

static void put_u64(struct mg_buf *b, uint64_t v)
{
	mg_buf_add(b, (const char *)&v, sizeof(v));
}

static void put_str(struct mg_buf *b, const char *s)
{
	if (!s) {
		put_u32(b, NONE);
		return;
	}
	put_u32(b, (uint32_t)strlen(s));
	mg_buf_add(b, s, strlen(s) + 1);
}

static void put_stat(struct mg_buf *b, const struct mg_ustat *st)
{
	put_u64(b, st->size);
	put_u64(b, st->ino);
	put_u64(b, st->dev);
	put_u64(b, (uint64_t)st->mtime_s);
	put_u64(b, (uint64_t)st->mtime_ns);
	put_u64(b, (uint64_t)st->ctime_s);
	put_u64(b, (uint64_t)st->ctime_ns);
}

static void put_strs(struct mg_buf *b, char *const *v, size_t n)
{
	size_t i;

	put_u32(b, (uint32_t)n);
	for (i = 0; i < n; i++)
		put_str(b, v[i]);
}

/* Was the file last changed long enough before the load began? */
static int settled(const struct mg_ustat *st, int64_t start_ns)
{
	const int64_t fine = 100000000, coarse = 3000000000;
	int64_t margin = st->mtime_ns && st->ctime_ns ? fine : coarse;
	int64_t m = st->mtime_s * 1000000000 + st->mtime_ns;
	int64_t c = st->ctime_s * 1000000000 + st->ctime_ns;

	return m < start_ns - margin && c < start_ns - margin;
}

int64_t mg_ucache_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void mg_ucache_save(const struct mg_ucache *c, const struct mg_ustat *dir,
		    const char *const *names, struct mg_unit *const *units,
		    size_t n, int64_t start_ns)
{
	struct mg_buf b = MG_BUF_INIT;
	size_t i;
	unsigned char flags[2];
	struct mg_ustat none;
	uint64_t sum;
	char *tmp, *cdir, *slash;
	int fd, ok;

	if (!c)
		return;
	mg_buf_add(&b, MAGIC, 8);
	put_u32(&b, VERSION);
	put_u32(&b, BYTE_ORDER_MARK);
	put_u32(&b, (uint32_t)n); /* every name, with a header or not */
	put_str(&b, c->folder);
	memset(&none, 0, sizeof(none));
	flags[0] = dir && settled(dir, start_ns);
	mg_buf_add(&b, (const char *)flags, 1);
	put_stat(&b, dir ? dir : &none);
	for (i = 0; i < n; i++) {
		const struct mg_unit *u = units[i];
		const struct mg_ustat *st = u ? &u->stat : NULL;

		put_str(&b, names[i]);
		flags[0] = u && settled(st, start_ns);
		mg_buf_add(&b, (const char *)flags, 1);
		if (!flags[0])
			continue;
		put_stat(&b, st);
		flags[0] = u->kind == MG_UNIT_C;
		flags[1] = (unsigned char)(u->transactional != 0);
		mg_buf_add(&b, (const char *)flags, 2);
		put_str(&b, u->revision);
		put_strs(&b, u->down_revisions, u->ndown);
		put_strs(&b, u->depends_on, u->ndepends);
		put_strs(&b, u->branch_labels, u->nlabels);
		put_str(&b, u->message);
		put_str(&b, u->create_date);
	}
	sum = sum64(b.ptr, b.len);
	put_u64(&b, sum);

	cdir = mg_strdup(c->file);
	slash = strrchr(cdir, '/');
	if (slash)
		*slash = '\0';
	tmp = mg_asprintf("%s.%ld.tmp", c->file, (long)getpid());
	ok = mkdirs(cdir) == 0;
	fd = ok ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
		: -1;
	if (fd >= 0) {
		const char *p = b.ptr;
		size_t left = b.len;

		while (left) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				ok = 0;
				break;
			}
			p += w;
			left -= (size_t)w;
		}
		if (close(fd) != 0)
			ok = 0;
		if (!ok || rename(tmp, c->file) != 0)
			unlink(tmp);
	}
	free(tmp);
	free(cdir);
	mg_buf_release(&b);
}
