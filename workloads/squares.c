// SPDX-License-Identifier: GPL-2.0
/*
 * squares: the sum of the squares of 1..N cut into equal ranges, one per worker. The ranges are
 * independent, so processes divide the time by the number of cores and threads under a GIL do
 * not divide it at all.
 */
#include "wlcommon.h"

#include <stdio.h>

#define SQUARES_MAX (1ULL << 40) /* keeps N(N+1)(2N+1) inside 128 bits */

static uint64_t squares_n = 50000000; /* about 1 s in one thread */

static const struct wl_opt squares_opts[] = {
	WL_OPT_NUM("count", "N", "sum the squares of 1..N (default 50000000)", 1, SQUARES_MAX,
		   &squares_n),
	WL_OPT_END,
};

static const struct wl_prog squares_prog = {
	.name = "squares",
	.summary = "Sum the squares of 1..N in one thread, in N threads or in N processes.",
	.modes = WL_MODE(WL_THREADS) | WL_MODE(WL_PROCESSES),
	.default_mode = WL_SINGLE,
	.default_workers = 1,
	.max_workers = WL_MAX_WORKERS,
	.opts = squares_opts,
};

/* `sum(i * i for i in range(lo, hi))`, one simulated bytecode per term. */
static wl_u128 squares_part(unsigned part, unsigned nparts, void *arg)
{
	uint64_t lo = 1 + squares_n * part / nparts, hi = 1 + squares_n * (part + 1) / nparts;
	uint64_t h = part;
	wl_u128 sum = 0;

	(void)arg;
	for (uint64_t i = lo; i < hi; i++) {
		sum += (wl_u128)i * i;
		h = wl_op(h);
	}
	return sum;
}

int main(int argc, char **argv)
{
	wl_u128 results[WL_MAX_WORKERS], sum = 0, n;
	unsigned parts;
	char text[48];

	wl_parse(&squares_prog, argc, argv);
	wl_begin();
	wl_run(squares_part, NULL, results);
	parts = wl.mode == WL_SINGLE ? 1 : wl.workers;
	for (unsigned i = 0; i < parts; i++)
		sum += results[i];
	n = squares_n;
	if (sum != n * (n + 1) * (2 * n + 1) / 6)
		wl_die("the parts do not add up to N(N+1)(2N+1)/6");
	wl_u128_format(text, sizeof(text), sum);
	return wl_finish("sum of squares of 1..%llu = %s", (unsigned long long)squares_n, text);
}
