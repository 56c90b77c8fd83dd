/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where time went, by stack: cells keyed by (thread, what the time was, stack, second stack,
 * futex word) holding a weight (ns, or samples for on-CPU). The model fills it from stack
 * references; profile views (on, off, wall, lock, wake) are read out of it.
 */
#ifndef GP_STACKPROF_H
#define GP_STACKPROF_H

#include <stddef.h>
#include <stdint.h>
#include "util/hashmap.h"

enum gp_prof_kind {
	GP_PK_CPU, /* on-CPU samples: weight counts samples */
	GP_PK_FUTEX, /* blocked in a futex wait, ns (off-CPU stack) */
	GP_PK_SLEEP, /* blocked elsewhere, ns */
	GP_PK_DWAIT, /* blocked uninterruptibly, ns */
	GP_PK_RUNQ, /* runnable after that block's wakeup, ns */
	GP_PK_LOCKWAIT, /* a futex wait's duration at its waiter stack, with the word (lock view) */
	GP_PK_WAKE, /* the same joined to the stack of the thread that woke it (wake view) */
	GP_PK_PREEMPT, /* runnable after being preempted, ns, at the stack it was preempted in */
	GP_PK_COUNT,
};

struct gp_prof_cell {
	uint32_t tid;
	uint32_t kind;
	uint32_t stack, stack2; /* stack ids + 1, 0 for none */
	uint64_t uaddr; /* for LOCKWAIT and WAKE */
	uint32_t op; /* for LOCKWAIT and WAKE: futex syscall kind << 16 | its op or flags */
	uint64_t weight, count;
};

struct gp_stackprof {
	struct gp_prof_cell *cells;
	size_t n, cap;
	struct gp_hashmap idx; /* (hash, chain) -> cell index + 1 */
};

void stackprof_init(struct gp_stackprof *p);
void stackprof_free(struct gp_stackprof *p);
int stackprof_add(struct gp_stackprof *p, const struct gp_prof_cell *key, uint64_t weight);

#endif
