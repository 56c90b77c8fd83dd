/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Options shared by commands: those of every report (run, report) and those of every live
 * session (run, record). Each command adds its own and parses them with getopt_long.
 */
#ifndef GP_OPTS_H
#define GP_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include "export/outputs.h"
#include "collect/session.h"

/* getopt values of the shared long options without a short one */
enum {
	OPT_JSON = 256,
	OPT_TOP_LOCKS,
	OPT_LOCK,
	OPT_LINES,
	OPT_FOLDED,
	OPT_FLAMEGRAPH,
	OPT_PPROF,
	OPT_SPEEDSCOPE,
	OPT_VIEW,
	OPT_TOP_WAKERS,
	OPT_AS_ROOT,
	OPT_BUFFER_MB,
	OPT_CALL_GRAPH,
	OPT_NO_STATUS,
	OPT_RECORD,
	OPT_HTML,
	OPT_TRACE,
	OPT_ADDRESSES,
	OPT_CMD_BASE, /* a command's own options from here */
};

#define OPTS_REPORT_LONG                                                                       \
	{"output", required_argument, NULL, 'o'}, {"json", required_argument, NULL, OPT_JSON}, \
		{"top-locks", required_argument, NULL, OPT_TOP_LOCKS},                         \
		{"lock", required_argument, NULL, OPT_LOCK},                                   \
		{"lines", no_argument, NULL, OPT_LINES},                                       \
		{"folded", required_argument, NULL, OPT_FOLDED},                               \
		{"flamegraph", required_argument, NULL, OPT_FLAMEGRAPH},                       \
		{"pprof", required_argument, NULL, OPT_PPROF},                                 \
		{"speedscope", required_argument, NULL, OPT_SPEEDSCOPE},                       \
		{"view", required_argument, NULL, OPT_VIEW},                                   \
		{"html", required_argument, NULL, OPT_HTML},                                   \
		{"trace", required_argument, NULL, OPT_TRACE},                                 \
		{"addresses", no_argument, NULL, OPT_ADDRESSES},                               \
	{                                                                                      \
		"top-wakers", required_argument, NULL, OPT_TOP_WAKERS                          \
	}

#define OPTS_SESSION_LONG                                                \
	{"as-root", no_argument, NULL, OPT_AS_ROOT},                     \
		{"buffer-mb", required_argument, NULL, OPT_BUFFER_MB},   \
		{"call-graph", required_argument, NULL, OPT_CALL_GRAPH}, \
		{"freq", required_argument, NULL, 'F'},                  \
		{"no-status", no_argument, NULL, OPT_NO_STATUS},         \
	{                                                                \
		"verbose", no_argument, NULL, 'v'                        \
	}

struct gp_cli_report {
	struct gp_report_opts r;
	const char *path[GP_OUT_COUNT]; /* by enum gp_out_id; NULL when not asked for */
};

#define GP_MAX_PIDS 256

struct gp_cli_session {
	struct gp_session_opts s;
	bool as_root;
	int pids[GP_MAX_PIDS]; /* -p */
	size_t npids;
};

void opts_report_init(struct gp_cli_report *o);
/* A report option: 1 when c is one (value checked), 0 when it is not, -1 after printing why. */
int opts_report(const char *cmd, int c, const char *arg, struct gp_cli_report *o);
bool opts_report_profiles(const struct gp_cli_report *o);
bool opts_report_any_file(const struct gp_cli_report *o);
/* The outputs to open, with the options that named them. */
void opts_report_reqs(const struct gp_cli_report *o, struct gp_out_req req[GP_OUT_COUNT]);
void opts_report_usage(FILE *f);

void opts_session_init(struct gp_cli_session *o);
int opts_session(const char *cmd, int c, const char *arg, struct gp_cli_session *o);
void opts_session_usage(FILE *f);
/*
 * Who the target runs as and files are opened by (SUDO_UID/SUDO_GID), --as-root's limit, what
 * tracing needs, and the broker that acts as the user: 0, or an exit status after one line.
 */
int opts_session_check(const char *cmd, struct gp_cli_session *o, struct gp_creds *creds);
/* -p against a command: what is traced is one or the other. 0, or 2 after one line. */
int opts_session_target(const char *cmd, struct gp_cli_session *o, char *const *argv);

#endif
