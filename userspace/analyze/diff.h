/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two runs side by side: BASE (before a fix) and NEW (after), each the report of a recording.
 * Everything `gilprof diff` prints is computed here, with no I/O; export/diff_text.c and
 * export/diff_json.c only lay it out. The text of a struct gp_diff (README.md has all of it):
 *
 *   gilprof diff: BASE gil.data -> NEW nogil.data                     side[].label
 *     BASE  build/workloads/countdown --threads 2  (exit status 0)    side[].argv, exit_status
 *     NEW   build/workloads/countdown --threads 2 --no-gil  (exit status 0)
 *
 *                                       BASE         NEW       CHANGE
 *     wall time (trace span)         2.170 s     1.128 s     -1.043 s   -48.0%  1.92x faster
 *     CPU time (running)             2.052 s     2.032 s    -20.19 ms    -1.0%  unchanged
 *     parallelism (of 2 CPUs)           0.95        1.80        +0.86   +90.6%  more
 *     processes / threads              1 / 3       1 / 3
 *
 *   where the threads' time went (share of their lifetimes)           side[].state_ns
 *                                       BASE         NEW       CHANGE
 *     running                          32.4%       64.9%    +32.5 pts
 *     lock wait (futex)                57.3%       33.5%    -23.9 pts
 *     ...
 *
 *   locks by total wait, matched by name (- : not waited on in that run)      locks[]
 *        BASE-WAIT     NEW-WAIT       CHANGE        %  BASE-WAITS  NEW-WAITS  LOCK
 *          1.560 s            -     -1.560 s  -100.0%         833          -  gil
 *
 *   threads matched by name (#N: the Nth thread of that name, in order of appearance)
 *     THREAD                BASE-RUNNING   NEW-RUNNING  BASE-LOCKWAIT   NEW-LOCKWAIT
 *     worker-1                   1.027 s       1.017 s       760.0 ms           0 ns  threads[]
 *
 *   what changed (a change under 5% of BASE or under 1 ms counts as unchanged)     verdict[]
 *     wall time 2.170 s -> 1.128 s (1.92x faster); CPU time 2.052 s -> 2.032 s (unchanged); ...
 *     lock wait 57.3% -> 33.5% of thread time: gil no longer waited on (1.560 s before); ...
 */
#ifndef GP_DIFF_H
#define GP_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/report.h"

/*
 * A change is "unchanged" when it is under GP_DIFF_REL of the BASE value or under the floor of
 * its kind: run-to-run noise of a few percent, and sub-millisecond differences, say nothing.
 */
#define GP_DIFF_REL 0.05
#define GP_DIFF_MIN_NS 1000000ULL /* times */
#define GP_DIFF_MIN_POINTS 1.0 /* shares of the threads' lifetimes, in percentage points */
#define GP_DIFF_MIN_PARALLELISM 0.05

#define GP_DIFF_NAME_LEN 160
#define GP_DIFF_VERDICT_MAX 6
#define GP_DIFF_VERDICT_LEN 768
/* Locks named in the verdict, the largest changes first. */
#define GP_DIFF_VERDICT_LOCKS 3

enum gp_diff_side_id { GP_DIFF_BASE, GP_DIFF_NEW, GP_DIFF_SIDES };

/* The states of a thread's lifetime as the diff shows them (the run-queue buckets as one). */
enum gp_diff_state {
	GP_DS_RUNNING,
	GP_DS_RUNQ,
	GP_DS_LOCK, /* futex waits */
	GP_DS_SLEEP,
	GP_DS_DWAIT,
	GP_DS_SWITCHING,
	GP_DS_COUNT,
};

enum gp_change {
	GP_CH_UNCHANGED,
	GP_CH_LESS,
	GP_CH_MORE,
};

/* One run's figures over all its traced threads. */
struct gp_diff_side {
	const char *label; /* the recording's path */
	char *const *argv; /* the traced command */
	int exit_status; /* -1 when unknown */
	bool incomplete; /* a damaged or cut-short recording: its intact part only */
	uint64_t wall_ns; /* the trace's span */
	uint64_t cpu_ns; /* running, all threads */
	uint64_t lifetime_ns; /* all threads' lifetimes, what the state shares are of */
	uint64_t state_ns[GP_DS_COUNT];
	double parallelism; /* cpu / wall */
	unsigned ncpus;
	size_t nprocs, nthreads;
};

/* A lock object in one run: every futex word whose name gives the same key (diff_lock_key). */
struct gp_diff_lock_side {
	bool present;
	uint64_t wait_ns, waits, timeouts;
	size_t words, procs;
};

struct gp_diff_lock {
	char name[GP_DIFF_NAME_LEN]; /* the key both runs are matched by */
	struct gp_diff_lock_side side[GP_DIFF_SIDES];
	int64_t delta_ns; /* NEW - BASE wait */
	enum gp_change change;
};

struct gp_diff_thread_side {
	bool present;
	uint32_t tid, pid;
	uint64_t lifetime_ns, running_ns, lock_ns;
};

struct gp_diff_thread {
	char name[GP_COMM_LEN + 12]; /* comm, "#N" added for the Nth thread of one comm */
	struct gp_diff_thread_side side[GP_DIFF_SIDES];
};

struct gp_diff_opts {
	const char *label[GP_DIFF_SIDES];
	bool incomplete[GP_DIFF_SIDES];
	unsigned top_locks, top_threads; /* rows shown, 0 for all */
};

struct gp_diff {
	struct gp_diff_side side[GP_DIFF_SIDES];
	/* all of them, by the larger of the two waits; the first nlocks_shown are shown */
	struct gp_diff_lock *locks;
	size_t nlocks, nlocks_shown;
	/* all of them, by running plus lock wait over both runs; the first nthreads_shown shown */
	struct gp_diff_thread *threads;
	size_t nthreads, nthreads_shown;
	/* what got better or worse, in sentences */
	char verdict[GP_DIFF_VERDICT_MAX][GP_DIFF_VERDICT_LEN];
	size_t nverdict;
};

/* Compare two reports: 0, or -ENOMEM (d is then empty). Free with diff_free(). */
int diff_build(struct gp_diff *d, const struct gp_report *base, const struct gp_report *new,
	       const struct gp_diff_opts *o);
void diff_free(struct gp_diff *d);

/* Is NEW less, more, or (under the thresholds above) unchanged against BASE? */
enum gp_change diff_change(double base, double new, double floor);
enum gp_change diff_change_ns(uint64_t base, uint64_t new);
/* 100 * (new - base) / base; NAN when base is 0. */
double diff_pct(double base, double new);
/* A state's share of the side's thread lifetimes, in percent. */
double diff_share(const struct gp_diff_side *s, enum gp_diff_state st);
const char *diff_state_name(enum gp_diff_state st);
const char *diff_side_name(enum gp_diff_side_id id);
const char *diff_change_name(enum gp_change c);

/*
 * The key a lock is matched by across runs, from its report name. A word named by a symbol
 * (by_symbol) belongs to the object before '+', '.' or " (": gil.cond, gil.mutex and gil+0x50
 * are all "gil", "CPython GIL (cond)" is "CPython GIL". Other words keep their name and call
 * site ("[heap]+0x10 @ main+0x5c"), less absolute addresses, which ASLR moves from run to run:
 * "[anon] 0x7f3a0c1f2990 @ wl_run_threads+0x1e6" is "[anon] @ wl_run_threads+0x1e6".
 */
void diff_lock_key(const char *name, bool by_symbol, char *key, size_t len);

#endif
