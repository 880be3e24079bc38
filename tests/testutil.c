/*
 * testutil.c - temp folders, files, and running programs with their
 * output captured (fork + exec + poll on two pipes).
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = xmalloc(strlen(s) + 1);

	strcpy(p, s);
	return p;
}

char *tu_path(const char *dir, const char *name)
{
	char *p = xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

char *tu_mkdtemp(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	char *p;

	if (!tmp || !tmp[0])
		tmp = "/tmp";
	p = xmalloc(strlen(tmp) + strlen(tag) + 32);
	sprintf(p, "%s/mg-%s-XXXXXX", tmp, tag);
	if (!mkdtemp(p)) {
		perror("mkdtemp");
		abort();
	}
	return p;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmrf(const char *path)
{
	if (path && path[0])
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_write(const char *dir, const char *name, const char *content)
{
	char *path = tu_path(dir, name);
	char *slash;
	FILE *f;

	for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		abort();
	}
	fputs(content, f);
	fclose(f);
	free(path);
}

char *tu_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	if (!*buf)
		abort();
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Split a wrapper command line on spaces (no quoting needed for ours). */
static size_t split_words(char *s, char **words, size_t max)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, " ", &save); tok && n < max;
	     tok = strtok_r(NULL, " ", &save))
		words[n++] = tok;
	return n;
}

int tu_spawn(struct tu_run *r, const char *cwd, const char *const *env,
	     const char *const *argv, int wrap)
{
	int out[2], err[2];
	size_t lout = 0, lerr = 0;
	pid_t pid;
	int st;

	r->out = xstrdup("");
	r->err = xstrdup("");
	r->status = -1;
	if (pipe(out) || pipe(err))
		abort();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		char *words[64];
		const char *full[160];
		size_t n = 0, i;
		char *wrapper = NULL;

		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		close(out[1]);
		close(err[1]);
		if (cwd && chdir(cwd) != 0) {
			perror(cwd);
			_exit(127);
		}
		for (i = 0; env && env[i]; i++) {
			const char *eq = strchr(env[i], '=');
			char name[256];

			if (!eq || (size_t)(eq - env[i]) >= sizeof(name))
				continue;
			memcpy(name, env[i], (size_t)(eq - env[i]));
			name[eq - env[i]] = '\0';
			if (eq[1])
				setenv(name, eq + 1, 1);
			else
				unsetenv(name);
		}
		if (wrap && getenv("MIGRATE_WRAPPER") &&
		    getenv("MIGRATE_WRAPPER")[0]) {
			size_t nw;

			wrapper = xstrdup(getenv("MIGRATE_WRAPPER"));
			nw = split_words(wrapper, words, 64);
			for (i = 0; i < nw; i++)
				full[n++] = words[i];
		}
		for (i = 0; argv[i] && n < 159; i++)
			full[n++] = argv[i];
		full[n] = NULL;
		execvp(full[0], (char *const *)(uintptr_t)full);
		fprintf(stderr, "exec %s: %s\n", full[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	{
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
		int open_fds = 2;
		char chunk[8192];

		while (open_fds > 0) {
			int k;

			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (k = 0; k < 2; k++) {
				ssize_t got;

				if (p[k].fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				got = read(p[k].fd, chunk, sizeof(chunk));
				if (got <= 0) {
					close(p[k].fd);
					p[k].fd = -1;
					open_fds--;
					continue;
				}
				if (k == 0)
					append(&r->out, &lout, chunk, (size_t)got);
				else
					append(&r->err, &lerr, chunk, (size_t)got);
			}
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->status = 128 + WTERMSIG(st);
	return r->status;
}

int tu_migrate(struct tu_run *r, const char *cwd, const char *const *env,
	       const char *const *argv)
{
	const char *bin = getenv("MIGRATE_BIN");
	static char defbin[4096];
	const char *full[128];
	size_t i;

	if (!bin || !bin[0]) {
		if (!getcwd(defbin, sizeof(defbin) - 32))
			abort();
		strcat(defbin, "/build/migrate");
		bin = defbin;
	}
	full[0] = bin;
	for (i = 0; argv[i] && i < 126; i++)
		full[i + 1] = argv[i];
	full[i + 1] = NULL;
	return tu_spawn(r, cwd, env, full, 1);
}

void tu_run_release(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

char *tu_first_line(const char *s)
{
	const char *nl = strchr(s, '\n');
	size_t n = nl ? (size_t)(nl - s) : strlen(s);
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
