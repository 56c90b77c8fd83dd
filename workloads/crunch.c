// SPDX-License-Identifier: GPL-2.0
/*
 * crunch: sleepy with the sleep replaced by CPU work. Only one thread runs Python at a time, so
 * two threads take as long as the sequential run; two processes take half as long on two cores.
 */
#include "wlcommon.h"

static uint64_t crunch_work = 10000000; /* about 200 ms of simulated bytecode */

static const struct wl_opt crunch_work_opt =
	WL_OPT_NUM("work", "OPS", "simulated bytecodes before each step (default 10000000)", 0,
		   WL_MAX_COUNT, &crunch_work);

/* Pure-Python computation: it holds the GIL but for the drops the interval forces. */
static uint64_t crunch_step(uint64_t h)
{
	for (uint64_t w = 0; w < crunch_work; w++)
		h = wl_op(h);
	return h;
}

static const struct wl_powers crunch = {
	.name = "crunch",
	.summary =
		"Square and cube a list with CPU work before each step: sequentially (default),\n"
		"in two threads or in two processes.",
	.step_opt = &crunch_work_opt,
	.step = crunch_step,
};

int main(int argc, char **argv)
{
	return wl_powers_run(&crunch, argc, argv);
}
