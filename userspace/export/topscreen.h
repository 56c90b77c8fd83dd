/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gilprof top's screen, from the state of the last interval: exactly rows lines of exactly cols
 * columns (padded, cut), every name from the traced programs shown as printable ASCII (a control
 * character or a byte past ASCII as '?'), so that nothing a program names itself moves the
 * cursor, and no line wraps. Pure: the caller writes the text.
 *
 *   gilprof top  countdown --threads 2                       interval 1.0 s  12:00:01
 *   parallelism 1.00 of 2 CPUs | gil (pid 4242) serialises 49% | 1.96x faster without it
 *   CPU   traced # other + idle .
 *   cpu0  ####################++++++.............................  45%  13%  42%
 *   cpu1  ##############################################........  77%   0%  23%
 *   LOCK (by last interval)               PID     WAIT/S   ACQ/S       TOTAL
 *   gil                                  4242     0.985s     201     10.52 s
 *   TID      THREAD            RUN%  RUNQ%  LOCK%  SLEEP%  OTHER%   PID
 *   4244     worker-0          49.1    0.5   50.4     0.0     0.0  4242
 *   q quit  p pause  s sort  l pick a lock
 */
#ifndef GP_TOPSCREEN_H
#define GP_TOPSCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "gilprof.h"

enum gp_top_sort {
	GP_TOP_SORT_INTERVAL, /* locks by their wait in the last interval, threads by lock wait */
	GP_TOP_SORT_TOTAL, /* locks by their wait since the start, threads by running */
	GP_TOP_SORTS,
};

struct gp_top_lock {
	char name[128];
	uint32_t pid;
	uint64_t wait_ns; /* in the last interval */
	uint64_t acquisitions; /* in the last interval */
	uint64_t total_ns; /* since the start */
	unsigned id; /* its bit in the threads' waited (the first 64 locks) */
};

struct gp_top_thread {
	uint32_t tid, pid;
	char comm[GP_COMM_LEN];
	uint64_t life_ns; /* in the interval */
	uint64_t running_ns, runq_ns, lock_ns, sleep_ns, other_ns;
	uint64_t waited; /* the locks it waited for in the interval, by their id's bit */
};

struct gp_top_cpu {
	uint64_t traced_ns, other_ns, idle_ns;
};

struct gp_top_state {
	const char *title; /* what is traced */
	const char *clock; /* "12:00:01" */
	uint64_t interval_ns;
	bool paused;
	enum gp_top_sort sort;
	int picked; /* index into locks of the picked lock, -1 for none */
	const char *verdict; /* one line, or NULL before the first interval */
	const struct gp_top_cpu *cpus;
	size_t ncpus;
	struct gp_top_lock *locks; /* sorted in place by topscreen_render */
	size_t nlocks;
	struct gp_top_thread *threads; /* sorted in place too */
	size_t nthreads;
	const char *message; /* the bottom line's note ("the targets exited"), or NULL */
};

/* The screen into buf (rows lines, each cols columns and "\r\n" but the last); its length.
 * buf must hold rows * (cols + 2) + 1 bytes. */
size_t topscreen_render(struct gp_top_state *s, unsigned rows, unsigned cols, char *buf);
/* s as printable ASCII into out[len]: control characters and bytes past ASCII as '?'. */
void topscreen_safe(const char *s, char *out, size_t len);

#endif
