/* SPDX-License-Identifier: GPL-2.0 */
/* Pure derivations over a finished model: totals, how well the time split closed, rankings. */
#ifndef GP_ANALYSIS_H
#define GP_ANALYSIS_H

#include "model/model.h"

struct gp_totals {
	unsigned nthreads;
	uint64_t lifetime;
	uint64_t bucket[GP_B_COUNT];
	uint64_t running_cpu[GP_MAX_CPUS];
	uint64_t nvcsw, nivcsw, migrations, wakeups;
};

struct gp_closure {
	uint64_t max_abs_err_ns; /* worst |sum of buckets - lifetime| over threads */
	double max_rel_err; /* the same relative to that thread's lifetime */
	uint32_t worst_tid;
	unsigned threads;
};

void totals_add_thread(struct gp_totals *tot, const struct gp_thread *t, unsigned ncpus);
void totals_of_process(struct gp_totals *tot, const struct gp_process *p, unsigned ncpus);
void totals_of_model(struct gp_totals *tot, const struct gp_model *m);
struct gp_closure analysis_closure(const struct gp_model *m);
/* Locks sorted by total wait, descending; the array is malloc'd, NULL on failure or none. */
struct gp_lock **analysis_locks_by_wait(const struct gp_model *m, size_t *n);
/* Wake pairs sorted by count, descending. */
struct gp_wake_pair **analysis_pairs_by_count(const struct gp_model *m, size_t *n);
/* Names a futex word of a process: 0 when by a symbol, 1 by mapping only, -errno unknown. */
typedef int (*gp_namer_fn)(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len);

/*
 * Does a futex word match a --lock filter: an address ("0x55d0c0a04040") or a name, matching the
 * word's full name ("gil+0x50"), its object ("gil", the name before '+' or '.') or its label?
 */
bool lock_filter_match(const char *filter, uint64_t uaddr, const char *name);

/* Time on each CPU from switch-in to switch-out tracepoint (the threads' timelines), as the
 * kernel-side per-CPU accounting counts it; per_cpu has m->ncpus entries. */
void analysis_oncpu_spans(const struct gp_model *m, uint64_t *per_cpu);

/* Effective parallelism: running time of all threads over the wall time. */
double analysis_parallelism(const struct gp_totals *tot, uint64_t wall_ns);

#endif
