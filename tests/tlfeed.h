/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic timelines for the tests of the timeline outputs (the strip, --trace, --html): threads
 * that take turns on one lock on one CPU (a GIL), threads that run side by side, and the report
 * those outputs are written from.
 */
#ifndef GP_TESTS_TLFEED_H
#define GP_TESTS_TLFEED_H

#include "analyze/lockobj.h"
#include "analyze/report.h"
#include "analyze/tlview.h"
#include "feed.h"

#define US 1000ULL
#define TL_LOCK 0x2000 /* named tl_lock_name */

static const char *tl_lock_name = "hot";

static int tl_namer(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	if (uaddr == TL_LOCK) {
		snprintf(buf, len, "%s", tl_lock_name);
		return 0;
	}
	snprintf(buf, len, "[anon] 0x%llx", (unsigned long long)uaddr);
	return 1;
}

/*
 * Threads 1 and 2 take turns on cpu0 every 5 ms for 60 ms, each handing the lock to the other
 * (a wakeup, then a futex wait of its own); cpu1 runs thread 2 for its first microsecond.
 */
static inline void tl_feed_turns(void)
{
	uint32_t a = 1, b = 2, x;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	futex_in(1 * US, 2, TL_LOCK, false);
	sw(1 * US, 1, 2, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	for (uint64_t k = 1; k < 12; k++) {
		wake(k * 5 * MS, a, b);
		futex_in(k * 5 * MS, a, TL_LOCK, false);
		sw(k * 5 * MS, 0, a, GP_TASK_INTERRUPTIBLE, false, b, 0, 0);
		futex_out(k * 5 * MS, b, 0);
		x = a, a = b, b = x;
	}
	model_finish(m, 60 * MS);
}

/* Threads 1 and 2 run side by side for 60 ms, one on each CPU. */
static inline void tl_feed_parallel(void)
{
	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	model_finish(m, 60 * MS);
}

/* The report of the model over [0, end]: what the timeline outputs read. */
static inline void tl_report(struct gp_report *r, uint64_t end)
{
	static char *argv[] = {"turns", NULL};

	memset(r, 0, sizeof(*r));
	r->model = m;
	r->end_ts = end;
	r->argv = argv;
	r->exit_status = 0;
	r->name_lock = tl_namer;
	cr_assert_eq(lock_objs_build(m, tl_namer, NULL, &r->objs), 0);
}

/* A whole output written by fn into a string (malloc'd). */
static inline char *tl_capture(int (*fn)(FILE *f, void *ctx), void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(fn(f, ctx), 0);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

#endif
