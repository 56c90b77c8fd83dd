/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything the command starts ends with gilprof. The command goes in a cgroup v2 of its own,
 * made under gilprof's own cgroup (so the limits put on the user's slice still hold), before it
 * execs; cgroup.kill ends all of it at once, daemons that left the process group included.
 * Without a usable cgroup2 the command gets a process group of its own instead, which is all
 * that can be killed then. A guardian process, forked before the command may run, kills the
 * tree when gilprof dies without saying it has done so itself (SIGKILL included).
 */
#ifndef GP_CONTAIN_H
#define GP_CONTAIN_H

#include <stdbool.h>
#include <sys/types.h>

struct gp_contain {
	int parent_fd; /* O_PATH: gilprof's own cgroup, which holds the command's */
	int dir_fd; /* O_PATH: the command's cgroup; -1 in process-group mode */
	int kill_fd; /* its cgroup.kill, opened ahead so a signal handler can write() it */
	int events_fd; /* its cgroup.events: "populated 0" once everything in it has exited */
	pid_t pgid; /* process-group mode: the command's group, else 0 */
	pid_t guard_pid; /* the guardian, or 0 */
	int guard_fd; /* write end of the guardian's pipe (only gilprof holds it) */
	bool ended; /* contain_end() emptied the tree and removed the cgroup */
	char name[32]; /* gilprof-<pid> */
};

/*
 * Make the command's cgroup. Without one, say so in one line on stderr and use a process group
 * (contain_add() makes it). Either way c is ready for contain_add().
 */
void contain_init(struct gp_contain *c);
/*
 * Put pid, forked and stopped before its exec, in the cgroup; if that fails, say so as
 * contain_init() would and make pid the leader of a new process group instead.
 */
void contain_add(struct gp_contain *c, pid_t pid);
/* The command is in a process group of its own (and so not in the terminal's foreground). */
bool contain_own_pgrp(const struct gp_contain *c);
/* Fork the guardian. 0, or -1 with a reason in err. */
int contain_guard(struct gp_contain *c, char *err, size_t errlen);
/* Kill everything in the tree now; async-signal-safe (one write() or kill()). */
void contain_kill_async(const struct gp_contain *c);
/*
 * Kill what is left of the tree, wait (bounded) for it to be gone and remove the cgroup.
 * Returns how many processes were still running, not counting cmd (the command itself, which
 * may have exited and wait to be reaped).
 */
int contain_end(struct gp_contain *c, pid_t cmd);
/*
 * Release everything. After a contain_end() that emptied the tree the guardian is told it is
 * not needed and reaped; otherwise it is left to kill the tree on its own.
 */
void contain_close(struct gp_contain *c);

#endif
