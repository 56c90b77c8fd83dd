// SPDX-License-Identifier: GPL-2.0
/* The diff of two synthetic runs (tests/diffruns.h): every figure and word is exact. */
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/diff.h"
#include "diffruns.h"

static struct t_run base, new;
static struct gp_diff d;

static void setup(void)
{
	t_run_base(&base);
	t_run_new(&new);
}

/* Criterion ignores a worker's exit status once its test passed, so a leak must crash it. */
static void teardown(void)
{
	diff_free(&d);
	t_run_free(&base);
	t_run_free(&new);
	if (__lsan_do_recoverable_leak_check())
		abort();
}

TestSuite(diff, .init = setup, .fini = teardown);

static void build(const struct t_run *a, const struct t_run *b, unsigned top_locks,
		  unsigned top_threads)
{
	struct gp_diff_opts o = {
		.label = {"a.data", "b.data"},
		.top_locks = top_locks,
		.top_threads = top_threads,
	};

	cr_assert_eq(diff_build(&d, &a->r, &b->r, &o), 0);
}

static const struct gp_diff_lock *lock_row(const char *name)
{
	for (size_t i = 0; i < d.nlocks; i++)
		if (!strcmp(d.locks[i].name, name))
			return &d.locks[i];
	cr_assert_fail("no lock row '%s'", name);
	return NULL;
}

Test(diff, runs_side_by_side)
{
	const struct gp_diff_side *a = &d.side[GP_DIFF_BASE], *b = &d.side[GP_DIFF_NEW];

	build(&base, &new, 10, 10);
	cr_assert_str_eq(a->label, "a.data");
	cr_assert_eq(a->wall_ns, 100 * MS);
	cr_assert_eq(a->cpu_ns, 124 * MS);
	cr_assert_eq(a->lifetime_ns, 266 * MS);
	cr_assert_eq(a->state_ns[GP_DS_RUNNING], 124 * MS);
	cr_assert_eq(a->state_ns[GP_DS_LOCK], 142 * MS);
	cr_assert_eq(a->state_ns[GP_DS_RUNQ], 0);
	cr_assert_float_eq(a->parallelism, 1.24, 1e-12);
	cr_assert_eq(a->nthreads, 3);
	cr_assert_eq(a->ncpus, 2);
	cr_assert_eq(b->wall_ns, 50 * MS);
	cr_assert_eq(b->cpu_ns, 92 * MS);
	cr_assert_eq(b->lifetime_ns, 143 * MS);
	cr_assert_eq(b->state_ns[GP_DS_LOCK], 45 * MS);
	cr_assert_eq(b->state_ns[GP_DS_SLEEP], 6 * MS);
	cr_assert_float_eq(b->parallelism, 1.84, 1e-12);
	cr_assert_eq(b->nthreads, 4);
	cr_assert_float_eq(diff_share(a, GP_DS_LOCK), 100.0 * 142 / 266, 1e-9);
	cr_assert_float_eq(diff_share(b, GP_DS_SLEEP), 100.0 * 6 / 143, 1e-9);
}

Test(diff, locks_matched_by_object_and_call_site)
{
	const struct gp_diff_lock *join, *gil, *counter;

	build(&base, &new, 10, 10);
	cr_assert_eq(d.nlocks, 3, "join (both runs), gil (BASE), counter_lock (NEW)");
	cr_assert_str_eq(d.locks[0].name, "[anon] @ wl_run_threads+0x1e6",
			 "the larger of the two waits ranks: 86 ms");
	cr_assert_str_eq(d.locks[1].name, "gil");
	cr_assert_str_eq(d.locks[2].name, "counter_lock");

	join = lock_row("[anon] @ wl_run_threads+0x1e6");
	cr_assert(join->side[GP_DIFF_BASE].present && join->side[GP_DIFF_NEW].present,
		  "words at other addresses, waited on from one call site, are one lock");
	cr_assert_eq(join->side[GP_DIFF_BASE].wait_ns, 86 * MS);
	cr_assert_eq(join->side[GP_DIFF_NEW].wait_ns, 43 * MS);
	cr_assert_eq(join->delta_ns, -43 * (int64_t)MS);
	cr_assert_eq(join->change, GP_CH_LESS);
	cr_assert_float_eq(diff_pct(86 * MS, 43 * MS), -50.0, 1e-9);

	gil = lock_row("gil");
	cr_assert_eq(gil->side[GP_DIFF_BASE].words, 2, "gil.cond and gil.mutex");
	cr_assert_eq(gil->side[GP_DIFF_BASE].wait_ns, 56 * MS);
	cr_assert_eq(gil->side[GP_DIFF_BASE].waits, 2);
	cr_assert_eq(gil->side[GP_DIFF_BASE].timeouts, 1);
	cr_assert_eq(gil->side[GP_DIFF_BASE].procs, 1);
	cr_assert_not(gil->side[GP_DIFF_NEW].present);
	cr_assert_eq(gil->delta_ns, -56 * (int64_t)MS);

	counter = lock_row("counter_lock");
	cr_assert_not(counter->side[GP_DIFF_BASE].present);
	cr_assert_eq(counter->side[GP_DIFF_NEW].wait_ns, 2 * MS);
	cr_assert_eq(counter->change, GP_CH_MORE);
	cr_assert(isnan(diff_pct(0, 2 * MS)), "no percentage of nothing");
}

Test(diff, threads_matched_by_comm_in_order_of_appearance)
{
	const struct gp_diff_thread *t = NULL;

	build(&base, &new, 10, 10);
	cr_assert_eq(d.nthreads, 4);
	cr_assert_str_eq(d.threads[0].name, "main");
	cr_assert_str_eq(d.threads[1].name, "worker");
	cr_assert_str_eq(d.threads[2].name, "worker#2");
	cr_assert_str_eq(d.threads[3].name, "helper");
	t = &d.threads[1];
	cr_assert_eq(t->side[GP_DIFF_BASE].tid, 2, "the first worker of BASE");
	cr_assert_eq(t->side[GP_DIFF_NEW].tid, 12, "the first worker of NEW");
	cr_assert_eq(t->side[GP_DIFF_BASE].running_ns, 70 * MS);
	cr_assert_eq(t->side[GP_DIFF_BASE].lock_ns, 20 * MS);
	cr_assert_eq(t->side[GP_DIFF_NEW].running_ns, 43 * MS);
	cr_assert_eq(t->side[GP_DIFF_NEW].lock_ns, 2 * MS);
	t = &d.threads[2];
	cr_assert_eq(t->side[GP_DIFF_BASE].tid, 3);
	cr_assert_eq(t->side[GP_DIFF_BASE].lifetime_ns, 76 * MS);
	cr_assert_eq(t->side[GP_DIFF_BASE].lock_ns, 36 * MS);
	cr_assert_eq(t->side[GP_DIFF_NEW].tid, 13);
	cr_assert_eq(t->side[GP_DIFF_NEW].running_ns, 38 * MS);
	t = &d.threads[3];
	cr_assert_not(t->side[GP_DIFF_BASE].present, "helper is only in NEW");
	cr_assert_eq(t->side[GP_DIFF_NEW].pid, 200);
	cr_assert_eq(d.threads[0].side[GP_DIFF_BASE].lock_ns, 86 * MS);
}

Test(diff, verdict_says_what_got_better_and_worse)
{
	build(&base, &new, 10, 10);
	cr_assert_eq(d.nverdict, 3);
	cr_assert_str_eq(d.verdict[0], "wall time 100.0 ms -> 50.00 ms (2.00x faster); CPU time "
				       "124.0 ms -> 92.00 ms (-25.8%); parallelism 1.24 -> 1.84 "
				       "of 2 CPUs");
	cr_assert_str_eq(d.verdict[1],
			 "lock wait 53.4% -> 31.5% of thread time: gil no longer waited on "
			 "(56.00 ms before); [anon] @ wl_run_threads+0x1e6 86.00 ms -> 43.00 ms "
			 "(-50.0%); counter_lock newly waited on (2.000 ms)");
	cr_assert_str_eq(d.verdict[2], "threads 3 -> 4; only in NEW: helper");
}

Test(diff, the_other_way_round_is_slower)
{
	build(&new, &base, 10, 10);
	cr_assert_str_eq(d.verdict[0], "wall time 50.00 ms -> 100.0 ms (2.00x slower); CPU time "
				       "92.00 ms -> 124.0 ms (+34.8%); parallelism 1.84 -> 1.24 "
				       "of 2 CPUs");
	cr_assert_str_eq(d.verdict[1],
			 "lock wait 31.5% -> 53.4% of thread time: gil newly waited on "
			 "(56.00 ms); [anon] @ wl_run_threads+0x1e6 43.00 ms -> 86.00 ms "
			 "(+100.0%); counter_lock no longer waited on (2.000 ms before)");
	cr_assert_str_eq(d.verdict[2], "threads 4 -> 3; only in BASE: helper");
}

Test(diff, a_run_against_itself_is_unchanged)
{
	build(&base, &base, 10, 10);
	cr_assert_eq(d.nlocks, 2);
	cr_assert_eq(d.locks[0].delta_ns, 0);
	cr_assert_eq(d.locks[0].change, GP_CH_UNCHANGED);
	cr_assert_eq(d.nthreads, 3, "every thread matched with itself");
	cr_assert_eq(d.nverdict, 2);
	cr_assert_str_eq(d.verdict[0], "wall time 100.0 ms -> 100.0 ms (unchanged); CPU time "
				       "124.0 ms -> 124.0 ms (unchanged); parallelism 1.24 -> "
				       "1.24 of 2 CPUs (unchanged)");
	cr_assert_str_eq(d.verdict[1], "lock wait 53.4% -> 53.4% of thread time (unchanged); no "
				       "lock's total wait changed (by 5% and 1 ms or more)");
}

Test(diff, an_incomplete_recording_is_said_first)
{
	struct gp_diff_opts o = {.label = {"a.data", "b.data"}, .incomplete = {false, true}};

	cr_assert_eq(diff_build(&d, &base.r, &new.r, &o), 0);
	cr_assert(d.side[GP_DIFF_NEW].incomplete);
	cr_assert_not(d.side[GP_DIFF_BASE].incomplete);
	cr_assert_str_eq(d.verdict[0], "NEW (b.data) is incomplete: the recording is damaged or "
				       "cut short, so its figures cover only its intact part");
	cr_assert_eq(d.nverdict, 4);
}

Test(diff, top_rows_are_counted_not_dropped)
{
	build(&base, &new, 1, 2);
	cr_assert_eq(d.nlocks, 3);
	cr_assert_eq(d.nlocks_shown, 1);
	cr_assert_eq(d.nthreads, 4);
	cr_assert_eq(d.nthreads_shown, 2);
	cr_assert(strstr(d.verdict[1], "counter_lock"), "the verdict weighs every lock: %s",
		  d.verdict[1]);
	diff_free(&d);
	build(&base, &new, 0, 0);
	cr_assert_eq(d.nlocks_shown, 3, "0 shows all");
	cr_assert_eq(d.nthreads_shown, 4);
}

Test(diff, unchanged_under_five_percent_or_one_ms)
{
	cr_assert_eq(diff_change_ns(100 * MS, 104 * MS), GP_CH_UNCHANGED, "4%");
	cr_assert_eq(diff_change_ns(100 * MS, 106 * MS), GP_CH_MORE, "6% and 6 ms");
	cr_assert_eq(diff_change_ns(100 * MS, 94 * MS), GP_CH_LESS);
	cr_assert_eq(diff_change_ns(2000 * MS, 1950 * MS), GP_CH_UNCHANGED, "2.5%, though 50 ms");
	cr_assert_eq(diff_change_ns(100000, 900000), GP_CH_UNCHANGED, "9x, but under 1 ms");
	cr_assert_eq(diff_change_ns(0, MS), GP_CH_MORE, "1 ms from nothing");
	cr_assert_eq(diff_change_ns(0, MS - 1), GP_CH_UNCHANGED);
	cr_assert_eq(diff_change(50.0, 50.9, GP_DIFF_MIN_POINTS), GP_CH_UNCHANGED, "0.9 points");
	cr_assert_eq(diff_change(10.0, 11.5, GP_DIFF_MIN_POINTS), GP_CH_MORE);
	cr_assert_eq(diff_change(1.0, 1.04, GP_DIFF_MIN_PARALLELISM), GP_CH_UNCHANGED);
	cr_assert_eq(diff_change(1.0, 1.9, GP_DIFF_MIN_PARALLELISM), GP_CH_MORE);
}

Test(diff, lock_keys)
{
	char k[GP_DIFF_NAME_LEN];

	diff_lock_key("gil.cond", true, k, sizeof(k));
	cr_assert_str_eq(k, "gil");
	diff_lock_key("gil+0x50", true, k, sizeof(k));
	cr_assert_str_eq(k, "gil");
	diff_lock_key("counter_lock", true, k, sizeof(k));
	cr_assert_str_eq(k, "counter_lock");
	diff_lock_key("CPython GIL (cond)", true, k, sizeof(k));
	cr_assert_str_eq(k, "CPython GIL");
	diff_lock_key("[anon] 0x7f3a0c1f2990 @ wl_run_threads+0x1e6", false, k, sizeof(k));
	cr_assert_str_eq(k, "[anon] @ wl_run_threads+0x1e6");
	diff_lock_key("[heap]+0x1a0 @ main+0x5c", false, k, sizeof(k));
	cr_assert_str_eq(k, "[heap]+0x1a0 @ main+0x5c", "an offset in the heap is kept");
	diff_lock_key("libfoo.so.1+0x1234", false, k, sizeof(k));
	cr_assert_str_eq(k, "libfoo.so.1+0x1234");
	diff_lock_key("0x7f0012345678 @ main+0x5c", false, k, sizeof(k));
	cr_assert_str_eq(k, "[unknown] @ main+0x5c");
	diff_lock_key("0x7f0012345678", false, k, sizeof(k));
	cr_assert_str_eq(k, "[unknown]");
}

Test(diff, runs_without_locks_or_threads)
{
	struct gp_model *empty = model_new(2);
	struct gp_report r = {.model = empty, .name_lock = t_name_lock};
	struct gp_diff_opts o = {.label = {"x", "y"}};

	model_finish(empty, 0);
	cr_assert_eq(diff_build(&d, &r, &r, &o), 0);
	cr_assert_eq(d.nlocks, 0);
	cr_assert_eq(d.nthreads, 0);
	cr_assert_str_eq(d.verdict[1], "lock wait 0.0% -> 0.0% of thread time (unchanged); no "
				       "futex waits in either run");
	diff_free(&d);
	model_free(empty);
}
