// SPDX-License-Identifier: GPL-2.0
/* gilprof run end to end: real BPF on small programs, checked against the kernel's own counts. */
#include "e2e.h"

#define MAX_THREADS 16
#define NTHREADS 8 /* four times as many threads as CPUs on the reference machine */
#define NTHREADS_STR "8"

struct kthread {
	long long tid;
	unsigned long long run_ns, nvcsw, nivcsw;
};

static int truth_read(const char *path, struct kthread *k, int max)
{
	FILE *f = fopen(path, "r");
	int n = 0;

	cr_assert_not_null(f, "the program wrote no truth file %s", path);
	while (n < max && fscanf(f, "%lld %llu %llu %llu", &k[n].tid, &k[n].run_ns, &k[n].nvcsw,
				 &k[n].nivcsw) == 4)
		n++;
	fclose(f);
	return n;
}

/* NTHREADS threads on one mutex, traced; the figures the threads read of themselves too. */
static struct e2e_run *contend(struct kthread *k, int *nk)
{
	char json[128], truth[128];
	const char *prog = e2e_bin("tests/e2e/mutex_contend");
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "contend.json");
	e2e_tmpname(truth, sizeof(truth), "contend.truth");
	r = e2e_gilprof_run(json, (const char *[]){"run", "--json", json, "--", prog, NTHREADS_STR,
						   "800", truth, NULL});
	cr_assert_eq(r->status, 0, "gilprof or the program failed (%d): %s", r->status, r->err);
	cr_assert_not_null(r->json, "no JSON report: %s", r->err);
	*nk = truth_read(truth, k, MAX_THREADS);
	cr_assert_eq(*nk, NTHREADS);
	unlink(json);
	unlink(truth);
	return r;
}

Test(run, mutex_contention_running_time_matches_schedstat, .timeout = 120)
{
	uint64_t futex = 0, running = 0, runq = 0, sleep = 0;
	struct kthread k[MAX_THREADS];
	struct e2e_run *r = contend(k, &(int){0});
	int i;

	for (i = 0; i < NTHREADS; i++) {
		struct json_object *t = e2e_thread(r->json, k[i].tid);
		double run, diff;

		cr_assert_not_null(t, "thread %lld missing from the report", k[i].tid);
		run = jint(t, "running_ns");
		/* gilprof also counts the microseconds between the read and the thread's exit */
		diff = run - (double)k[i].run_ns;
		cr_assert(diff > -1e6 && (diff < 0.01 * k[i].run_ns || diff < 1e6),
			  "tid %lld: gilprof running %.0f ns, schedstat %llu ns", k[i].tid, run,
			  k[i].run_ns);
		futex += jint(t, "futex_wait_ns");
		running += run;
		runq += jint(t, "runq_wakeup_ns") + jint(t, "runq_preempted_ns");
		sleep += jint(t, "sleep_ns") + jint(t, "uninterruptible_ns");
	}
	/* one lock held nearly all the time by one of NTHREADS threads: waiting for it dominates */
	cr_assert(futex > running && futex > runq && futex > sleep,
		  "futex %lu, running %lu, run queue %lu, sleep %lu ns", (unsigned long)futex,
		  (unsigned long)running, (unsigned long)runq, (unsigned long)sleep);
	e2e_free(r);
}

Test(run, mutex_contention_switch_counts_match_kernel, .timeout = 120)
{
	struct kthread k[MAX_THREADS];
	struct e2e_run *r = contend(k, &(int){0});
	int i;

	for (i = 0; i < NTHREADS; i++) {
		struct json_object *t = e2e_thread(r->json, k[i].tid);
		long long v = jint(t, "voluntary_switches"), iv = jint(t, "involuntary_switches");
		long long kv = jint(t, "kernel.voluntary_switches");
		long long kiv = jint(t, "kernel.involuntary_switches");

		/* every switch the kernel counted, gilprof saw and classified the same way */
		cr_assert_eq(v, kv, "tid %lld voluntary: gilprof %lld, kernel at exit %lld",
			     k[i].tid, v, kv);
		cr_assert_eq(iv, kiv, "tid %lld involuntary: gilprof %lld, kernel at exit %lld",
			     k[i].tid, iv, kiv);
		/* and the thread's own reading before it exited agrees: after it, only the final
		 * switch (voluntary) and preemptions on the way out */
		cr_assert(v > (long long)k[i].nvcsw && v <= (long long)k[i].nvcsw + 2,
			  "tid %lld voluntary: gilprof %lld, read by the thread %llu", k[i].tid, v,
			  k[i].nvcsw);
		cr_assert(iv >= (long long)k[i].nivcsw && iv <= (long long)k[i].nivcsw + 10,
			  "tid %lld involuntary: gilprof %lld, read by the thread %llu", k[i].tid,
			  iv, k[i].nivcsw);
	}
	e2e_free(r);
}

Test(run, split_closes_and_lock_is_named, .timeout = 120)
{
	struct kthread k[MAX_THREADS];
	int nk, blocked = 0;
	struct e2e_run *r = contend(k, &nk);
	struct json_object *procs = jget(r->json, "processes"), *locks = jget(r->json, "locks");
	size_t i, j;

	cr_assert_lt(jdbl(r->json, "closure.max_rel_err"), 0.005);
	for (i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *th = jget(json_object_array_get_idx(procs, i), "threads");

		for (j = 0; j < json_object_array_length(th); j++) {
			struct json_object *t = json_object_array_get_idx(th, j);
			double sum = jint(t, "running_ns") + jint(t, "switching_ns") +
				     jint(t, "runq_wakeup_ns") + jint(t, "runq_preempted_ns") +
				     jint(t, "futex_wait_ns") + jint(t, "sleep_ns") +
				     jint(t, "uninterruptible_ns");
			double life = jint(t, "lifetime_ns");

			cr_assert(life > 0 && sum >= 0.995 * life && sum <= 1.005 * life,
				  "tid %ld: split %.0f vs lifetime %.0f", (long)jint(t, "tid"), sum,
				  life);
		}
	}
	cr_assert_gt(json_object_array_length(locks), 0);
	cr_assert_str_eq(json_object_get_string(jget(json_object_array_get_idx(locks, 0), "name")),
			 "counter_lock", "the hottest futex word is the mutex, named by symbol: %s",
			 json_object_to_json_string(json_object_array_get_idx(locks, 0)));
	/* A thread that took the lock first can run all its iterations without ever waiting
	 * (1 run in 5 here): its only voluntary switch is the nap before it reads itself. */
	for (i = 0; i < (size_t)nk; i++)
		blocked += k[i].nvcsw > 1;
	cr_assert_geq(blocked, NTHREADS / 2, "only %d of the threads waited for the lock", blocked);
	cr_assert_eq(jint(json_object_array_get_idx(locks, 0), "waiters"), blocked);
	cr_assert_eq(jint(r->json, "lost.ringbuf_full"), 0);
	e2e_free(r);
}

Test(run, fork_and_exec_are_followed, .timeout = 60)
{
	const char *prog = e2e_bin("tests/e2e/forkexec");
	long parent, execd, plain;
	struct json_object *procs;
	char json[128];
	struct e2e_run *r;
	size_t i;
	int seen = 0;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "forkexec.json");
	r = e2e_gilprof_run(json, (const char *[]){"run", "--json", json, "--", prog, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(sscanf(r->out, "parent %ld execd %ld plain %ld", &parent, &execd, &plain), 3,
		     "%s", r->out);
	procs = jget(r->json, "processes");
	for (i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *p = json_object_array_get_idx(procs, i);
		long pid = jint(p, "pid");

		if (pid == parent) {
			seen |= 1;
			cr_assert_eq(json_object_array_length(jget(p, "threads")), 2);
		} else if (pid == execd) {
			seen |= 2;
			cr_assert_eq(jint(p, "ppid"), parent);
			cr_assert_eq(jint(p, "execs"), 1);
			cr_assert_eq(jint(p, "exit_code"), 0);
		} else if (pid == plain) {
			seen |= 4;
			cr_assert_eq(jint(p, "ppid"), parent);
			cr_assert_eq(jint(p, "exit_code"), 7);
		}
	}
	cr_assert_eq(seen, 7, "processes seen: mask %d", seen);
	unlink(json);
	e2e_free(r);
}

/*
 * The wall time is the command's: tracing ends when it exits, not at the collector's next poll
 * (up to 100 ms later, idle time that the verdict's wall, parallelism and 0-running share
 * counted). The kernel's exec and exit times of the process are the truth.
 */
Test(run, wall_time_is_the_commands_life, .timeout = 60)
{
	long long life, wall, traced;
	struct json_object *p;
	char json[128];
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "wall.json");
	/* 40 ms: long enough for gilprof to be back waiting for events when it exits, short
	 * enough to end well inside the old 100 ms poll */
	r = e2e_gilprof_run(json, (const char *[]){"run", "--no-status", "--json", json, "-o",
						   "/dev/null", "--", "/bin/sleep", "0.04", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(r->json, "%s", r->err);
	cr_assert_eq(json_object_array_length(jget(r->json, "processes")), 1);
	p = json_object_array_get_idx(jget(r->json, "processes"), 0);
	/* its last switch, which comes after the exit wakes gilprof, is in the trace */
	cr_assert(json_object_get_boolean(jget(p, "exited")),
		  "the process did not end in the trace");
	life = jint(p, "end_ns") - jint(p, "start_ns");
	wall = jint(r->json, "verdict.wall_ns");
	traced = jint(r->json, "trace.duration_ns");
	cr_log_info("the process lived %.3f ms; gilprof's wall %.3f ms", life / 1e6, wall / 1e6);
	cr_assert_eq(wall, traced);
	/* before the exec event: the exec itself; after the exit: reaping and draining */
	cr_assert(wall >= life && wall - life < 20000000,
		  "the process lived %.3f ms, gilprof reports a wall of %.3f ms", life / 1e6,
		  wall / 1e6);
	unlink(json);
	e2e_free(r);
}
