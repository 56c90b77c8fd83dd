// SPDX-License-Identifier: GPL-2.0
/*
 * crunch: sleepy with the sleep replaced by CPU work. Only one thread runs Python at a time, so
 * two threads take as long as the sequential run; two processes take half as long on two cores.
 */
#include "wlcommon.h"

#include <stdio.h>

#define CRUNCH_TASKS 2 /* task 0 squares the list, task 1 cubes it */

static uint64_t crunch_items = 4;
static uint64_t crunch_work = 10000000; /* about 200 ms of simulated bytecode */

static const struct wl_opt crunch_opts[] = {
	WL_OPT_NUM("items", "N", "length of the list 2, 3, ... (default 4)", 1, 10000,
		   &crunch_items),
	WL_OPT_NUM("work", "OPS", "simulated bytecodes before each step (default 10000000)", 0,
		   WL_MAX_COUNT, &crunch_work),
	WL_OPT_END,
};

static const struct wl_prog crunch_prog = {
	.name = "crunch",
	.summary =
		"Square and cube a list with CPU work before each step: sequentially (default),\n"
		"in two threads or in two processes.",
	.modes = WL_MODE(WL_SEQUENTIAL) | WL_MODE(WL_THREADS) | WL_MODE(WL_PROCESSES),
	.default_mode = WL_SEQUENTIAL,
	.default_workers = CRUNCH_TASKS,
	.max_workers = CRUNCH_TASKS,
	.opts = crunch_opts,
};

/* Sum of x^(task + 2) over the list, placed in the 64-bit half of the result that is the task's. */
static wl_u128 crunch_task(unsigned task)
{
	uint64_t sum = 0, h = task;

	for (uint64_t i = 0; i < crunch_items; i++) {
		uint64_t x = i + 2, v = x * x;

		for (uint64_t w = 0; w < crunch_work; w++)
			h = wl_op(h);
		if (task == 1)
			v *= x;
		sum += v;
	}
	return (wl_u128)sum << (64 * task);
}

static wl_u128 crunch_part(unsigned part, unsigned nparts, void *arg)
{
	wl_u128 r = 0;

	(void)arg;
	for (unsigned t = part; t < CRUNCH_TASKS; t += nparts)
		r += crunch_task(t);
	return r;
}

int main(int argc, char **argv)
{
	wl_u128 results[CRUNCH_TASKS], sum = 0;

	wl_parse(&crunch_prog, argc, argv);
	wl_begin();
	wl_run(crunch_part, NULL, results);
	for (unsigned i = 0; i < wl.workers; i++)
		sum += results[i];
	return wl_finish("sum of squares %llu, sum of cubes %llu", (unsigned long long)sum,
			 (unsigned long long)(sum >> 64));
}
