/* SPDX-License-Identifier: GPL-2.0 */
/* What a report is made of, whatever the source (live run or recording), and its writers. */
#ifndef GP_REPORT_H
#define GP_REPORT_H

#include <stdio.h>
#include "analyze/analysis.h"
#include "analyze/gilstats.h"
#include "analyze/lockobj.h"
#include "analyze/verdict.h"
#include "model/event.h"
#include "stream/trace.h"
#include "model/model.h"
#include "model/stacks.h"

/* The options of every report (gilprof run and gilprof report alike). */
struct gp_report_opts {
	const char *lock; /* --lock */
	unsigned top_locks, top_pairs;
	bool lines; /* --lines */
	bool addresses; /* --addresses: profile frames as code addresses, not functions */
	int view; /* enum gp_view */
};

struct gp_report {
	struct gp_model *model;
	const struct gp_trace_stats *stats;
	uint64_t start_ts, end_ts;
	char *const *argv; /* the traced command */
	int exit_status; /* shell-style; -1 when unknown */
	bool attached; /* the processes ran before tracing attached to them */
	gp_namer_fn name_lock; /* 0: named by a symbol, 1: by mapping only */
	int (*name_code)(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len, char *obj,
			 size_t objlen);
	int (*name_kernel)(void *ctx, uint64_t addr, char *buf, size_t len);
	/* with --lines: source file:line of a user frame, NULL otherwise */
	int (*name_line)(void *ctx, uint32_t tgid, uint64_t pc, char *buf, size_t len);
	/* a frame's function, source and mapping (tgid 0: a kernel frame), and a mapping; NULL
	 * names frames by code only */
	int (*name_func)(void *ctx, uint32_t tgid, uint64_t pc, struct gp_func_fact *out);
	int (*name_map)(void *ctx, uint32_t tgid, uint64_t start, struct gp_map_fact *out);
	void *namer_ctx;
	const struct gp_nametab *facts; /* the trace's names: Python threads and interpreters */
	const struct gp_stacks *stacks; /* NULL when no stacks were taken */
	const uint64_t *unwind_stops; /* by enum gp_unwind_stop, NULL without DWARF unwinding */
	const uint64_t *py_lost; /* Python frames lost, by enum gp_py_loss */
	const char *lock_filter; /* --lock: only futex words that match (lock_filter_match) */
	unsigned top_locks; /* rows in the lock table (0: all) */
	unsigned top_pairs;
	uint64_t sample_period_ns; /* of the on-CPU samples */
	bool profile_stacks; /* on-CPU samples and off-CPU stacks were taken (views on/off/wall) */
	uint64_t start_wall_ns; /* start_ts on CLOCK_REALTIME; 0 when unknown */
	bool addresses; /* profile frames by code address (--addresses), else by function */
	struct gp_lock_objs objs; /* the locks as objects, with their acquisitions */
	struct gp_verdict verdict;
	struct gp_gil_stats gil; /* per thread, when the trace has a GIL */
};

struct gp_trace;
/* The report of a trace: its model and totals, named from its name table, and what is derived
 * from them. 0 or -ENOMEM; report_free() after either. */
int report_init(struct gp_report *r, const struct gp_trace *t, const struct gp_report_opts *o);
void report_free(struct gp_report *r);

/* A lock as every report names it: its symbol, else its address or mapping and the call site of
 * its first waiter ("[heap]+0x10 @ worker+0x2a"). */
void report_lock_name(const struct gp_report *r, const struct gp_lock *l, char *name, size_t len);
/* Locks by total wait that pass the report's --lock filter; malloc'd, n set. */
struct gp_lock **report_locks(const struct gp_report *r, size_t *n);

/*
 * The frames of a stack as names, innermost first: user frames, then (with kernel) kernel frames
 * marked "_[k]". A return address is looked up one byte back, inside its call instruction.
 * Returns the number of names written into names[max][len].
 */
size_t report_stack_names(const struct gp_report *r, uint32_t id, bool kernel, char (*names)[128],
			  size_t max);

/* A frame of a stack as the reports name it, and the address they name. */
struct gp_report_frame {
	uint64_t
		pc; /* the instruction: a return address less one; a Python frame (model/stacks.h) */
	bool kernel;
	char name[128]; /* "worker+0x74", or by function "worker"; --lines adds " (file.c:38)";
			 * a Python frame "hot_loop (worker.py:21)" */
};

/*
 * The frames of a stack, innermost first, as report_stack_names() has them (without "_[k]"),
 * or with by_function by their function without offset, as the profile views aggregate them.
 * Returns the number written into out[max].
 */
size_t report_stack_frames(const struct gp_report *r, uint32_t id, bool kernel, bool by_function,
			   struct gp_report_frame *out, size_t max);
/* The index among the names of report_stack_names() of a stack's innermost Python frame, -1
 * without one. */
long report_stack_first_python(const struct gp_report *r, uint32_t id);
/* The first user frame of a stack outside the C library and the dynamic loader: where a
 * program called into a lock function. Returns 0, or -ENOENT. */
int report_call_site(const struct gp_report *r, uint32_t id, char *buf, size_t len);

/* Where the lock's waiters were most released from: the top release stack's first two frames
 * outside the C library ("gil_drop+0x66 <- gil_yield+0x44"). 0, or -ENOENT without one. */
int report_release_site(const struct gp_report *r, const struct gp_lock *l, char *buf, size_t len);
/* A thread's Python name (threading.Thread.name) when it has one other than its OS name, else
 * NULL. */
const char *report_pythread(const struct gp_report *r, const struct gp_thread *t);
/* "comm [python name]", or comm: how a profile's root frame names a thread. */
void report_thread_label(const struct gp_report *r, const struct gp_thread *t, char *buf,
			 size_t len);
/* Why the interpreter of a Python process was not understood (its stacks are native only), NULL
 * when it was or the process has none. */
const char *report_python_note(const struct gp_report *r, uint32_t tgid);
/* Human durations with 4 significant digits: "2.013 s", "12.35 ms", "45.60 us", "789 ns". */
char *fmt_ns(char *buf, size_t len, uint64_t ns);
/* Every lost-data counter, BPF and userspace, with a stable key and a label. */
struct gp_loss {
	const char *key, *label;
	uint64_t count;
};
size_t report_losses(const struct gp_report *r, struct gp_loss *out, size_t max);

#endif
