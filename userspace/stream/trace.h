/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A finished trace, whichever source it came from (a live session or a recording): the model fed
 * with its events, its stacks, the names of everything in it, and the source's totals. Reports
 * are built from this and nothing else, so a recording reports what the live run reported.
 */
#ifndef GP_TRACE_H
#define GP_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include "model/model.h"
#include "model/stacks.h"
#include "model/event.h"
#include "symbolize/nametab.h"
#include "symbolize/unwind.h"

#define GP_UNWIND_STOPS (GP_UNWIND_BAD_CFA + 1)

/* Python frames lost, by why (stream/pystage.c). */
enum gp_py_loss {
	GP_PYL_UNREAD, /* a frame whose frame or code object could not be read */
	GP_PYL_CUT, /* a stack deeper than GP_PY_FRAMES_MAX Python frames: its outermost are cut */
	GP_PY_LOSSES,
};

/* The source's totals, read back from the kernel at the end of a live trace (and kept in a
 * recording): what was emitted, dropped, and CPU time. */
struct gp_trace_stats {
	uint64_t drops[GP_DROP_CAUSE_MAX_BPF];
	uint64_t invalid; /* records that failed validation in userspace */
	uint64_t stacks_dropped; /* stack records userspace could not keep */
	uint64_t received;
	unsigned ncpus;
	struct gp_cpu_acct cpu[GP_MAX_CPUS];
};

struct gp_trace {
	struct gp_model *model; /* finished */
	struct gp_stacks *stacks;
	struct gp_nametab *names;
	struct gp_trace_stats stats;
	uint64_t start_ts, end_ts;
	uint64_t start_wall_ns; /* start_ts on CLOCK_REALTIME, ns since the epoch (pprof's time) */
	int exit_status; /* shell-style; -1 when unknown (attached, or a truncated recording) */
	uint64_t unwind_stops[GP_UNWIND_STOPS]; /* why DWARF unwinds ended */
	uint64_t py_lost[GP_PY_LOSSES]; /* Python frames lost, by enum gp_py_loss */
	char **argv; /* the traced command, NULL-terminated; for an attach "pid 123,456" */
	unsigned freq; /* on-CPU samples per second; 0: no samples nor off-CPU stacks were taken */
	bool lines; /* names hold source lines */
	bool attached; /* processes that ran before tracing started */
	bool truncated; /* a recording that ends before its last chunk */
};

/* A copy of argv (NULL-terminated) into t->argv; -ENOMEM. */
int trace_set_argv(struct gp_trace *t, char *const argv[]);
void trace_free(struct gp_trace *t);

#endif
