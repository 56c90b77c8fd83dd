// SPDX-License-Identifier: GPL-2.0
/* The tour's table of experiments, its figures on a synthetic trace, and the race's result. */
#include <errno.h>
#include "analyze/gilstats.h"
#include "analyze/lockobj.h"
#include "analyze/tour.h"
#include "feed.h"

#define US 1000ULL

TestSuite(tour, .init = setup, .fini = teardown);

static int namer(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	snprintf(buf, len, "[anon] 0x%llx", (unsigned long long)uaddr);
	return 1;
}

static void measure(struct gp_tour_fig *f)
{
	struct gp_report r = {.model = m};

	memset(f, 0, sizeof(*f));
	cr_assert_eq(lock_objs_build(m, namer, NULL, &r.objs), 0);
	cr_assert_eq(gil_stats_build(m, &r.objs, namer, NULL, &r.gil), 0);
	cr_assert_eq(tour_measure(&r, f), 0);
	gil_stats_free(&r.gil);
	lock_objs_free(&r.objs);
}

static void exit_ev(uint64_t ts, uint32_t pid, uint64_t maxrss_kb)
{
	union gp_event e = {0};

	e.exit.group_dead = 1;
	e.exit.maxrss_kb = maxrss_kb;
	feed(&e, GP_EV_EXIT, ts, 1, pid, pid);
}

/* Every mode names a workload, a base among its experiment's modes and a label that fits. */
Test(tour, the_table_is_consistent)
{
	char label[48];

	for (size_t i = 0; i < GP_TOUR_COUNT; i++) {
		const struct gp_tour_def *d = &gp_tours[i];

		cr_assert_eq(d->id, i);
		cr_assert_eq(tour_find(d->name), d);
		cr_assert(d->nmodes >= 1 && d->nmodes <= GP_TOUR_MODES);
		for (unsigned k = 0; k < d->nmodes; k++) {
			cr_assert_not_null(d->modes[k].workload);
			cr_assert_lt(d->modes[k].base, d->nmodes);
			cr_assert_lt(snprintf(label, sizeof(label), d->modes[k].label, 1024u),
				     (int)sizeof(label));
			cr_assert_null(d->modes[k].args[GP_TOUR_ARGS - 1], "room for the NULL");
		}
	}
	cr_assert_null(tour_find("sleepy"), "a workload is not an experiment");
}

/*
 * A parent (P, on cpu0 throughout) starts two threads, a forked process and a spawned one (it
 * execs 0.4 ms after it began to run): each kind's start (creation -> first run, after the exec
 * for the spawned), CPU, peak RSS, the parent's gap between the two threads; and the run's
 * wall, CPU and time with 1 and 2 threads running.
 */
Test(tour, start_costs_by_kind_and_parallelism)
{
	union gp_event e = {0};
	struct gp_tour_fig f;

	sw(0, 0, 0, 0, false, P, 0, 0);
	fork_ev(1 * MS, P, P + 1, P);
	fork_ev(1 * MS + 50 * US, P, P + 2, P);
	sw(1 * MS + 100 * US, 1, 0, 0, false, P + 1, 0, 0);
	sw(1 * MS + 300 * US, 1, P + 1, GP_TASK_DEAD, false, P + 2, 0, 0);
	sw(1 * MS + 400 * US, 1, P + 2, GP_TASK_DEAD, false, 0, 0, 0);
	fork_ev(2 * MS, P, 200, 200);
	sw(2 * MS + 500 * US, 1, 0, 0, false, 200, 0, 0);
	exit_ev(2 * MS + 900 * US, 200, 1500);
	sw(3 * MS, 1, 200, GP_TASK_DEAD, false, 0, 0, 0);
	fork_ev(3 * MS, P, 300, 300);
	sw(3 * MS + 100 * US, 1, 0, 0, false, 300, 0, 0);
	e.exec.old_tid = 300;
	feed(&e, GP_EV_EXEC, 3 * MS + 500 * US, 1, 300, 300);
	exit_ev(3 * MS + 900 * US, 300, 2048);
	sw(4 * MS, 1, 300, GP_TASK_DEAD, false, 0, 0, 0);
	sw(5 * MS, 0, P, GP_TASK_DEAD, false, 0, 0, 0);
	model_finish(m, 6 * MS);
	measure(&f);

	cr_assert_eq(f.start[GP_TK_THREAD].workers, 2);
	/* starts 100 and 250 us, CPU 200 and 100 us: the lower median of two is the first */
	cr_assert_eq(f.start[GP_TK_THREAD].start_ns, 100 * US);
	cr_assert_eq(f.start[GP_TK_THREAD].cpu_ns, 100 * US);
	cr_assert_eq(f.start[GP_TK_THREAD].parent_ns, 50 * US);
	cr_assert_eq(f.start[GP_TK_THREAD].rss_kb, 0, "a thread's memory is its process's");
	cr_assert_eq(f.start[GP_TK_FORK].workers, 1);
	cr_assert_eq(f.start[GP_TK_FORK].start_ns, 500 * US);
	cr_assert_eq(f.start[GP_TK_FORK].cpu_ns, 500 * US);
	cr_assert_eq(f.start[GP_TK_FORK].rss_kb, 1500);
	cr_assert_eq(f.start[GP_TK_SPAWN].workers, 1);
	cr_assert_eq(f.start[GP_TK_SPAWN].start_ns, 500 * US, "to the end of its exec");
	cr_assert_eq(f.start[GP_TK_SPAWN].cpu_ns, 900 * US);
	cr_assert_eq(f.start[GP_TK_SPAWN].rss_kb, 2048);

	cr_assert_eq(f.wall_ns, 5 * MS, "the launched process's life");
	cr_assert_eq(f.cpu_ns, 5 * MS + 300 * US + 500 * US + 900 * US);
	cr_assert_eq(f.hist[1], 3 * MS + 300 * US);
	cr_assert_eq(f.hist[2], 1 * MS + 700 * US);
	cr_assert_float_eq(f.parallelism, 6.7 / 5, 1e-9);
	cr_assert_float_eq(f.free_cpus, 2, 1e-9, "no per-CPU figures: all the CPUs");
	cr_assert_not(f.has_lock);
	cr_assert_eq(f.strip.ncpus, 2);
	cr_assert_eq(strspn(tlview_strip_row(&f.strip, 0), "a"), GP_TOUR_STRIP_WIDTH);
	cr_assert_str_eq(f.strip.threads[0].comm, "t100");
	tour_fig_free(&f);
}

/* The workers' shares leave out a main thread that only starts and waits for them. */
Test(tour, shares_are_of_the_workers)
{
	struct gp_tour_fig f;

	sw(0, 0, 0, 0, false, P, 0, 0);
	fork_ev(1 * MS, P, P + 1, P);
	sw(1 * MS, 0, P, GP_TASK_INTERRUPTIBLE, false, P + 1, 0, 0);
	futex_in(2 * MS, P + 1, 0x2000, false);
	sw(2 * MS, 0, P + 1, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wake(3 * MS, 0, P + 1);
	sw(3 * MS, 0, 0, 0, false, P + 1, 0, 0);
	futex_out(3 * MS, P + 1, 0);
	sw(5 * MS, 0, P + 1, GP_TASK_DEAD, false, P, 0, 0);
	sw(5 * MS, 0, P, GP_TASK_DEAD, false, 0, 0, 0);
	model_finish(m, 6 * MS);
	measure(&f);
	cr_assert_eq(f.life_ns, 4 * MS, "only thread P+1's");
	cr_assert_eq(f.lock_ns, 1 * MS);
	cr_assert_float_eq(tour_share(f.lock_ns, f.life_ns), 0.25, 1e-12);
	tour_fig_free(&f);
}

Test(tour, race_result_is_read_from_its_output)
{
	struct gp_tour_fig f = {0};

	cr_assert_eq(tour_parse_result("race: threads x4, GIL on\n"
				       "  result  total 1500, expected 2000, lost 500\n"
				       "  wall    0.107 s\n",
				       &f),
		     0);
	cr_assert(f.has_result);
	cr_assert_eq(f.total, 1500);
	cr_assert_eq(f.expected, 2000);
	cr_assert_eq(f.lost, 500);
	memset(&f, 0, sizeof(f));
	cr_assert_eq(tour_parse_result("total 12, expected 40\ntotal of nothing\n", &f), -ENOENT);
	cr_assert_not(f.has_result);
	cr_assert_eq(tour_parse_result("", &f), -ENOENT);
}

Test(tour, speedup_is_against_the_mode_base)
{
	struct gp_tour_run run = {.def = tour_find("sleep-vs-cpu")};

	run.fig[0].wall_ns = 400;
	run.fig[1].wall_ns = 200;
	run.fig[3].wall_ns = 600;
	run.fig[4].wall_ns = 600;
	run.fig[5].wall_ns = 0;
	cr_assert_float_eq(tour_speedup(&run, 1), 2.0, 1e-12);
	cr_assert_float_eq(tour_speedup(&run, 4), 1.0, 1e-12, "crunch against crunch");
	cr_assert_float_eq(tour_speedup(&run, 5), 0.0, 1e-12, "unknown");
}
