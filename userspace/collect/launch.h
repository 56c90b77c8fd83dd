/* SPDX-License-Identifier: GPL-2.0 */
/* Start the target stopped, so it can be traced from its first instruction, as the invoking
 * user, and report how it ended the way a shell would. */
#ifndef GP_LAUNCH_H
#define GP_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>
#include "util/creds.h"

/* Where the command's stdout goes. */
enum gp_launch_stdout {
	GP_LAUNCH_STDOUT_KEEP, /* gilprof's own */
	GP_LAUNCH_STDOUT_NULL, /* /dev/null */
	GP_LAUNCH_STDOUT_STDERR, /* gilprof's stderr: gilprof's stdout carries a file (as perf does) */
	GP_LAUNCH_DETACHED, /* stdin, stdout and stderr on /dev/null: gilprof top has the terminal */
};

struct gp_launch {
	pid_t pid;
	int go_fd; /* write end: one byte lets the child exec */
	int err_fd; /* read end: the child writes errno here if exec fails (close-on-exec) */
};

/* Find argv0 on PATH like execvp. Returns 0 with the path, or 127 (not found) / 126 (not
 * executable) with a message in err. */
int launch_resolve(const char *argv0, char *path, size_t pathlen, char *err, size_t errlen);
/*
 * Fork the child, stopped before exec. It becomes creds' user (NULL: stays root) and dies with
 * gilprof (PR_SET_PDEATHSIG); its stdout goes where out says.
 */
int launch_prepare(const char *path, char *const argv[], const struct gp_creds *creds,
		   enum gp_launch_stdout out, struct gp_launch *l, char *err, size_t errlen);
/*
 * Let the child exec, first making itself a process group leader with own_pgrp. Returns 0, or
 * the shell-style status (126/127) if exec failed.
 */
int launch_go(struct gp_launch *l, bool own_pgrp, char *err, size_t errlen);
/* Shell-style exit status from a wait status: the code, or 128 + signal. */
int launch_exit_status(int wstatus);

#endif
