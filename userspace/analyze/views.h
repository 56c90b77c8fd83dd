/* SPDX-License-Identifier: GPL-2.0 */
/* Profile views read out of the model's time-by-stack table, ready for the exporters. */
#ifndef GP_VIEWS_H
#define GP_VIEWS_H

#include "analyze/profile.h"
#include "analyze/report.h"

enum gp_view {
	GP_VIEW_ON, /* on-CPU samples */
	GP_VIEW_OFF, /* blocked time by reason, and the run-queue wait after it, ns */
	GP_VIEW_WALL, /* both in ns: a sample stands for one sampling period */
	GP_VIEW_LOCK, /* futex wait time with the futex word as the leaf frame */
	GP_VIEW_WAKE, /* futex wait time: the waiter's stack, the word, then its waker's stack */
	GP_VIEW_COUNT,
	GP_VIEW_PPROF = GP_VIEW_COUNT, /* for pprof: lock waits (contention) and on-CPU time */
};

/* "on", "off", ...; parse returns -1 for an unknown name. */
const char *view_name(enum gp_view v);
int view_parse(const char *name, enum gp_view *v);
/* The view needs the stacks only taken with a profile output (on-CPU samples, off-CPU stacks
 * at every block); lock and wake need only the futex waiter and waker stacks, always taken. */
bool view_needs_profile_stacks(enum gp_view v);
/* Build the view; sample_period_ns converts on-CPU samples to time in the wall view. */
int view_build(const struct gp_report *r, enum gp_view v, uint64_t sample_period_ns,
	       struct gp_profile **out, struct prof_err *pe);

#endif
