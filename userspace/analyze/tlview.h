/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timeline as the timeline outputs draw it (the HTML page, the trace-event file, the text
 * report's per-CPU strip): a lane per traced thread with its segments as states, a lane per CPU
 * with the thread that ran, the lock objects with a colour each, and the wakeups that ended
 * blocks. Pure: read from the report's model and lock objects; the exporters only lay it out.
 *
 *   cpu0   [worker-0      ][worker-1   ]    [worker-0 ]
 *   cpu1        [countdown]
 *   4243   [running cpu0  ][gil         ][rq][running  ]      gil: lock wait, coloured by
 *   4244   [gil           ][running cpu0]    [gil      ]      its object; the wait ends
 *                          ^ 4243 woke 4244 (a hand-off)      where its waker woke it
 */
#ifndef GP_TLVIEW_H
#define GP_TLVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/report.h"
#include "util/hashmap.h"

enum gp_tl_state {
	GP_TL_RUN, /* on a CPU (the switching part included) */
	GP_TL_RUNQ_WAKE, /* runnable after a wakeup or its creation */
	GP_TL_RUNQ_PREEMPT, /* runnable after being preempted */
	GP_TL_LOCK, /* blocked in a futex wait */
	GP_TL_SLEEP, /* blocked elsewhere, interruptible */
	GP_TL_DWAIT, /* blocked uninterruptibly */
	GP_TL_STATES,
};

/* A lock object as the timelines colour it: the text report's name for it, and its colour. */
struct gp_tl_lock {
	char name[160];
	uint32_t tgid;
	uint32_t rgb; /* 0xrrggbb */
	bool join; /* a wait for a thread's exit, not a lock */
	const struct gp_lock_obj *obj;
};

/* A futex word of a lock object. */
struct gp_tl_word {
	uint32_t tgid;
	uint64_t uaddr;
	size_t lock; /* index in locks */
	char name[160]; /* the word's own name, as the futex table names it */
};

/* A thread on a CPU, in a CPU's lane: [start, end) and its thread lane. */
struct gp_tl_run {
	uint64_t start, end;
	uint32_t lane;
};

struct gp_tl_cpu {
	struct gp_tl_run *v; /* by start, never overlapping */
	size_t n, cap;
};

/* One segment of a thread lane, from the model's timeline. */
struct gp_tl_seg {
	uint64_t start, end;
	enum gp_tl_state state;
	unsigned cpu; /* GP_TL_RUN */
	uint64_t uaddr; /* GP_TL_LOCK: the futex word */
	long word; /* GP_TL_LOCK: index in words, -1 when no object holds it */
	long lock; /* GP_TL_LOCK: index in locks, -1 likewise */
	uint32_t waker; /* blocked: what ended it, a tid or a GP_WAKER_* label; 0 not ended */
	long waker_lane; /* the waker's thread lane when it is a traced thread (not itself) */
	bool at_attach; /* began before tracing attached: its start is the attach */
};

struct gp_tlview {
	uint64_t start, end; /* the trace's span */
	unsigned ncpus; /* CPU lanes: the model's, at most GP_MAX_CPUS */
	const struct gp_thread **lanes; /* by process (in report order), then thread */
	size_t nlanes;
	struct gp_tl_lock *locks; /* the report's lock objects, in its order */
	size_t nlocks;
	struct gp_tl_word *words; /* by lock, then the object's order */
	size_t nwords;
	struct gp_tl_cpu *cpus; /* [ncpus] */
	struct gp_hashmap lane_by_tid, word_by_key; /* index + 1 */
};

/* The timeline of a report; 0 or -ENOMEM (then nothing is held). tlview_free() after 0. */
int tlview_build(const struct gp_report *r, struct gp_tlview *v);
void tlview_free(struct gp_tlview *v);

static inline size_t tlview_nsegs(const struct gp_tlview *v, size_t lane)
{
	return v->lanes[lane]->tl.n;
}

/* Segment k of a thread lane. */
void tlview_seg(const struct gp_tlview *v, size_t lane, size_t k, struct gp_tl_seg *s);
/* The lane of a traced thread, -1 when it is none. */
long tlview_lane(const struct gp_tlview *v, uint32_t tid);
/* "running", "run queue (woken)", "run queue (preempted)", "lock wait", "sleep", "D (blocked)" */
const char *tlview_state_name(enum gp_tl_state s);
uint32_t tlview_state_rgb(enum gp_tl_state s);
/* A blocked state: its segment may have a waker. */
static inline bool tlview_state_blocked(enum gp_tl_state s)
{
	return s >= GP_TL_LOCK;
}

/*
 * The per-CPU strip, the one "who ran where" of the text report and the tour: [start, end) cut
 * into width columns of equal length; each cell is the letter of the thread lane that ran
 * longest in the column on that CPU when the traced threads ran at least half of it there,
 * else '.'. Letters go to the lanes that show, in lane order: a-z, A-Z, 0-9, then '+' for any
 * beyond. busy[col] is the traced threads' running time in the column over its length (how
 * many ran at once, on average).
 */
struct gp_tl_strip {
	unsigned ncpus, width;
	char *rows; /* row c at rows + c * (width + 1), a string */
	double *busy; /* [width] */
	struct gp_tl_strip_thread {
		char letter;
		uint32_t tid;
		char comm[16];
	} * threads; /* those with a letter of their own, by letter */
	size_t nthreads;
	size_t nother; /* threads shown as '+' */
};

/* 0, -EINVAL (no width or no time), -ENOMEM (nothing held); tlview_strip_free() after 0. */
int tlview_strip(const struct gp_tlview *v, uint64_t start, uint64_t end, unsigned width,
		 struct gp_tl_strip *s);
static inline const char *tlview_strip_row(const struct gp_tl_strip *s, unsigned cpu)
{
	return s->rows + (size_t)cpu * (s->width + 1);
}
void tlview_strip_free(struct gp_tl_strip *s);

#endif
