/*
 * pg_harness.h - a throwaway PostgreSQL cluster for the integration
 * suites, PostgreSQL's own Cluster.pm translated to C.
 *
 * pg_harness_start() runs initdb into a fresh folder (in /dev/shm when
 * there is one, else /tmp) and starts a server that listens on a private
 * Unix socket in that folder (trust authentication, user "postgres") and
 * on 127.0.0.1 at a free port (scram-sha-256, user "postgres" with
 * PG_HARNESS_PASSWORD), fsync off.  The process that started it stops
 * it by pid and removes the folder on exit, on SIGINT and on SIGTERM;
 * forked children (Check runs each test in one) never do.
 *
 * Call pg_harness_start() from an unchecked fixture, so it runs in the
 * runner's own process and the forked tests inherit the running cluster.
 */
#ifndef MG_PG_HARNESS_H
#define MG_PG_HARNESS_H

/* The password of role postgres, for TCP connections. */
#define PG_HARNESS_PASSWORD "Zq7-hunter2-Xv"

/*
 * The folder holding initdb and pg_ctl: $MG_PG_BINDIR, else
 * `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin; NULL
 * when none of them has an initdb.
 */
const char *pg_harness_bindir(void);

/*
 * Start the cluster, once per process (later calls return the first
 * result).  Returns 0 when it runs, 1 when there is no initdb (the
 * caller reports its tests as skipped), -1 when it failed to start (the
 * reason and the server log are printed on stderr).
 */
int pg_harness_start(void);

/* The Unix socket folder, the TCP port, the server log; after start. */
const char *pg_harness_socket_dir(void);
int pg_harness_port(void);
const char *pg_harness_log(void);

/*
 * A fresh, empty database (CREATE DATABASE ... TEMPLATE template0) named
 * after `tag`; returns its URL over the Unix socket,
 * postgresql:///NAME?host=DIR&port=PORT&user=postgres (malloc'd), or NULL
 * on failure (printed).  *name, when not NULL, gets the bare database
 * name (malloc'd).
 */
char *pg_harness_new_db(const char *tag, char **name);

/* Drop a database pg_harness_new_db made, closing its sessions. */
void pg_harness_drop_db(const char *name);

/* Stop the server and remove its folder (only in the starting process). */
void pg_harness_stop(void);

#endif
