/*
 * rss.c - run commands one after another, report wall time and peak RSS.
 *
 *   rss [-o FILE] [-i FILE] CMD [ARG...] [--- CMD [ARG...]]...
 *
 * Each command is started with posix_spawnp and reaped with wait4, so
 * its own rusage comes back with it.  The output is one line:
 *
 *   TOTAL_WALL WALL_1 CPU_1 RSS_1 WALL_2 CPU_2 RSS_2 ...
 *
 * walls in seconds (CLOCK_MONOTONIC, spawn to reap), CPU the child's user
 * plus system time in seconds, peak resident set sizes in KiB
 * (ru_maxrss).  The children's standard output and error go
 * to FILE (appended; default /dev/null), their standard input comes from
 * -i FILE (default /dev/null).  The first command that fails stops the
 * run: rss names it on standard error and exits 1.  It is make bench's
 * one measuring tool, so that a timing and an RSS come from the same run.
 *
 * posix_spawn shares this process's memory until the exec, and Linux
 * folds the old memory's high-water mark into the child's ru_maxrss: a
 * child's figure is never below rss's own (about 1.4 MiB), which is far
 * below anything make bench measures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_CMDS 16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: rss [-o FILE] [-i FILE] CMD [ARG...] "
		"[--- CMD [ARG...]]...\n");
	exit(2);
}

static double tv_sec(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/*
 * Runs argv[0] with the given file actions; fills *wall, *cpu and
 * *rss_kib.  Returns 0 when the child exited 0, else -1 after saying why.
 */
static int run_one(char **argv, const posix_spawn_file_actions_t *fa,
		   double *wall, double *cpu, long *rss_kib)
{
	struct rusage ru;
	pid_t pid;
	int status, e;
	double t0 = now();

	e = posix_spawnp(&pid, argv[0], fa, NULL, argv, environ);
	if (e) {
		fprintf(stderr, "rss: cannot start '%s': %s\n", argv[0],
			strerror(e));
		return -1;
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "rss: wait4 failed for '%s': %s\n",
				argv[0], strerror(errno));
			return -1;
		}
	}
	*wall = now() - t0;
	*cpu = tv_sec(&ru.ru_utime) + tv_sec(&ru.ru_stime);
	*rss_kib = ru.ru_maxrss;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "rss: '%s' exited %d\n", argv[0],
			WEXITSTATUS(status));
	else
		fprintf(stderr, "rss: '%s' killed by signal %d\n", argv[0],
			WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	return -1;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	const char *out = "/dev/null", *in = "/dev/null";
	char **cmds[MAX_CMDS];
	double walls[MAX_CMDS], cpus[MAX_CMDS], total = 0;
	long rss[MAX_CMDS];
	int ncmds = 0, opt, i, rc = 0;

	while ((opt = getopt(argc, argv, "+o:i:")) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'i':
			in = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmds[ncmds++] = argv + optind;
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "---"))
			continue;
		argv[i] = NULL;
		if (i + 1 >= argc || !strcmp(argv[i + 1], "---"))
			usage();
		if (ncmds == MAX_CMDS) {
			fprintf(stderr, "rss: more than %d commands\n",
				MAX_CMDS);
			return 2;
		}
		cmds[ncmds++] = argv + i + 1;
	}

	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, out,
					     O_WRONLY | O_CREAT | O_APPEND,
					     0644) ||
	    posix_spawn_file_actions_adddup2(&fa, 1, 2)) {
		fprintf(stderr, "rss: cannot set up redirections\n");
		return 2;
	}
	for (i = 0; i < ncmds; i++) {
		if (run_one(cmds[i], &fa, &walls[i], &cpus[i], &rss[i])) {
			rc = 1;
			break;
		}
		total += walls[i];
	}
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return rc;
	printf("%.6f", total);
	for (i = 0; i < ncmds; i++)
		printf(" %.6f %.6f %ld", walls[i], cpus[i], rss[i]);
	printf("\n");
	return fflush(stdout) ? 1 : 0;
}
