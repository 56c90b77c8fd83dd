/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tour (gilprof run with no command): the classic GIL experiments on the bundled workloads,
 * a table of experiments and their modes, and what gilprof measured in each mode's trace. Every
 * figure comes from the trace, but one: the race's lost updates are the program's result (its
 * printed total). Pure: the CLI makes the runs (cli/tour.c); export/tour_text.c and
 * export/tour_json.c write the figures.
 *
 *   experiment countdown
 *     mode "threads": countdown --threads N --count 20000000
 *       wall 0.45 s, CPU 0.45 s, parallelism 1.00, 49% of the workers' time waiting for a lock,
 *       serialised by gil (412 acquisitions), 1.98x predicted without its waits
 */
#ifndef GP_TOUR_H
#define GP_TOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/tlview.h"
#include "analyze/report.h"
#include "analyze/verdict.h"

enum gp_tour_id {
	GP_TOUR_COUNTDOWN,
	GP_TOUR_SLEEP_CPU,
	GP_TOUR_RACE,
	GP_TOUR_STARTUP,
	GP_TOUR_CONCURRENCY,
	GP_TOUR_COUNT,
};

#define GP_TOUR_MODES 6
#define GP_TOUR_ARGS 8
#define GP_TOUR_LOCKS 4 /* lock objects kept per mode, by wait */
#define GP_TOUR_STRIP_WIDTH 64

/* One traced run of a workload. In args, "N" stands for N, the online CPUs (at least 2). */
struct gp_tour_mode_def {
	const char *key; /* its name in the JSON */
	const char *label; /* "%u threads": %u is N */
	const char *workload;
	const char *args[GP_TOUR_ARGS];
	unsigned base; /* the mode its speedup is against */
	bool pin; /* on the first CPU only */
	bool result; /* the workload's printed result is read (race: its total) */
};

struct gp_tour_def {
	enum gp_tour_id id;
	const char *name; /* gilprof run NAME */
	const char *title;
	unsigned nmodes;
	struct gp_tour_mode_def modes[GP_TOUR_MODES];
};

extern const struct gp_tour_def gp_tours[GP_TOUR_COUNT];
const struct gp_tour_def *tour_find(const char *name);

struct gp_tour_lock {
	char name[128];
	uint64_t acquisitions, wait_ns; /* contended acquisitions, first wait -> back on a CPU */
	size_t waiters;
};

/* How startup's workers were started. */
enum gp_tour_kind {
	GP_TK_THREAD, /* a thread of the parent */
	GP_TK_FORK, /* a process that did not exec */
	GP_TK_SPAWN, /* a process that did */
	GP_TK_COUNT,
};

/* Medians over the workers of one kind. */
struct gp_tour_start {
	unsigned workers;
	uint64_t start_ns; /* creation (the fork event) -> first run; spawned: -> its new image's */
	uint64_t parent_ns; /* between two creations in the parent: what one start held it up */
	uint64_t cpu_ns; /* a worker's CPU, creation to exit */
	uint64_t rss_kb; /* a process's peak resident memory (kernel's maxrss); 0 for threads */
};

/* What one mode's trace says. */
struct gp_tour_fig {
	char label[48];
	int exit_status;
	unsigned ncpus;
	uint64_t wall_ns; /* the launched process's life */
	uint64_t cpu_ns;
	double parallelism; /* cpu / wall */
	double free_cpus; /* what other tasks left of the CPUs (the verdict's capacity) */
	uint64_t hist[GP_VERDICT_HIST]; /* wall time with k threads running */
	/* the workers' lifetimes (every thread but a main one that starts and waits for others)
	 * and how much of them went to futex waits, the run queue, sleep */
	uint64_t life_ns, lock_ns, runq_ns, sleep_ns;
	bool has_lock; /* the verdict's serialising lock */
	struct gp_tour_lock lock;
	double lock_share; /* its acquisitions over its waiters' lifetimes */
	bool predicted;
	double predicted_speedup; /* without the lock's waits */
	uint64_t drop_requests, forced_switches; /* of a GIL */
	struct gp_tour_lock locks[GP_TOUR_LOCKS]; /* lock objects, joins left out, by wait */
	size_t nlocks;
	bool has_result; /* the workload's printed total */
	uint64_t total, expected, lost;
	struct gp_tour_start start[GP_TK_COUNT];
	struct gp_tl_strip strip; /* over the launched process's life */
};

struct gp_tour_run {
	const struct gp_tour_def *def;
	struct gp_tour_fig fig[GP_TOUR_MODES];
	char command[GP_TOUR_MODES][256]; /* as run, for the JSON */
};

struct gp_tour {
	unsigned ncpus, n; /* online CPUs; N */
	uint64_t wall_ns; /* the whole tour, tracing and analysis */
	struct gp_tour_run runs[GP_TOUR_COUNT];
	size_t nruns;
};

/* The figures of one mode from its report; 0 or -ENOMEM. tour_fig_free() after either. */
int tour_measure(const struct gp_report *r, struct gp_tour_fig *f);
void tour_fig_free(struct gp_tour_fig *f);
/* The race's printed result ("total 2000, expected 2000, lost 0"): 0, or -ENOENT. */
int tour_parse_result(const char *out, struct gp_tour_fig *f);
/* Wall of the mode's base over its own; 0 when unknown. */
double tour_speedup(const struct gp_tour_run *run, unsigned mode);
/* Shares of the workers' lifetimes, 0 to 1. */
double tour_share(uint64_t part, uint64_t whole);
const char *tour_kind_name(enum gp_tour_kind k);

#endif
