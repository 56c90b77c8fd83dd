// SPDX-License-Identifier: GPL-2.0
/* gilprof: a table of subcommands with prefix matching; each lives in its own cmd_*.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cmd.h"

static const struct gp_cmd cmds[] = {
	{"run", cmd_run, "trace a command (or a bundled workload) and report where its time went"},
	{"record", cmd_record, "trace a command or running processes into a recording"},
	{"report", cmd_report, "report a recording, as run would have"},
	{"diff", cmd_diff, "compare two recordings: what got faster or slower, and which lock"},
	{"top", cmd_top, "a live view of where threads' time goes, redrawn every second"},
	{"monitor", cmd_monitor,
	 "trace processes until stopped: Prometheus metrics, a flight recorder, pprof"},
	{"workloads", cmd_workloads, "list the bundled workloads"},
	{"flamegraph", cmd_flamegraph, "render folded stacks to an interactive SVG flame graph"},
	{"help", cmd_help, "show this help, or a command's ('help COMMAND')"},
	{"version", cmd_version, "print the version"},
};

static const struct gp_cmd *cmd_find(const char *name);

static void cmd_names(char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", cmds[i].name);
}

/* gilprof help COMMAND is gilprof COMMAND --help, with the same prefixes as the commands. */
int cmd_help(int argc, char **argv)
{
	static char help_opt[] = "--help";
	const struct gp_cmd *cmd;
	char names[256];
	size_t i;

	if (argc > 2) {
		fprintf(stderr, "gilprof help: one command at a time, not '%s %s'\n", argv[1],
			argv[2]);
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		cmd = cmd_find(argv[1]);
		if (!cmd) {
			cmd_names(names, sizeof(names));
			fprintf(stderr,
				"gilprof help: unknown or ambiguous command '%s' (commands: %s)\n",
				argv[1], names);
			return 2;
		}
		if (cmd->fn != cmd_help) {
			char *args[] = {(char *)cmd->name, help_opt, NULL};

			return cmd->fn(2, args);
		}
	}
	printf("usage: gilprof COMMAND [OPTIONS]\n\ncommands (any unique prefix works):\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-10s %s\n", cmds[i].name, cmds[i].help);
	printf("\n'gilprof help COMMAND' (or 'gilprof COMMAND --help') shows a command's options;\n"
	       "'man gilprof' is the manual.\n");
	return 0;
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: gilprof version\n\nPrint gilprof's version (also "
		       "'gilprof --version').\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "gilprof version: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	printf("gilprof %s\n", GP_VERSION);
	return 0;
}

static const struct gp_cmd *cmd_find(const char *name)
{
	const struct gp_cmd *found = NULL;
	size_t i, len = strlen(name);

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
		if (!strncmp(cmds[i].name, name, len)) {
			if (found)
				return NULL; /* ambiguous */
			found = &cmds[i];
		}
	}
	return found;
}

/* Output that never reached stdout (/dev/full, a closed pipe) is an error, not a success. */
static int stdout_close(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gilprof: cannot write stdout: %s\n",
			errno ? strerror(errno) : "write error");
		return ret ? ret : 1;
	}
	return ret;
}

/*
 * A closed stdin, stdout or stderr would be taken by the next open (a socket, an output file)
 * and written as if it were the report. Fill stdin with /dev/null and stdout and stderr with a
 * pipe that nobody reads, so writing them fails loudly (EPIPE) instead of silently.
 */
static void stdio_guard(void)
{
	int p[2], fd;

	/* Every command: a write to a closed pipe is an error to report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (fcntl(STDIN_FILENO, F_GETFD) < 0 && (fd = open("/dev/null", O_RDONLY)) > 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	for (fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || pipe(p))
			continue;
		if (p[1] != fd) {
			dup2(p[1], fd);
			close(p[1]);
		}
		if (p[0] != fd)
			close(p[0]);
	}
}

int main(int argc, char **argv)
{
	const struct gp_cmd *cmd;

	stdio_guard();
	if (argc < 2) {
		cmd_help(0, NULL);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return stdout_close(cmd_help(0, NULL));
	if (!strcmp(argv[1], "--version"))
		return stdout_close(cmd_version(0, NULL));
	cmd = cmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "gilprof: unknown or ambiguous command '%s' (try 'gilprof help')\n",
			argv[1]);
		return 2;
	}
	return stdout_close(cmd->fn(argc - 1, argv + 1));
}
