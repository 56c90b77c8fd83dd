/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GP_CMD_H
#define GP_CMD_H

#define GP_VERSION "0.1.0"

struct gp_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int cmd_run(int argc, char **argv);
int cmd_workloads(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
