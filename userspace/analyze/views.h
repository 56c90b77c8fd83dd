/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profile views read out of the model's time-by-stack table, ready for the exporters. Frames are
 * named by function ("worker"), or by code address with --addresses ("worker+0x74"), with the
 * source line with --lines; each stack is tagged with its thread (and a wait with its lock
 * object). The wall view of a thread that ran, was preempted and slept:
 *
 *	worker-0;clone3;start_thread;worker 38476579             running, shared over its samples
 *	worker-0;clone3;start_thread;worker;asm_sysvec_apic_timer_interrupt_[k];...;__schedule_[k]
 *		116563138                                          preempted, waiting for a CPU
 *	worker-0;[run queue, no stack] 8595217                     what no stack holds
 */
#ifndef GP_VIEWS_H
#define GP_VIEWS_H

#include "analyze/profile.h"
#include "analyze/report.h"

enum gp_view {
	GP_VIEW_ON, /* on-CPU samples */
	GP_VIEW_OFF, /* blocked time by reason, and the run-queue wait after it, ns */
	GP_VIEW_WALL, /* every state of every thread, in ns: its total is their lifetimes */
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
/* Build the view; sample_period_ns converts on-CPU samples to time in the pprof view. */
int view_build(const struct gp_report *r, enum gp_view v, uint64_t sample_period_ns,
	       struct gp_profile **out, struct prof_err *pe);

#endif
