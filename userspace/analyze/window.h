/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The figures of one window of a live trace (model_split), per process: where its threads' time
 * went, its locks by the time their acquisitions took in the window, its GIL. What gilprof
 * monitor adds to its counters and gilprof top shows for the last second. Pure: read from the
 * window's finished model and its lock objects.
 *
 *   window 12.000 s -> 13.000 s
 *     pid 4242 python3   running 0.998 s  runqueue 0.012 s  threads 3  parallelism 1.00
 *       lock CPython GIL     wait 0.981 s  acquisitions 201 (gil)
 *       lock counter_lock    wait 0.004 s  acquisitions 3
 *       GIL wait 0.981 s, held 0.990 s
 */
#ifndef GP_WINDOW_H
#define GP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/lockobj.h"
#include "model/model.h"

struct gp_wlock {
	char name[128]; /* the lock object's name (lockobj.h) */
	uint64_t wait_ns; /* its acquisitions' time inside the window */
	/* contended acquisitions that began in the window: one carried in from the window before
	 * (its wait spans the cut) was counted there */
	uint64_t acquisitions;
	bool gil;
};

struct gp_wproc {
	uint32_t tgid;
	char comm[GP_COMM_LEN];
	bool exited; /* its last thread died in the window */
	unsigned threads; /* alive at the window's end */
	uint64_t running_ns, runq_ns, lifetime_ns;
	uint64_t gil_wait_ns, gil_held_ns; /* of its most-waited GIL (gilstats.h) */
	bool has_gil;
	struct gp_wlock *locks; /* by wait, most first; thread joins are not locks */
	size_t nlocks;
};

struct gp_window {
	uint64_t start, end;
	struct gp_wproc *procs; /* in the model's order of appearance */
	size_t nprocs;
};

/* The window that m (finished, from model_split) covers; objs are m's lock objects, named by
 * name/ctx (for the GIL's switch_cond). 0, or -ENOMEM. */
int window_build(const struct gp_model *m, const struct gp_lock_objs *objs, gp_namer_fn name,
		 void *ctx, struct gp_window *w);
void window_free(struct gp_window *w);
/* Running time over the window's length: how many CPUs the process kept busy on average. */
double window_parallelism(const struct gp_window *w, const struct gp_wproc *p);

#endif
