// SPDX-License-Identifier: GPL-2.0
/*
 * What the bundled workloads share: one command line, running a job's parts in one thread, in
 * threads or in forked processes, collecting every thread's GIL record (children send theirs
 * through a pipe), the result table on stdout and the --truth JSON file.
 */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include "gil.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define WL_MAX_WORKERS 1024
#define WL_MAX_COUNT (1ULL << 62)
#define WL_MAX_SWITCH_US 1000000ULL
#define WL_MAX_CHECK 1000000000ULL
#define WL_OP_ROUNDS 20 /* makes one simulated bytecode cost about 20 ns, as in CPython */

enum wl_mode {
	WL_SINGLE,
	WL_SEQUENTIAL,
	WL_THREADS,
	WL_PROCESSES,
};

#define WL_MODE(m) (1u << (m))

typedef unsigned __int128 wl_u128;

/* A program's own option: a flag when arg is NULL, else a number in [min, max] or a string. */
struct wl_opt {
	const char *name; /* without the leading "--" */
	const char *arg;
	const char *help;
	uint64_t min;
	uint64_t max;
	uint64_t *num;
	bool *flag;
	const char **str;
};

#define WL_OPT_NUM(n, a, h, lo, hi, p)                                                     \
	{                                                                                  \
		.name = (n), .arg = (a), .help = (h), .min = (lo), .max = (hi), .num = (p) \
	}
#define WL_OPT_FLAG(n, h, p)                          \
	{                                             \
		.name = (n), .help = (h), .flag = (p) \
	}
#define WL_OPT_STR(n, a, h, p)                                   \
	{                                                        \
		.name = (n), .arg = (a), .help = (h), .str = (p) \
	}
#define WL_OPT_END           \
	{                    \
		.name = NULL \
	}

struct wl_prog {
	const char *name;
	const char *summary;
	unsigned modes; /* WL_MODE() bits a user may pick; 0 when the program has its own layout */
	enum wl_mode default_mode;
	unsigned default_workers;
	unsigned max_workers;
	const struct wl_opt *opts; /* ends with an entry whose name is NULL */
};

struct wl_config {
	const char *prog;
	enum wl_mode mode;
	unsigned workers;
	bool gil;
	int64_t switch_interval_ns;
	unsigned check_interval;
	const char *truth;
};

extern struct wl_config wl;

/* Runs part `part` of `nparts` and returns its share of the result. */
typedef wl_u128 (*wl_part_fn)(unsigned part, unsigned nparts, void *arg);

void wl_parse(const struct wl_prog *prog, int argc, char **argv);
void wl_begin(void);
int wl_finish(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void wl_run(wl_part_fn fn, void *arg, wl_u128 *results);
void wl_run_threads(unsigned n, const char *const *names, wl_part_fn fn, void *arg,
		    wl_u128 *results);
void wl_run_processes(unsigned n, wl_part_fn fn, void *arg, wl_u128 *results);
void wl_run_sequential(unsigned n, wl_part_fn fn, void *arg, wl_u128 *results);

pid_t wl_fork_worker(const char *prefix, unsigned idx, unsigned nparts, wl_part_fn fn, void *arg,
		     int *rfd);
void wl_child_begin(const char *prefix, unsigned idx);
void __attribute__((noreturn)) wl_child_end(int fd, wl_u128 result);
void wl_collect(pid_t pid, int rfd, wl_u128 *result);

struct gil_thread *wl_thread_new(void);
void wl_thread_name(char *buf, size_t len, const char *prefix, unsigned idx);
void wl_u128_format(char *buf, size_t len, wl_u128 v);
void wl_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void wl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * The square-and-cube example of the GIL tutorials: task 0 sums the squares of the list 2, 3,
 * ..., task 1 its cubes, run sequentially (default), in two threads or in two processes. The
 * programs that run it differ only in the step each task takes before every item.
 */
#define WL_POWERS_TASKS 2

/* A task's step; h is what its simulated work computed so far, carried from step to step. */
typedef uint64_t (*wl_step_fn)(uint64_t h);

struct wl_powers {
	const char *name;
	const char *summary;
	const struct wl_opt *step_opt; /* the program's option, which sets what the step does */
	wl_step_fn step;
};

int wl_powers_run(const struct wl_powers *pw, int argc, char **argv);

/*
 * The interpreter's dispatch work for one simulated bytecode: dependent multiply-adds that the
 * asm keeps the compiler from folding.
 */
static inline uint64_t wl_dispatch(uint64_t x)
{
	for (int i = 0; i < WL_OP_ROUNDS; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* One simulated bytecode: dispatch, then the eval-breaker tick. */
static inline uint64_t wl_op(uint64_t x)
{
	x = wl_dispatch(x);
	gil_tick();
	return x;
}

#endif /* WL_COMMON_H */
