/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The answer a report opens with: how parallel the program was, which lock serialised it, who
 * held that lock, how much faster it would run without the lock's waits (whatif.h), and what to
 * do about it. Pure: computed from the report's model and lock objects.
 *
 *   verdict
 *     wall 2.140 s, CPU 2.119 s: parallelism 0.99 of 2 CPUs (time with 0/1/2 threads running:
 *       0.4% 98.8% 0.8%)
 *     serialised by gil (pid 7382): 48.7% of the threads' time went to acquiring it; released
 *       by worker-0 51%, worker-1 49%, at gil_drop+0x66 <- gil_yield+0x44
 *     without its waits: 1.98x faster (2.140 s -> 1.081 s)
 *     how: ...
 *     advice: ...
 */
#ifndef GP_VERDICT_H
#define GP_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/lockobj.h"
#include "analyze/whatif.h"

#define GP_VERDICT_HIST 9 /* threads running at once: 0..7, and 8 or more */
#define GP_VERDICT_HOLDERS 3
/* A lock whose acquisitions take less of the threads' time than this serialises nobody. */
#define GP_VERDICT_MIN_SHARE 0.05

enum gp_advice {
	GP_ADV_NONE, /* no lock serialised it */
	GP_ADV_GIL, /* CPU-bound Python threads take turns on the GIL */
	GP_ADV_CONVOY, /* short holds, slow hand-offs */
	GP_ADV_SHRINK, /* a lock held long: shrink, split or remove its critical sections */
};

struct gp_verdict_holder {
	uint32_t tid;
	uint64_t ns; /* acquisitions its releases ended, by their wait */
};

struct gp_verdict {
	uint64_t wall_ns, cpu_ns, lifetime_ns;
	unsigned ncpus;
	double parallelism; /* cpu / wall */
	uint64_t hist[GP_VERDICT_HIST]; /* wall time with k threads running */
	const struct gp_lock_obj *lock; /* the serialising lock, NULL when none */
	double lock_share; /* its acquisitions over the lifetimes of the threads that waited */
	struct gp_verdict_holder holders[GP_VERDICT_HOLDERS];
	size_t nholders;
	/* a CPython GIL: who held it while its waiters waited, by the interpreter's own record
	 * (model/gilmem.h), ns being their waits; held_known false without that record */
	bool held_known;
	struct gp_verdict_holder held[GP_VERDICT_HOLDERS];
	size_t nheld;
	uint64_t held_total_ns; /* the waits that began with a holder named, all holders' */
	const struct gp_lock *release_word; /* its word with the most wait, for the release site */
	bool predicted;
	struct gp_whatif whatif;
	double predicted_speedup;
	uint64_t predicted_wall_ns;
	enum gp_advice advice;
	double retry_share; /* waits that were retries, of its waits */
	uint64_t wake_to_run_p50; /* of its top word */
};

struct gp_model;
struct gp_trace_stats;
/*
 * The verdict on m over [start, end], its locks as objs; capacity from the per-CPU figures when
 * stats has them. 0, or -ENOMEM.
 */
int verdict_build(const struct gp_model *m, const struct gp_trace_stats *stats, uint64_t start,
		  uint64_t end, const struct gp_lock_objs *objs, struct gp_verdict *v);
const char *advice_name(enum gp_advice a);

#endif
