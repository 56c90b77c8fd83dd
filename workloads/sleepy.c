// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy: the square-and-cube example of the GIL tutorials. Every step sleeps, and a sleeping
 * thread has released the GIL, so two threads finish in about half the sequential time, as do
 * two processes.
 */
#include "wlcommon.h"

static uint64_t sleepy_sleep_ms = 200;

static const struct wl_opt sleepy_sleep_opt =
	WL_OPT_NUM("sleep-ms", "MS", "sleep before each step, GIL released (default 200)", 0, 60000,
		   &sleepy_sleep_ms);

/* time.sleep(): the GIL is released for the whole sleep. */
static uint64_t sleepy_step(uint64_t h)
{
	gil_sleep_ns((int64_t)sleepy_sleep_ms * 1000000);
	return h;
}

static const struct wl_powers sleepy = {
	.name = "sleepy",
	.summary = "Square and cube a list, sleeping before each step: sequentially (default),\n"
		   "in two threads or in two processes.",
	.step_opt = &sleepy_sleep_opt,
	.step = sleepy_step,
};

int main(int argc, char **argv)
{
	return wl_powers_run(&sleepy, argc, argv);
}
