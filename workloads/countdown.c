// SPDX-License-Identifier: GPL-2.0
/*
 * countdown: David Beazley's GIL experiment. Counting down is pure CPU work, so under a GIL two
 * threads take as long as one thread (or longer, paying for the hand-offs), while two processes,
 * each with a GIL of its own, take half as long on two cores.
 */
#include "wlcommon.h"

#include <stdio.h>

/* About 2 s for one thread on the 2-core AMD EPYC development machine. */
#define COUNTDOWN_DEFAULT 100000000ULL

static uint64_t countdown_count = COUNTDOWN_DEFAULT;

static const struct wl_opt countdown_opts[] = {
	WL_OPT_NUM("count", "N", "count down from N (default 100000000), split over the workers", 1,
		   WL_MAX_COUNT, &countdown_count),
	WL_OPT_END,
};

static const struct wl_prog countdown_prog = {
	.name = "countdown",
	.summary = "Count down from N in one thread, in N threads or in N processes.",
	.modes = WL_MODE(WL_THREADS) | WL_MODE(WL_PROCESSES),
	.default_mode = WL_SINGLE,
	.default_workers = 1,
	.max_workers = WL_MAX_WORKERS,
	.opts = countdown_opts,
};

/* `while n > 0: n -= 1`, one simulated bytecode per step; returns how far this part counted. */
static wl_u128 countdown_part(unsigned part, unsigned nparts, void *arg)
{
	uint64_t n = countdown_count / nparts + (part < countdown_count % nparts);
	uint64_t counted = 0, x = part;

	(void)arg;
	while (n > 0) {
		n--;
		counted++;
		x = wl_op(x);
	}
	return counted;
}

int main(int argc, char **argv)
{
	wl_u128 results[WL_MAX_WORKERS];
	uint64_t total = 0;
	unsigned parts;

	wl_parse(&countdown_prog, argc, argv);
	wl_begin();
	wl_run(countdown_part, NULL, results);
	parts = wl.mode == WL_SINGLE ? 1 : wl.workers;
	for (unsigned i = 0; i < parts; i++)
		total += (uint64_t)results[i];
	if (total != countdown_count)
		wl_die("counted %llu of %llu", (unsigned long long)total,
		       (unsigned long long)countdown_count);
	return wl_finish("counted down from %llu to 0", (unsigned long long)countdown_count);
}
