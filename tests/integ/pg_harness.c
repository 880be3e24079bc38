/*
 * pg_harness.c - a throwaway PostgreSQL cluster (see pg_harness.h).
 *
 * The recipe is Cluster.pm's: initdb -A trust -N, a private socket
 * folder, fsync off, pg_ctl -w start, the log printed when the start
 * fails.  initdb refuses to run as root, so as root the folder is given
 * to the `postgres` user and initdb and pg_ctl run through
 * `runuser -u postgres --`.  The server is stopped by the pid in
 * postmaster.pid (SIGQUIT, an immediate shutdown: the data is thrown
 * away anyway), never by name.
 */
#define _DEFAULT_SOURCE
#include "pg_harness.h"

#include "mg.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

static int state = 2;          /* 2: not tried; else pg_harness_start's */
static pid_t owner;            /* the process that started the server */
static volatile pid_t pm_pid;  /* the postmaster */
static char *bindir;
static int bindir_done;
static char dir[64];           /* /tmp/mg-pg-XXXXXX, fixed for signals */
static char log_path[96];
static int port;
static unsigned db_counter;

/* ------------------------------------------------------------------ */
/* Finding the binaries                                                 */

static int has_initdb(const char *d)
{
	char *p = mg_path_join(d, "initdb");
	int ok = access(p, X_OK) == 0;

	free(p);
	return ok;
}

static char *pg_config_bindir(void)
{
	FILE *f = popen("pg_config --bindir 2>/dev/null", "r");
	char line[4096];
	char *res = NULL;

	if (!f)
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			res = mg_strdup(line);
	}
	pclose(f);
	return res;
}

/* The bin folder of the newest /usr/lib/postgresql/N. */
static char *newest_debian_bindir(void)
{
	glob_t g;
	size_t i;
	long best = -1;
	char *res = NULL;

	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0)
		return NULL;
	for (i = 0; i < g.gl_pathc; i++) {
		long v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"),
				NULL, 10);

		if (v > best) {
			size_t n = strlen(g.gl_pathv[i]) - strlen("/initdb");

			best = v;
			free(res);
			res = mg_strndup(g.gl_pathv[i], n);
		}
	}
	globfree(&g);
	return res;
}

const char *pg_harness_bindir(void)
{
	const char *env = getenv("MG_PG_BINDIR");

	if (bindir_done)
		return bindir;
	bindir_done = 1;
	if (env && env[0]) {
		/* an explicit choice is not second-guessed */
		if (has_initdb(env))
			bindir = mg_strdup(env);
		return bindir;
	}
	bindir = pg_config_bindir();
	if (bindir && !has_initdb(bindir)) {
		free(bindir);
		bindir = NULL;
	}
	if (!bindir)
		bindir = newest_debian_bindir();
	return bindir;
}

/* ------------------------------------------------------------------ */
/* Running initdb and pg_ctl                                            */

/* Run bindir/prog with args, as postgres when we are root. */
static int run_pg_tool(const char *prog, const char *const *args,
		       struct tu_run *r)
{
	const char *argv[32];
	char *path = mg_path_join(bindir, prog);
	size_t n = 0, i;
	int st;

	if (geteuid() == 0) {
		argv[n++] = "runuser";
		argv[n++] = "-u";
		argv[n++] = "postgres";
		argv[n++] = "--";
	}
	argv[n++] = path;
	for (i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	st = tu_spawn(r, dir, NULL, argv, 0);
	free(path);
	return st;
}

static void print_run(const char *what, const struct tu_run *r)
{
	fprintf(stderr, "# pg_harness: %s failed (status %d)\n%s%s", what,
		r->status, r->out, r->err);
}

static void print_log(void)
{
	char *text = tu_slurp(log_path);

	fprintf(stderr, "# pg_harness: server log %s:\n%s\n", log_path,
		text ? text : "(none)");
	free(text);
}

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int p = 0;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		p = ntohs(a.sin_port);
	close(fd);
	return p;
}

/* The postmaster's pid: the first line of postmaster.pid. */
static pid_t read_pm_pid(void)
{
	char path[128];
	char *text;
	long v;

	snprintf(path, sizeof(path), "%s/data/postmaster.pid", dir);
	text = tu_slurp(path);
	if (!text)
		return 0;
	v = strtol(text, NULL, 10);
	free(text);
	return (pid_t)v;
}

/* "/proc/PID/stat" without snprintf, which signal handlers may not call */
static void proc_stat_path(char *out, size_t n, pid_t pid)
{
	char digits[24];
	size_t nd = 0, len = 0;
	unsigned long v = (unsigned long)pid;
	const char *pre = "/proc/", *post = "/stat";

	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && nd < sizeof(digits));
	while (*pre && len + 1 < n)
		out[len++] = *pre++;
	while (nd && len + 1 < n)
		out[len++] = digits[--nd];
	while (*post && len + 1 < n)
		out[len++] = *post++;
	out[len] = '\0';
}

/*
 * Is pid still running?  A zombie is not: the postmaster is no child of
 * ours, and whatever inherited it may never reap it.  Only
 * async-signal-safe calls, as the signal handler uses it.
 */
static int alive(pid_t pid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t n;
	int fd;

	if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
		return 0;
	proc_stat_path(path, sizeof(path), pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && p[2] == 'Z');
}

/* Signal the postmaster and wait up to `ms` for it to go (signal-safe). */
static void kill_and_wait(pid_t pid, unsigned ms)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	unsigned waited = 0;

	if (pid <= 0)
		return;
	kill(pid, SIGQUIT);
	while (alive(pid) && waited < ms) {
		nanosleep(&ts, NULL);
		waited += 20;
	}
	if (alive(pid))
		kill(pid, SIGKILL);
}

/* SIGINT/SIGTERM in the starting process: stop, clean up, die. */
static void on_signal(int sig)
{
	if (getpid() == owner && pm_pid > 0) {
		pid_t rm;

		kill_and_wait(pm_pid, 5000);
		pm_pid = 0;
		rm = fork();
		if (rm == 0) {
			execl("/bin/rm", "rm", "-rf", dir, (char *)NULL);
			_exit(127);
		}
		if (rm > 0)
			waitpid(rm, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	pg_harness_stop();
}

static int write_hba(void)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/data/pg_hba.conf", dir);
	f = fopen(path, "w"); /* the file exists: its owner stays */
	if (!f) {
		fprintf(stderr, "# pg_harness: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	fputs("# written by tests/integ/pg_harness.c\n"
	      "local all all trust\n"
	      "host all all 127.0.0.1/32 scram-sha-256\n"
	      "host all all ::1/128 scram-sha-256\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Connect to db `name` over the socket (NULL and printed on failure). */
static PGconn *admin_connect(const char *name)
{
	char *ci = mg_asprintf("host=%s port=%d user=postgres dbname=%s", dir,
			       port, name);
	PGconn *c = PQconnectdb(ci);

	free(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "# pg_harness: cannot connect: %s",
			PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

static int admin_exec(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "# pg_harness: %s: %s", sql,
			PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

static int start_server(void)
{
	char opts[256], portstr[16];
	const char *args[12];
	struct tu_run r;
	int attempt, st = -1;

	for (attempt = 0; attempt < 3 && st != 0; attempt++) {
		port = free_port();
		if (!port) {
			fprintf(stderr, "# pg_harness: no free TCP port\n");
			return -1;
		}
		snprintf(portstr, sizeof(portstr), "%d", port);
		snprintf(opts, sizeof(opts),
			 "-k %s -c listen_addresses=127.0.0.1 -p %d -F "
			 "-c fsync=off", dir, port);
		args[0] = "-w";
		args[1] = "-D";
		args[2] = "data";
		args[3] = "-l";
		args[4] = log_path;
		args[5] = "-o";
		args[6] = opts;
		args[7] = "start";
		args[8] = NULL;
		st = run_pg_tool("pg_ctl", args, &r);
		if (st != 0) {
			print_run("pg_ctl start", &r);
			print_log();
			/* a port taken meanwhile: try another */
			pm_pid = read_pm_pid();
			kill_and_wait(pm_pid, 5000);
			pm_pid = 0;
		}
		tu_run_release(&r);
	}
	return st == 0 ? 0 : -1;
}

static int start(void)
{
	static const char *const initdb_args[] = {
		"-D", "data", "-A", "trust", "-N", "-U", "postgres",
		"-E", "UTF8", "--no-locale", NULL
	};
	struct tu_run r;
	PGconn *c;
	int st;

	if (!pg_harness_bindir())
		return 1;
	/* tmpfs when there is one: CREATE DATABASE is ten times faster */
	snprintf(dir, sizeof(dir), "%s/mg-pg-XXXXXX",
		 access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "# pg_harness: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	owner = getpid();
	atexit(at_exit);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");

		if (!pw || chown(dir, pw->pw_uid, pw->pw_gid) != 0) {
			fprintf(stderr, "# pg_harness: running as root needs "
					"a 'postgres' user to own %s\n", dir);
			return -1;
		}
	}

	st = run_pg_tool("initdb", initdb_args, &r);
	if (st != 0)
		print_run("initdb", &r);
	tu_run_release(&r);
	if (st != 0 || write_hba() != 0 || start_server() != 0)
		return -1;
	pm_pid = read_pm_pid();

	c = admin_connect("postgres");
	if (!c) {
		print_log();
		return -1;
	}
	st = admin_exec(c, "ALTER ROLE postgres PASSWORD '"
			   PG_HARNESS_PASSWORD "'");
	PQfinish(c);
	return st;
}

int pg_harness_start(void)
{
	if (state == 2)
		state = start();
	return state;
}

const char *pg_harness_socket_dir(void)
{
	return dir;
}

int pg_harness_port(void)
{
	return port;
}

const char *pg_harness_log(void)
{
	return log_path;
}

char *pg_harness_new_db(const char *tag, char **name)
{
	struct mg_buf db = MG_BUF_INIT;
	char *sql, *url = NULL;
	PGconn *c;
	size_t i;

	if (name)
		*name = NULL;
	if (state != 0)
		return NULL;
	mg_buf_puts(&db, "t_");
	for (i = 0; tag[i] && i < 24; i++) {
		char ch = tag[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		mg_buf_putc(&db, (ch >= 'a' && ch <= 'z') ||
					 (ch >= '0' && ch <= '9') ? ch : '_');
	}
	mg_buf_printf(&db, "_%ld_%u", (long)getpid(), ++db_counter);

	c = admin_connect("postgres");
	if (!c)
		goto out;
	sql = mg_asprintf("CREATE DATABASE %s TEMPLATE template0",
			  mg_buf_str(&db));
	if (admin_exec(c, sql) == 0)
		url = mg_asprintf("postgresql:///%s?host=%s&port=%d"
				  "&user=postgres", mg_buf_str(&db), dir, port);
	free(sql);
	PQfinish(c);
out:
	if (url && name)
		*name = mg_buf_detach(&db);
	mg_buf_release(&db);
	return url;
}

void pg_harness_drop_db(const char *name)
{
	PGconn *c;
	char *sql;

	if (state != 0 || !name)
		return;
	c = admin_connect("postgres");
	if (!c)
		return;
	sql = mg_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	admin_exec(c, sql);
	free(sql);
	PQfinish(c);
}

void pg_harness_stop(void)
{
	if (state != 0 && state != -1)
		return;
	if (getpid() != owner)
		return;
	if (pm_pid <= 0)
		pm_pid = read_pm_pid();
	kill_and_wait(pm_pid, 10000);
	pm_pid = 0;
	if (dir[0])
		tu_rmrf(dir);
	dir[0] = '\0';
	state = -1;
	free(bindir);
	bindir = NULL;
	bindir_done = 0;
}
