/* SPDX-License-Identifier: GPL-2.0 */
/* Start the target stopped, so it can be traced from its first instruction, as the invoking
 * user, and report how it ended the way a shell would. */
#ifndef GP_LAUNCH_H
#define GP_LAUNCH_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>
#include "util/creds.h"

/* Where the command's stdout goes. */
enum gp_launch_stdout {
	GP_LAUNCH_STDOUT_KEEP, /* gilprof's own */
	GP_LAUNCH_STDOUT_NULL, /* /dev/null */
	GP_LAUNCH_STDOUT_STDERR, /* gilprof's stderr: gilprof's stdout carries a file (as perf does) */
	GP_LAUNCH_STDOUT_FD, /* a descriptor of the caller's (a memfd it reads once the child ends) */
	GP_LAUNCH_DETACHED, /* stdin, stdout and stderr on /dev/null: gilprof top has the terminal */
};

/* How the child is started, besides its command. */
struct gp_launch_opts {
	const struct gp_creds *creds; /* the child becomes this user; NULL: it stays root */
	enum gp_launch_stdout out;
	int out_fd; /* GP_LAUNCH_STDOUT_FD: what becomes its stdout (its only copy: the caller's
		     * descriptor is close-on-exec) */
	const cpu_set_t *cpus; /* it and all it starts run on these CPUs; NULL: on any */
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
 * Fork the child, stopped before exec. It becomes o->creds' user and dies with gilprof
 * (PR_SET_PDEATHSIG); its stdout goes where o->out says, on the CPUs o->cpus says.
 */
int launch_prepare(const char *path, char *const argv[], const struct gp_launch_opts *o,
		   struct gp_launch *l, char *err, size_t errlen);
/*
 * Let the child exec, first making itself a process group leader with own_pgrp. Returns 0, or
 * the shell-style status (126/127) if exec failed.
 */
int launch_go(struct gp_launch *l, bool own_pgrp, char *err, size_t errlen);
/* Shell-style exit status from a wait status: the code, or 128 + signal. */
int launch_exit_status(int wstatus);

#endif
