// SPDX-License-Identifier: GPL-2.0
/*
 * convoy: the convoy effect. An I/O-bound thread releases the GIL around every short blocking
 * call; when the call returns it must take the GIL back. Alone it gets it at once. Beside a
 * CPU-bound thread, which takes the GIL while the call blocks and never blocks itself, it waits
 * out a whole switch interval before its drop request is honoured, so every call costs about the
 * switch interval however fast the I/O is.
 *
 * The I/O is a read from a timerfd armed for --io-us: a device that answers after a fixed short
 * latency. A round trip through a socketpair would not block at all, and the I/O thread would
 * mostly retake the GIL before the CPU thread, woken by the release, could get to it.
 */
#include "wlcommon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct convoy_phase {
	int64_t *lat; /* per-call latency, blocking call plus retaking the GIL */
	atomic_int cpu_started;
	atomic_int io_done;
	bool with_cpu;
	int64_t p50, p99, max;
};

static uint64_t convoy_calls = 200;
static uint64_t convoy_io_us = 100;
static int convoy_tfd;

static const struct wl_opt convoy_opts[] = {
	WL_OPT_NUM("calls", "N", "blocking calls the I/O thread makes in each phase (default 200)",
		   1, 1000000, &convoy_calls),
	WL_OPT_NUM("io-us", "US",
		   "how long each blocking call blocks, in microseconds (default 100)", 1, 999999,
		   &convoy_io_us),
	WL_OPT_END,
};

static const struct wl_prog convoy_prog = {
	.name = "convoy",
	.summary = "An I/O thread's per-call latency alone, then beside a CPU-bound thread.",
	.modes = 0,
	.default_mode = WL_THREADS,
	.default_workers = 2,
	.max_workers = 2,
	.opts = convoy_opts,
};

/* Arm the device, then wait for its answer with the GIL released. */
static void convoy_call(void)
{
	struct itimerspec its = {.it_value.tv_nsec = (long)convoy_io_us * 1000};
	uint64_t expirations;

	if (timerfd_settime(convoy_tfd, 0, &its, NULL) ||
	    gil_read(convoy_tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
		wl_die("timerfd: %s", strerror(errno));
}

static wl_u128 convoy_io(struct convoy_phase *ph)
{
	uint64_t h = 0;

	while (ph->with_cpu && !atomic_load(&ph->cpu_started))
		gil_sleep_ns(100000);
	for (uint64_t i = 0; i < convoy_calls; i++) {
		int64_t t0 = gil_now_ns();

		convoy_call();
		ph->lat[i] = gil_now_ns() - t0;
		for (int k = 0; k < 10; k++)
			h = wl_op(h);
	}
	atomic_store(&ph->io_done, 1);
	return convoy_calls;
}

static wl_u128 convoy_cpu(struct convoy_phase *ph)
{
	uint64_t h = 0, ops = 0;

	atomic_store(&ph->cpu_started, 1);
	while (!atomic_load_explicit(&ph->io_done, memory_order_relaxed)) {
		h = wl_op(h);
		ops++;
	}
	return ops;
}

static wl_u128 convoy_part(unsigned part, unsigned nparts, void *arg)
{
	(void)nparts;
	return part == 0 ? convoy_io(arg) : convoy_cpu(arg);
}

static int convoy_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void convoy_stats(struct convoy_phase *ph)
{
	uint64_t n = convoy_calls;

	qsort(ph->lat, n, sizeof(ph->lat[0]), convoy_cmp);
	ph->p50 = ph->lat[(n - 1) / 2];
	ph->p99 = ph->lat[(n - 1) * 99 / 100];
	ph->max = ph->lat[n - 1];
}

static void convoy_run(struct convoy_phase *ph, bool with_cpu)
{
	static const char *const alone[] = {"io-alone"};
	static const char *const both[] = {"io-convoy", "cpu-convoy"};
	wl_u128 results[2];

	ph->with_cpu = with_cpu;
	ph->lat = calloc(convoy_calls, sizeof(ph->lat[0]));
	if (!ph->lat)
		wl_die("out of memory");
	wl_run_threads(with_cpu ? 2 : 1, with_cpu ? both : alone, convoy_part, ph, results);
	convoy_stats(ph);
	free(ph->lat);
}

int main(int argc, char **argv)
{
	struct convoy_phase alone = {0}, beside = {0};

	wl_parse(&convoy_prog, argc, argv);
	convoy_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (convoy_tfd < 0)
		wl_die("timerfd_create: %s", strerror(errno));
	wl_begin();
	convoy_run(&alone, false);
	convoy_run(&beside, true);
	printf("convoy: %llu calls blocking %llu us each, latency per call in ms\n",
	       (unsigned long long)convoy_calls, (unsigned long long)convoy_io_us);
	printf("  %-22s %10s %10s %10s\n", "", "p50", "p99", "max");
	printf("  %-22s %10.3f %10.3f %10.3f\n", "I/O thread alone", alone.p50 / 1e6,
	       alone.p99 / 1e6, alone.max / 1e6);
	printf("  %-22s %10.3f %10.3f %10.3f\n\n", "beside a CPU thread", beside.p50 / 1e6,
	       beside.p99 / 1e6, beside.max / 1e6);
	return wl_finish("p50/p99 per call: alone %.3f/%.3f ms, beside a CPU thread %.3f/%.3f ms",
			 alone.p50 / 1e6, alone.p99 / 1e6, beside.p50 / 1e6, beside.p99 / 1e6);
}
