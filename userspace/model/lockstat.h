/* SPDX-License-Identifier: GPL-2.0 */
/* Per-futex-word statistics: waits and their outcomes, who ended them, hand-off behaviour. */
#ifndef GP_LOCKSTAT_H
#define GP_LOCKSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gilprof.h"
#include "util/hashmap.h"

/* A growable array of durations with nearest-rank percentiles. */
struct gp_u64vec {
	uint64_t *v;
	size_t n, cap, nsorted;
};

int u64vec_push(struct gp_u64vec *vec, uint64_t x);
/* Nearest-rank percentile (0..100); sorts in place; 0 when empty. */
uint64_t u64vec_percentile(struct gp_u64vec *vec, double pct);
void u64vec_free(struct gp_u64vec *vec);

enum gp_wait_outcome {
	GP_WO_WOKEN, /* returned 0: woken by a wake/unlock */
	GP_WO_TIMEOUT, /* -ETIMEDOUT */
	GP_WO_AGAIN, /* -EAGAIN: the word had changed, no sleep */
	GP_WO_INTR, /* -EINTR: a signal */
	GP_WO_OTHER, /* any other error */
	GP_WO_UNSEEN, /* its wakeup was not reported: how it returned is unknown */
	GP_WO_ONGOING, /* still waiting when tracing ended (attached processes): timed to the end */
	GP_WO_COUNT,
};

/* What ended a wait, when it was not a thread's wakeup: stands in for the waker's tid. */
#define GP_WAKER_TIMEOUT 0xffffffffu
#define GP_WAKER_SIGNAL 0xfffffffeu
#define GP_WAKER_NONE 0xfffffffdu /* returned without sleeping (EAGAIN, error) */
#define GP_WAKER_UNSEEN 0xfffffffcu /* how it ended is unknown: its wakeup was not reported */
#define GP_WAKER_UNKNOWN 0xfffffffau /* woken (it returned 0), by a wakeup that was not seen */
#define GP_WAKER_ONGOING 0xfffffffbu /* not ended: still waiting when tracing ended */
/* GP_WAKER_IRQ 0xfffffff0 and GP_WAKER_TIMER 0xfffffff1 (bpf/gilprof.h) come from the kernel. */
#define GP_WAKER_LABEL_MIN GP_WAKER_IRQ

/* A waker that is a task, not one of the labels above (0 is the idle task: an interrupt). */
static inline bool waker_is_task(uint32_t waker)
{
	return waker && waker < GP_WAKER_LABEL_MIN;
}

/* The return value the model gives a wait still in progress at the end of the trace: out of the
 * range of futex returns and of GP_FUTEX_RET_UNSEEN. */
#define GP_FUTEX_RET_ONGOING (-0x7fffffffLL - 2)

struct gp_lock_pair {
	uint32_t waiter, waker;
	uint64_t count, wait_ns;
};

/* Time spent in waits per stack: the waiters' stacks, or the release sites that ended them. */
struct gp_lock_stack {
	uint32_t stack; /* id in the stack table */
	uint64_t count, ns;
};

struct gp_lock_stacks {
	struct gp_lock_stack *v;
	size_t n, cap;
	struct gp_hashmap idx; /* (stack, 0) -> position + 1, once there are many */
};

/* One finished wait. Stack ids are id + 1, 0 when none was taken. */
struct gp_wait_end {
	uint32_t tid;
	uint64_t enter_ts, ts;
	int64_t ret;
	uint32_t waker; /* a tid or GP_WAKER_* */
	uint32_t wait_stack, waker_stack;
};

struct gp_lock {
	uint32_t tgid;
	uint64_t uaddr;
	uint64_t waits; /* completed waits */
	uint64_t outcome[GP_WO_COUNT];
	uint64_t wait_ns; /* sum of wait durations: syscall entry -> return */
	uint64_t blocked_ns; /* of which the waiters were blocked (the futex bucket) */
	uint64_t max_ns;
	struct gp_u64vec durations; /* every wait's duration */
	struct gp_u64vec wake_to_run; /* wakeup of a waiter -> its next switch-in */
	uint32_t *waiters; /* distinct waiter tids */
	size_t nwaiters, capwaiters;
	struct gp_lock_pair *pairs; /* (waiter, what ended the wait) */
	size_t npairs, cappairs;
	struct gp_hashmap waiters_idx, pairs_idx; /* their positions + 1, once there are many */
	uint64_t handoffs; /* waits ended by another thread's wakeup */
	uint64_t futile; /* woken, then waiting on the word again with under 50 us on CPU between */
	uint64_t at_attach; /* waits already in progress when tracing attached: timed from then */
	/* waits for a thread's exit: pthread_join waits for the word to leave the joined thread's
	 * tid, which the kernel clears at its exit */
	uint64_t join_waits;
	struct gp_lock_stacks wait_stacks; /* where its waiters waited */
	struct gp_lock_stacks release_stacks; /* where the threads that woke them were */
	uint32_t first_stack; /* the first waiter's stack, id + 1: names a lock with no symbol */
	/* waiters over time: threads inside a wait on this word */
	uint32_t depth, max_depth;
	uint64_t depth_area; /* integral of depth over time, ns */
	uint64_t depth_since, first_ts, last_ts;
};

enum gp_wait_outcome futex_outcome(int64_t ret);
/* A thread enters a wait on the word at ts. */
void lock_wait_begin(struct gp_lock *l, uint64_t ts);
int lock_wait_end(struct gp_lock *l, const struct gp_wait_end *w);
/* Stacks sorted by time, descending; a malloc'd array of pointers into st. */
struct gp_lock_stack **lock_stacks_sorted(const struct gp_lock_stacks *st, size_t *n);
/* Mean number of threads waiting over the word's active span (first wait to last return). */
double lock_mean_depth(const struct gp_lock *l);
void lock_free(struct gp_lock *l);
/* Pairs sorted by wait time, descending; returns a malloc'd array of pointers into l->pairs. */
struct gp_lock_pair **lock_pairs_sorted(const struct gp_lock *l, size_t *n);
const char *waker_label(uint32_t waker);

#endif
