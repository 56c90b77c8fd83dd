/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What if a lock's waits disappeared? A replay of the recorded timelines on the machine's CPUs:
 * each thread becomes its sequence of CPU work and waits; a wait that another traced thread ended
 * (a wakeup, a lock's release, a thread's exit) ends when that thread gets as far in its own
 * sequence as it was when it woke it; a wait ended by a timer, a signal or an untraced task keeps
 * its length; a thread forked by a traced one starts when its parent reaches the fork. Run-queue
 * time is not replayed: the replay shares the CPUs out itself (processor sharing over the CPU
 * capacity the traced program had: the CPUs less what other tasks used). The replay runs twice,
 * as recorded and without the lock's acquisitions (the waits, and the CPU and run-queue time of
 * the retries between them), and the prediction is the ratio of the two, so that
 * what the replay does not model (caches, the lock's own cost) cancels out.
 * (wPerf's wait-for graph and Coz's virtual speedup are the models followed.)
 */
#ifndef GP_WHATIF_H
#define GP_WHATIF_H

#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

/* A span of a thread's life to remove: an acquisition of the lock (analyze/lockobj.h), from its
 * first futex wait to the thread's return to a CPU, the retries between included. */
struct gp_whatif_span {
	uint32_t tid;
	uint64_t start, end;
};

/* What the lock cost its waiters: spans sorted by tid, then start. */
struct gp_whatif_lock {
	const struct gp_whatif_span *spans;
	size_t n;
};

struct gp_whatif {
	double capacity; /* CPUs the program had: ncpus less other tasks' share */
	uint64_t base_ns; /* the replay as recorded */
	uint64_t without_ns; /* the replay without the lock's waits */
	double speedup; /* base_ns / without_ns */
	uint64_t removed_ns; /* wait time removed */
	uint64_t forced; /* dependency cycles the replay had to break (0 when all went well) */
};

/*
 * Replay m (its timelines) on capacity CPUs, as recorded and without lock's waits (lock NULL:
 * only as recorded). 0 with w filled, -ENOMEM, or -ENODATA without timelines.
 */
int whatif_run(const struct gp_model *m, double capacity, const struct gp_whatif_lock *lock,
	       struct gp_whatif *w);

#endif
