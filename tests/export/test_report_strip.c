// SPDX-License-Identifier: GPL-2.0
/* The text report's per-CPU strip: threads taking turns on one lane against side by side. */
#include "export/report_strip.h"
#include "tlfeed.h"

TestSuite(strip, .init = setup, .fini = teardown);

static const struct gp_tlview *strip_view;

static int strip_write(FILE *f, void *ctx)
{
	return report_strip(f, strip_view, *(unsigned *)ctx);
}

static char *strip_of(unsigned width)
{
	struct gp_report r;
	struct gp_tlview v;
	char *s;

	tl_report(&r, 60 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	strip_view = &v;
	s = tl_capture(strip_write, &width);
	tlview_free(&v);
	report_free(&r);
	return s;
}

/* A GIL: one lane, the letters alternating; the other CPU idle; one thread running at a time. */
Test(strip, threads_taking_turns_share_one_lane)
{
	char *s;

	tl_feed_turns();
	s = strip_of(60);
	cr_assert_str_eq(
		s,
		"\nthreads on each CPU over the trace (60 columns of 1.000 ms: the thread that ran "
		"longest in each, . where traced threads ran under half of it; busy: how many ran "
		"at once, on average)\n"
		"  cpu0  aaaaabbbbbaaaaabbbbbaaaaabbbbbaaaaabbbbbaaaaabbbbbaaaaabbbbb\n"
		"  cpu1  ............................................................\n"
		"  busy  111111111111111111111111111111111111111111111111111111111111\n"
		"  a 1 t1   b 2 t2\n");
	free(s);
}

/* Processes, or threads without a lock: every lane busy, two running at once. */
Test(strip, threads_side_by_side_fill_every_lane)
{
	char *s, *rows;

	tl_feed_parallel();
	s = strip_of(20);
	rows = strstr(s, "  cpu0");
	cr_assert_not_null(rows);
	cr_assert_str_eq(rows, "  cpu0  aaaaaaaaaaaaaaaaaaaa\n"
			       "  cpu1  bbbbbbbbbbbbbbbbbbbb\n"
			       "  busy  22222222222222222222\n"
			       "  a 1 t1   b 2 t2\n");
	free(s);
}

/* The same model, the same bytes: run and report of its recording print one strip. */
Test(strip, is_deterministic)
{
	char *a, *b;

	tl_feed_turns();
	a = strip_of(60);
	b = strip_of(60);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
}
