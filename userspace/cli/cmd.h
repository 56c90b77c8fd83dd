/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GP_CMD_H
#define GP_CMD_H

#include "util/version.h"

struct gp_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int cmd_run(int argc, char **argv);
int cmd_workloads(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

struct gp_session_opts;
/* The tour (gilprof run with no command): every experiment, or the one called name; the
 * figures also to the file json when not NULL. 0, or an exit status after one line. */
int tour_run(const struct gp_session_opts *o, const char *name, const char *json);

#endif
