// SPDX-License-Identifier: GPL-2.0
/* The timeline the timeline outputs draw: lanes, segments as states, CPU lanes, the strip. */
#include <errno.h>
#include "tlfeed.h"

TestSuite(tlview, .init = setup, .fini = teardown);

Test(tlview, segments_are_states_with_their_lock_and_waker)
{
	struct gp_report r;
	struct gp_tlview v;
	struct gp_tl_seg s;

	tl_feed_turns();
	tl_report(&r, 60 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	cr_assert_eq(v.nlanes, 2);
	cr_assert_eq(v.lanes[0]->tid, 1);
	cr_assert_eq(tlview_lane(&v, 2), 1);
	cr_assert_eq(tlview_lane(&v, 3), -1);
	cr_assert_eq(v.nlocks, 1);
	cr_assert_str_eq(v.locks[0].name, "hot");
	/* thread 1: running 0-5 ms on cpu0, then waiting on hot until thread 2 hands it back */
	tlview_seg(&v, 0, 0, &s);
	cr_assert_eq(s.state, GP_TL_RUN);
	cr_assert_eq(s.cpu, 0);
	cr_assert_eq(s.start, 0);
	cr_assert_eq(s.end, 5 * MS);
	tlview_seg(&v, 0, 1, &s);
	cr_assert_eq(s.state, GP_TL_LOCK);
	cr_assert_eq(s.lock, 0);
	cr_assert_eq(s.uaddr, TL_LOCK);
	cr_assert_eq(s.waker, 2);
	cr_assert_eq(s.waker_lane, 1);
	cr_assert_eq(s.end, 10 * MS);
	/* the last segment ends with the thread */
	tlview_seg(&v, 1, tlview_nsegs(&v, 1) - 1, &s);
	cr_assert_eq(s.end, 60 * MS);
	tlview_free(&v);
	report_free(&r);
}

Test(tlview, cpu_lanes_hold_the_runs_of_every_thread_in_order)
{
	struct gp_report r;
	struct gp_tlview v;

	tl_feed_turns();
	tl_report(&r, 60 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	cr_assert_eq(v.ncpus, 2);
	cr_assert_eq(v.cpus[0].n, 12);
	for (size_t k = 0; k < v.cpus[0].n; k++) {
		cr_assert_eq(v.cpus[0].v[k].start, k * 5 * MS);
		cr_assert_eq(v.cpus[0].v[k].end, (k + 1) * 5 * MS);
		cr_assert_eq(v.cpus[0].v[k].lane, k % 2);
	}
	cr_assert_eq(v.cpus[1].n, 1, "thread 2's first microsecond");
	cr_assert_eq(v.cpus[1].v[0].end, 1 * US);
	tlview_free(&v);
	report_free(&r);
}

/* Two threads on one CPU at once (a switch the kernel did not report): the later one wins. */
Test(tlview, overlapping_runs_on_a_cpu_end_at_the_next_switch_in)
{
	struct gp_report r;
	struct gp_tlview v;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(2 * MS, 1, 0, 0, false, 2, 0, 0);
	model_finish(m, 10 * MS);
	m->threads[1]->tl.v[0].cpu = 0; /* as if thread 2 had switched in on cpu0 */
	tl_report(&r, 10 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	cr_assert_eq(v.cpus[0].n, 2);
	cr_assert_eq(v.cpus[0].v[0].lane, 0);
	cr_assert_eq(v.cpus[0].v[0].end, 2 * MS);
	cr_assert_eq(v.cpus[0].v[1].lane, 1);
	cr_assert_eq(v.cpus[0].v[1].start, 2 * MS);
	cr_assert_eq(v.cpus[1].n, 0);
	tlview_free(&v);
	report_free(&r);
}

Test(tlview, strip_of_threads_taking_turns)
{
	struct gp_tl_strip s;
	struct gp_report r;
	struct gp_tlview v;

	tl_feed_turns();
	tl_report(&r, 60 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	cr_assert_eq(tlview_strip(&v, v.start, v.end, 12, &s), 0);
	cr_assert_str_eq(tlview_strip_row(&s, 0), "abababababab");
	cr_assert_str_eq(tlview_strip_row(&s, 1), "............", "1 us of 5 ms");
	for (int c = 0; c < 12; c++)
		cr_assert_float_eq(s.busy[c], c ? 1.0 : 1.0002, 1e-9, "column %d", c);
	cr_assert_eq(s.nthreads, 2);
	cr_assert_eq(s.threads[0].letter, 'a');
	cr_assert_eq(s.threads[0].tid, v.lanes[0]->tid);
	cr_assert_eq(s.threads[1].tid, v.lanes[1]->tid);
	tlview_strip_free(&s);
	/* a window of the trace (the tour's: the launched process's life) */
	cr_assert_eq(tlview_strip(&v, 10 * MS, 40 * MS, 6, &s), 0);
	cr_assert_str_eq(tlview_strip_row(&s, 0), "ababab");
	tlview_strip_free(&s);
	cr_assert_eq(tlview_strip(&v, 10 * MS, 10 * MS, 6, &s), -EINVAL);
	tlview_free(&v);
	report_free(&r);
}

/* A column shows its thread when traced threads ran at least half of it. */
Test(tlview, strip_columns_need_half_their_time_running)
{
	struct gp_tl_strip s;
	struct gp_report r;
	struct gp_tlview v;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(5 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0); /* half of column 2 */
	sw(0, 1, 0, 0, false, 2, 0, 0);
	sw(5 * MS - 1, 1, 2, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0); /* a ns short of it */
	model_finish(m, 20 * MS);
	tl_report(&r, 20 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	cr_assert_eq(tlview_strip(&v, v.start, v.end, 10, &s), 0);
	cr_assert_eq(tlview_strip_row(&s, 0)[2], 'a');
	cr_assert_eq(tlview_strip_row(&s, 0)[3], '.');
	cr_assert_eq(tlview_strip_row(&s, 1)[1], 'b');
	cr_assert_eq(tlview_strip_row(&s, 1)[2], '.');
	cr_assert_float_eq(s.busy[2], 1.0 - 1e-6 / 2, 1e-9);
	tlview_strip_free(&s);
	tlview_free(&v);
	report_free(&r);
}
