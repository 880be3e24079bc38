/*
 * cmd.h - the command-line front end.
 *
 * main.c parses the global options and dispatches from one table of
 * commands; each command is a main-like function that returns an exit
 * code.  Only cmd/ prints and decides exit codes; it reaches the library
 * through migrate.h alone.
 */
#ifndef MG_CMD_H
#define MG_CMD_H

#include "migrate.h"

#include <stdio.h>

/* Global options, shared by every command. */
struct cli {
	const char *config_path;  /* -c */
	const char *url;          /* --url */
	const char *xargs[64];    /* -x key=value */
	size_t nxargs;
	int verbosity;            /* -1 quiet, 0 normal, 1 verbose */
	unsigned wait_ms;         /* --wait[=SECONDS] */
	const char *prog;
	struct mg_config cfg;
	int cfg_loaded;
};

/* A command: name, function, one-line summary, usage text. */
struct cmd_spec {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;
};

const struct cmd_spec *cmd_find(const char *name);
void cmd_print_usage(FILE *f, const struct cmd_spec *c);

/* Output helpers (out.c). */
void out_error(const struct mg_error *err);
int out_usage_error(const struct cmd_spec *c, const char *fmt, ...)
	MG_PRINTF(2, 3);
void out_info(const struct cli *cli, const char *fmt, ...) MG_PRINTF(2, 3);
void out_hooks(struct cli *cli, struct mg_hooks *h);
void out_json_str(FILE *f, const char *s);
/* Alembic's "A, B -> C" arrow text for a unit. */
void out_arrow(FILE *f, const struct mg_unit *u, enum mg_direction dir);

/* Load the config (once); on error print it and return its exit code. */
int cli_load_config(struct cli *cli);
/*
 * Load config + units + graph, and connect when `connect` (the connection
 * is made while the units load; CLI_CONNECT_CURRENT also reads the version
 * table then, for mg_session_current); on error print and return the exit
 * code.
 */
#define CLI_CONNECT_CURRENT 2
int cli_open_session(struct cli *cli, struct mg_session **out, int connect);

/* The commands. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_revision(struct cli *cli, int argc, char **argv);
int cmd_merge(struct cli *cli, int argc, char **argv);
int cmd_upgrade(struct cli *cli, int argc, char **argv);
int cmd_downgrade(struct cli *cli, int argc, char **argv);
int cmd_stamp(struct cli *cli, int argc, char **argv);
int cmd_current(struct cli *cli, int argc, char **argv);
int cmd_history(struct cli *cli, int argc, char **argv);
int cmd_heads(struct cli *cli, int argc, char **argv);
int cmd_branches(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_schema(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_build(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);

#endif
