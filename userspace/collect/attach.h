/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching to running processes (gilprof run -p PID): each thread of a process is marked traced
 * where it stands, with what /proc says it was doing (running, blocked, inside a futex wait), and
 * that snapshot goes into the event stream as a GP_EV_ATTACH; threads and processes it starts
 * later are marked by the BPF fork hook. Nothing is done to the process itself: no ptrace stop, no
 * signal; when tracing ends the BPF programs go and it runs on as before.
 */
#ifndef GP_ATTACH_H
#define GP_ATTACH_H

#include <stddef.h>
#include <sys/types.h>
#include "collect/collector.h"

struct gp_attach {
	pid_t pid;
	int pidfd; /* holds the process: its pid names no other while this is open */
	char comm[GP_COMM_LEN];
};

/*
 * May pid be attached to: a process (not a thread of one), not a kernel thread, not gilprof, and
 * one the invoking user may trace (asuser_may_trace()). Fills a. 0, or -errno with one line in
 * err.
 */
int attach_check(pid_t pid, struct gp_attach *a, char *err, size_t errlen);
/*
 * Mark every thread of a's process traced, each with its GP_EV_ATTACH into c's stream, until a
 * scan of its threads finds none unmarked. The number of threads marked, or -errno with err.
 */
int attach_threads(struct gp_collector *c, const struct gp_attach *a, char *err, size_t errlen);
void attach_close(struct gp_attach *a);

/* The parsers of the snapshot, for tests. A /proc/PID/task/TID/stat line into ev's comm and
 * state (and the task's flags): 0, -ESRCH for a dead task, -EINVAL. */
int attach_parse_stat(const char *stat, struct gp_ev_attach *ev, unsigned long *flags);
/* A /proc/PID/task/TID/syscall line: sets ev's futex wait when a blocked ev is inside one (pid's
 * memory is read for futex_waitv's first word). Returns 1 when that wait has a timeout. */
int attach_parse_syscall(const char *line, pid_t pid, struct gp_ev_attach *ev);
/* The kernel's switch counters from a /proc/PID/task/TID/status text. */
void attach_parse_status(const char *status, struct gp_ev_attach *ev);

#endif
