/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread's life as the sequence of states the model split it into: one segment per interval,
 * from its ts to the next segment's ts (the last one to the thread's end). The what-if replay,
 * acquisitions, parallelism and the timeline views read it; the bucket totals do not need it.
 *
 *   ts=0     RUNNING cpu1
 *   ts=4ms   FUTEX   uaddr=0x55d0c0de0230 waker=4243     (4243 released the word)
 *   ts=9ms   RUNQ_WAKE
 *   ts=9.1ms RUNNING cpu0
 */
#ifndef GP_TIMELINE_H
#define GP_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct gp_seg {
	uint64_t ts;
	uint64_t uaddr; /* GP_B_FUTEX: the futex word */
	uint32_t waker; /* blocked: what ended it, a tid or a GP_WAKER_* label; 0 if not ended */
	uint16_t cpu; /* GP_B_RUNNING: the CPU */
	uint8_t bucket; /* enum gp_bucket (model.h); running also covers the switching part */
	uint8_t flags; /* GP_SEG_* */
};

#define GP_SEG_AT_ATTACH 1 /* began before tracing attached: its start is the attach */

struct gp_timeline {
	struct gp_seg *v;
	size_t n, cap;
};

/* Append a segment starting at ts (never before the last one's start): 0 or -ENOMEM. */
int timeline_push(struct gp_timeline *tl, uint64_t ts, unsigned bucket, int cpu);
static inline struct gp_seg *timeline_last(struct gp_timeline *tl)
{
	return tl->n ? &tl->v[tl->n - 1] : NULL;
}
void timeline_free(struct gp_timeline *tl);

#endif
