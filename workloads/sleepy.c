// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy: the square-and-cube example of the GIL tutorials. Every step sleeps, and a sleeping
 * thread has released the GIL, so two threads finish in about half the sequential time, as do
 * two processes.
 */
#include "wlcommon.h"

#include <stdio.h>

#define SLEEPY_TASKS 2 /* task 0 squares the list, task 1 cubes it */

static uint64_t sleepy_items = 4;
static uint64_t sleepy_sleep_ms = 200;

static const struct wl_opt sleepy_opts[] = {
	WL_OPT_NUM("items", "N", "length of the list 2, 3, ... (default 4)", 1, 10000,
		   &sleepy_items),
	WL_OPT_NUM("sleep-ms", "MS", "sleep before each step, GIL released (default 200)", 0, 60000,
		   &sleepy_sleep_ms),
	WL_OPT_END,
};

static const struct wl_prog sleepy_prog = {
	.name = "sleepy",
	.summary = "Square and cube a list, sleeping before each step: sequentially (default),\n"
		   "in two threads or in two processes.",
	.modes = WL_MODE(WL_SEQUENTIAL) | WL_MODE(WL_THREADS) | WL_MODE(WL_PROCESSES),
	.default_mode = WL_SEQUENTIAL,
	.default_workers = SLEEPY_TASKS,
	.max_workers = SLEEPY_TASKS,
	.opts = sleepy_opts,
};

/* Sum of x^(task + 2) over the list, placed in the 64-bit half of the result that is the task's. */
static wl_u128 sleepy_task(unsigned task)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < sleepy_items; i++) {
		uint64_t x = i + 2, v = x * x;

		gil_sleep_ns((int64_t)sleepy_sleep_ms * 1000000);
		if (task == 1)
			v *= x;
		sum += v;
	}
	return (wl_u128)sum << (64 * task);
}

static wl_u128 sleepy_part(unsigned part, unsigned nparts, void *arg)
{
	wl_u128 r = 0;

	(void)arg;
	for (unsigned t = part; t < SLEEPY_TASKS; t += nparts)
		r += sleepy_task(t);
	return r;
}

int main(int argc, char **argv)
{
	wl_u128 results[SLEEPY_TASKS], sum = 0;

	wl_parse(&sleepy_prog, argc, argv);
	wl_begin();
	wl_run(sleepy_part, NULL, results);
	for (unsigned i = 0; i < wl.workers; i++)
		sum += results[i];
	return wl_finish("sum of squares %llu, sum of cubes %llu", (unsigned long long)sum,
			 (unsigned long long)(sum >> 64));
}
