// SPDX-License-Identifier: GPL-2.0
/* The per-CPU strip of who ran where, on synthetic streams. */
#include <errno.h>
#include "analyze/cpustrip.h"
#include "feed.h"

#define US 1000ULL

TestSuite(cpustrip, .init = setup, .fini = teardown);

/* Thread 1 on cpu0 with a gap, thread 2 on cpu1 throughout: a letter per thread, '.' idle. */
Test(cpustrip, a_letter_per_thread_and_a_dot_when_none_ran)
{
	struct gp_cpustrip s;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	sw(4 * MS, 0, 1, GP_TASK_RUNNING, true, 0, 0, 1);
	sw(6 * MS, 0, 0, 0, false, 1, 0, 0);
	model_finish(m, 8 * MS);
	cr_assert_eq(cpustrip_build(m, 0, 8 * MS, 8, &s), 0);
	cr_assert_eq(s.ncpus, 2);
	cr_assert_str_eq(cpustrip_row(&s, 0), "AAAA..AA");
	cr_assert_str_eq(cpustrip_row(&s, 1), "BBBBBBBB");
	cr_assert_eq(s.nletters, 2);
	cr_assert_eq(s.tids[0], 1);
	cr_assert_eq(s.tids[1], 2);
	cpustrip_free(&s);
}

/* A cell shows who ran longest in it; a window cuts the timelines; idle threads get no letter. */
Test(cpustrip, longest_in_a_cell_wins_within_the_window)
{
	struct gp_cpustrip s;

	sw(0, 1, 0, 0, false, 5, 0, 0);
	sw(1 * MS, 1, 5, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0); /* before the window */
	sw(2 * MS, 0, 0, 0, false, 1, 0, 0);
	sw(3 * MS + 400 * US, 0, 1, GP_TASK_RUNNING, true, 3, 0, 1);
	model_finish(m, 4 * MS);
	cr_assert_eq(cpustrip_build(m, 2 * MS, 4 * MS, 2, &s), 0);
	/* cell 2: 1 ran 400 us, 3 ran 600 us */
	cr_assert_str_eq(cpustrip_row(&s, 0), "AB");
	cr_assert_str_eq(cpustrip_row(&s, 1), "..");
	cr_assert_eq(s.tids[0], 1);
	cr_assert_eq(s.tids[1], 3);
	cpustrip_free(&s);
}

/* A-Z, a-z, then '#' for every thread beyond them. */
Test(cpustrip, threads_beyond_the_letters_are_hashes)
{
	char want[64];
	struct gp_cpustrip s;
	uint32_t t;

	for (t = 1; t <= 60; t++)
		sw((t - 1) * MS, 0, t - 1, GP_TASK_INTERRUPTIBLE, false, t, 0, 0);
	sw(60 * MS, 0, 60, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	model_finish(m, 60 * MS);
	cr_assert_eq(cpustrip_build(m, 0, 60 * MS, 60, &s), 0);
	for (t = 0; t < 60; t++)
		want[t] = cpustrip_letter(t);
	want[60] = 0;
	cr_assert_str_eq(cpustrip_row(&s, 0),
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz########");
	cr_assert_str_eq(cpustrip_row(&s, 0), want);
	cr_assert_eq(s.nletters, GP_STRIP_LETTERS);
	cr_assert_eq(s.tids[51], 52);
	cpustrip_free(&s);
}

Test(cpustrip, no_width_or_no_time_is_refused)
{
	struct gp_cpustrip s;

	model_finish(m, MS);
	cr_assert_eq(cpustrip_build(m, 0, MS, 0, &s), -EINVAL);
	cr_assert_eq(cpustrip_build(m, MS, MS, 8, &s), -EINVAL);
	cpustrip_free(&s);
}
