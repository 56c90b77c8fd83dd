// SPDX-License-Identifier: GPL-2.0
/* The bundled GIL workloads under gilprof, against the ground truth they measure themselves. */
#include "e2e.h"

/* The thread of a truth file with this tid, NULL if none. */
static struct json_object *truth_thread(struct json_object *truth, int64_t tid)
{
	struct json_object *procs = jget(truth, "processes");
	size_t i, j;

	for (i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *th = jget(json_object_array_get_idx(procs, i), "threads");

		for (j = 0; j < json_object_array_length(th); j++) {
			if (jint(json_object_array_get_idx(th, j), "tid") == tid)
				return json_object_array_get_idx(th, j);
		}
	}
	return NULL;
}

/*
 * countdown with 2 threads: what a thread waited for the GIL (asking -> holding it) is, seen
 * from the kernel, its futex waits on the GIL's words plus the run-queue delay after those
 * wakeups; what it held is its time on CPU. A preemption by another program belongs to either,
 * depending on whether the thread held the GIL then, which the kernel cannot see: each truth
 * lies between the kernel's figure and that plus the preempted time, within 2% of the lifetime.
 */
Test(workloads, countdown_threads_match_ground_truth, .timeout = 120)
{
	const char *prog = e2e_bin("workloads/countdown");
	char json[128], truthpath[128];
	struct json_object *truth, *procs, *threads;
	struct e2e_run *r;
	int workers = 0;
	size_t i;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "countdown.json");
	e2e_tmpname(truthpath, sizeof(truthpath), "countdown.truth");
	r = e2e_gilprof_run(json,
			    (const char *[]){"run", "--json", json, "--", prog, "--threads", "2",
					     "--count", "40000000", "--truth", truthpath, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(r->json);
	truth = json_object_from_file(truthpath);
	cr_assert_not_null(truth, "no ground truth from the workload");
	procs = jget(r->json, "processes");
	cr_assert_eq(json_object_array_length(procs), 1);
	threads = jget(json_object_array_get_idx(procs, 0), "threads");
	for (i = 0; i < json_object_array_length(threads); i++) {
		struct json_object *t = json_object_array_get_idx(threads, i);
		struct json_object *tt = truth_thread(truth, jint(t, "tid"));
		double life = jint(t, "lifetime_ns"), wait, hold, twait, thold, pre, tol;

		cr_assert_not_null(tt, "thread %ld is not in the ground truth",
				   (long)jint(t, "tid"));
		if (jint(tt, "acquisitions") < 10)
			continue; /* the main thread only starts and joins the workers */
		workers++;
		wait = jint(t, "futex_wait_ns") + jint(t, "runq_wakeup_ns");
		hold = jint(t, "running_ns") + jint(t, "switching_ns");
		pre = jint(t, "runq_preempted_ns");
		twait = jint(tt, "gil_wait_ns");
		thold = jint(tt, "gil_hold_ns");
		tol = 0.02 * life;
		cr_assert(twait >= wait - tol && twait <= wait + pre + tol,
			  "%s: gilprof wait %.1f ms (+ preempted %.1f ms), ground truth %.1f ms, "
			  "lifetime %.1f ms",
			  json_object_get_string(jget(tt, "name")), wait / 1e6, pre / 1e6,
			  twait / 1e6, life / 1e6);
		cr_assert(thold >= hold - tol && thold <= hold + pre + tol,
			  "%s: gilprof running %.1f ms (+ preempted %.1f ms), ground truth hold "
			  "%.1f ms, lifetime %.1f ms",
			  json_object_get_string(jget(tt, "name")), hold / 1e6, pre / 1e6,
			  thold / 1e6, life / 1e6);
		cr_assert(fabs(wait + hold + pre - twait - thold) <= tol,
			  "%s: wait + hold + preempted %.1f ms, ground truth wait + hold %.1f ms",
			  json_object_get_string(jget(tt, "name")), (wait + hold + pre) / 1e6,
			  (twait + thold) / 1e6);
	}
	cr_assert_eq(workers, 2);
	json_object_put(truth);
	unlink(json);
	unlink(truthpath);
	e2e_free(r);
}

Test(workloads, unknown_workload_lists_the_valid_ones)
{
	struct e2e_run *r;

	e2e_require_root();
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "countdwn", NULL});
	cr_assert_eq(r->status, 127, "%d %s", r->status, r->err);
	cr_assert_not_null(strstr(r->err, "countdown, sleepy"), "%s", r->err);
	e2e_free(r);
}

Test(workloads, workload_options_pass_through)
{
	struct e2e_run *r;

	e2e_require_root();
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "countdown", "--threads", "0", NULL});
	cr_assert_eq(r->status, 2, "%d %s", r->status, r->err);
	cr_assert_not_null(strstr(r->err, "--threads"), "%s", r->err);
	e2e_free(r);
}

Test(workloads, list)
{
	struct e2e_run *r = e2e_gilprof_run(NULL, (const char *[]){"workloads", NULL});

	cr_assert_eq(r->status, 0);
	cr_assert_not_null(strstr(r->out, "countdown"));
	cr_assert_not_null(strstr(r->out, "convoy"));
	cr_assert_null(strstr(r->out, "not built"), "%s", r->out);
	e2e_free(r);
}
