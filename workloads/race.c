// SPDX-License-Identifier: GPL-2.0
/*
 * race: threads incrementing one shared counter. Under the GIL alone a read-modify-write that
 * sits between two eval-breaker checks is never interleaved, so the total is exact. A delay that
 * releases the GIL between the read and the write (any blocking call would) lets other threads
 * in and updates are lost; an explicit lock around the update makes the total exact again.
 */
#include "wlcommon.h"

pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

static volatile uint64_t race_counter;
static uint64_t race_increments = 1000;
static uint64_t race_delay_us = 100;
static bool race_delay;
static bool race_lock;

static const struct wl_opt race_opts[] = {
	WL_OPT_NUM("increments", "N", "increments per thread (default 1000)", 1, 1000000000,
		   &race_increments),
	WL_OPT_FLAG("delay", "sleep between the read and the write, GIL released", &race_delay),
	WL_OPT_NUM("delay-us", "US", "length of that sleep in microseconds (default 100)", 0,
		   1000000, &race_delay_us),
	WL_OPT_FLAG("lock", "hold the mutex counter_lock around each update", &race_lock),
	WL_OPT_END,
};

static const struct wl_prog race_prog = {
	.name = "race",
	.summary = "Threads increment a shared counter; print the total and the lost updates.",
	.modes = WL_MODE(WL_THREADS),
	.default_mode = WL_THREADS,
	.default_workers = 4,
	.max_workers = WL_MAX_WORKERS,
	.opts = race_opts,
};

/* `counter += 1`: load, add (the dispatch work), store, with no eval-breaker check inside. */
static void race_increment(void)
{
	uint64_t v;

	if (race_lock)
		gil_mutex_lock(&counter_lock);
	v = race_counter;
	(void)wl_dispatch(v);
	if (race_delay)
		gil_sleep_ns((int64_t)race_delay_us * 1000);
	race_counter = v + 1;
	if (race_lock)
		pthread_mutex_unlock(&counter_lock);
}

static wl_u128 race_part(unsigned part, unsigned nparts, void *arg)
{
	(void)part;
	(void)nparts;
	(void)arg;
	for (uint64_t i = 0; i < race_increments; i++) {
		race_increment();
		gil_tick();
	}
	return race_increments;
}

int main(int argc, char **argv)
{
	wl_u128 results[WL_MAX_WORKERS];
	uint64_t expected;

	wl_parse(&race_prog, argc, argv);
	wl_begin();
	wl_run(race_part, NULL, results);
	expected = race_increments * wl.workers;
	return wl_finish("total %llu, expected %llu, lost %llu", (unsigned long long)race_counter,
			 (unsigned long long)expected,
			 (unsigned long long)(expected - race_counter));
}
