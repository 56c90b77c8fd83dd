/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters of a live trace, window after window (window.h): per process, per lock of a process,
 * per command name (comm) over every process of that name, and the drops. What gilprof monitor
 * serves as metrics. Pure, and bounded whatever the traced programs do:
 *
 *   - a process has series of its own while it lives and for keep_exited after, then it is
 *     freed; its time stays in its comm's totals. Past max_procs live processes, the next ones
 *     share one entry, pid "other".
 *   - a process's first top_locks locks (in the order their waits were first seen, most-waited
 *     first within a window) get series of their own; the rest add up to lock "other". The
 *     choice is kept for the process's life, so that each series only ever grows (a counter
 *     that moved from one label to another would read as a reset).
 *   - past max_comms command names, the next ones add up to comm "other".
 *
 *   pid 4242 python3  running 12.3 s  runqueue 0.4 s  GIL wait 10.1 s  held 11.0 s
 *     lock "CPython GIL"   wait 10.1 s  acquisitions 2011
 *     lock "other"         wait  0.1 s  acquisitions 12
 *   comm python3: running 80.1 s in 31 processes
 */
#ifndef GP_METRICS_H
#define GP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/window.h"
#include "util/hashmap.h"

#define GP_METRICS_OTHER "other"
#define GP_METRICS_MAX_LOSSES 24

struct gp_metrics_opts {
	unsigned top_locks; /* locks with series of their own, per process */
	unsigned max_procs; /* live processes with series of their own */
	unsigned max_comms; /* command names with totals of their own */
	uint64_t keep_exited_ns; /* an exited process's series stay this long (final scrapes) */
};

struct gp_mlock {
	char name[128];
	uint64_t wait_ns, acquisitions;
	uint64_t last_wait_ns; /* in the last window */
};

struct gp_mproc {
	uint32_t tgid; /* 0 for the entry "other" */
	char comm[GP_COMM_LEN];
	bool exited;
	uint64_t exited_at; /* end of the window it exited in */
	uint64_t seen_at; /* end of the last window it was in */
	unsigned threads; /* alive at the last window's end */
	double parallelism; /* in the last window it was in */
	uint64_t running_ns, runq_ns, gil_wait_ns, gil_held_ns;
	uint64_t last_running_ns, last_runq_ns, last_gil_wait_ns; /* in that window */
	uint64_t last_window_ns; /* its length */
	bool has_gil;
	struct gp_mlock *locks; /* labelled locks, in the order they got their label */
	size_t nlocks;
	struct gp_mlock other; /* every other lock */
};

struct gp_mcomm {
	char comm[GP_COMM_LEN];
	uint64_t running_ns, runq_ns, lock_wait_ns, gil_wait_ns, gil_held_ns;
	uint64_t processes; /* processes seen with this name */
};

struct gp_metrics {
	struct gp_metrics_opts o;
	struct gp_mproc **procs; /* with series of their own, in order of appearance */
	size_t nprocs, capprocs;
	struct gp_mproc other; /* the live processes past max_procs */
	bool other_used;
	struct gp_hashmap by_tgid; /* tgid -> its entry (one of procs, or &other) */
	struct gp_mcomm *comms; /* in order of appearance, then comm "other" */
	size_t ncomms, capcomms;
	struct gp_mcomm other_comm;
	bool other_comm_used;
	uint64_t windows, first_ts, last_ts;
	/* cumulative drops by cause (struct gp_loss keys of analyze/report.h), set by the caller */
	const char *loss_key[GP_METRICS_MAX_LOSSES];
	uint64_t loss[GP_METRICS_MAX_LOSSES];
	size_t nlosses;
};

void metrics_init(struct gp_metrics *mt, const struct gp_metrics_opts *o);
void metrics_free(struct gp_metrics *mt);
/* Add a window's figures. 0, or -ENOMEM (the counters then miss part of this window). */
int metrics_add(struct gp_metrics *mt, const struct gp_window *w);
/* Free the processes that exited keep_exited_ns or more before now. */
void metrics_expire(struct gp_metrics *mt, uint64_t now);
/* The entry of a process (NULL if none; &mt->other for one past max_procs). */
const struct gp_mproc *metrics_proc(const struct gp_metrics *mt, uint32_t tgid);
/* The sum of a process's lock waits, labelled and other. */
uint64_t metrics_lock_wait(const struct gp_mproc *p);

#endif
