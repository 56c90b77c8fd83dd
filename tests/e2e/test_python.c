// SPDX-License-Identifier: GPL-2.0
/* A real CPython under gilprof: its GIL's futex words are named as such and behave like it. */
#include "e2e.h"

#define PYENV "/root/.pyenv/versions/"
#define MS 1000000LL

/* Totals over the futex words of one process whose names begin with a given one (a condvar's
 * words are told apart by their offset: "CPython GIL (cond+0x28)"). */
struct named_words {
	int64_t pid;
	int nwords;
	int64_t waits, timeouts;
};

static void words_sum(struct json_object *locks, const char *name, struct named_words *nw)
{
	size_t i;

	for (i = 0; i < json_object_array_length(locks); i++) {
		struct json_object *l = json_object_array_get_idx(locks, i);

		if (jint(l, "pid") != nw->pid ||
		    strncmp(json_object_get_string(jget(l, "name")), name, strlen(name)))
			continue;
		nw->nwords++;
		nw->waits += jint(l, "waits");
		nw->timeouts += jint(l, "timeouts");
	}
}

static bool is_countdown(struct json_object *t)
{
	struct json_object *py = t ? jget(t, "python_thread") : NULL;

	return py && !strncmp(json_object_get_string(py), "countdown", 9);
}

/*
 * The GIL as the interpreter recorded it (read from its memory at its threads' switch-outs)
 * against the kernel's and the trace's figures: a CPU-bound Python thread runs only with the
 * GIL and holds it only running or preempted, every hand-off of the four countdown threads is
 * contended (a wait), and while one waits another countdown thread holds it.
 */
static void gil_interpreter(struct json_object *report)
{
	struct json_object *in = jget(report, "gil.interpreter"),
			   *threads = jget(report, "gil.threads");
	struct json_object *held_by = jget(report, "verdict.lock.held_by"), *waits;
	/* the first object is the GIL (gil_traced checks it) */
	struct json_object *obj = json_object_array_get_idx(jget(report, "lock_objects"), 0);
	int64_t total, acqs = 0, held_by_ns = 0, pairs_ns = 0, slept_ns = jint(obj, "sleep_ns");
	int countdowns = 0;
	size_t i;

	cr_assert(in && !json_object_is_type(in, json_type_null),
		  "no interpreter record of the GIL");
	cr_assert_gt(jint(in, "samples"), 50);
	total = jint(in, "held_ns") + jint(in, "free_ns") + jint(in, "unknown_ns");
	cr_assert_leq(jint(in, "unknown_ns"), total / 20, "%lld of %lld ns nobody's for sure",
		      (long long)jint(in, "unknown_ns"), (long long)total);
	for (i = 0; i < json_object_array_length(threads); i++) {
		struct json_object *g = json_object_array_get_idx(threads, i);
		struct json_object *t = e2e_thread(report, jint(g, "tid"));
		int64_t held = jint(g, "interp_held_ns"), run, pre;

		acqs += jint(g, "acquisitions");
		if (!is_countdown(t))
			continue;
		countdowns++;
		run = jint(t, "running_ns");
		pre = jint(t, "runq_preempted_ns");
		cr_assert(held >= run * 92 / 100 && held <= run + pre + run / 20 + 2 * MS,
			  "tid %lld held %lld ns by the interpreter, ran %lld (+ preempted %lld)",
			  (long long)jint(g, "tid"), (long long)held, (long long)run,
			  (long long)pre);
	}
	cr_assert_eq(countdowns, 4);
	cr_assert(jint(in, "handoffs") * 5 >= acqs * 4 && jint(in, "handoffs") * 4 <= acqs * 5,
		  "%lld hand-offs by switch_number, %lld contended acquisitions",
		  (long long)jint(in, "handoffs"), (long long)acqs);
	cr_assert(held_by && json_object_array_length(held_by) > 0, "the verdict names no holder");
	for (i = 0; i < json_object_array_length(held_by); i++) {
		struct json_object *h = json_object_array_get_idx(held_by, i);

		cr_assert(is_countdown(e2e_thread(report, jint(h, "tid"))),
			  "holder %lld is no countdown thread", (long long)jint(h, "tid"));
		held_by_ns += jint(h, "wait_ns");
	}
	/*
	 * the interpreter names a holder for most of the time slept on the GIL (not when it was
	 * free as the wait began), and the verdict's three shown of four holders most of that
	 */
	waits = jget(in, "waits");
	for (i = 0; i < json_object_array_length(waits); i++)
		pairs_ns += jint(json_object_array_get_idx(waits, i), "wait_ns");
	cr_assert_geq(pairs_ns * 4, slept_ns * 3, "holders named for %lld of %lld ns slept",
		      (long long)pairs_ns, (long long)slept_ns);
	cr_assert_geq(held_by_ns * 10, pairs_ns * 6, "the verdict names %lld of %lld ns",
		      (long long)held_by_ns, (long long)pairs_ns);
}

/* 4 threads counting down in python: the GIL is the lock that serialises them. */
static void gil_traced(const char *python)
{
	const char *script = e2e_bin("../tests/python/countdown.py");
	struct named_words cond = {0}, mutex = {0};
	struct json_object *locks, *top, *obj;
	struct e2e_run *r;
	char json[128];
	int64_t p50;

	e2e_require_root();
	if (access(python, X_OK))
		cr_skip_test("%s is not installed", python);
	e2e_tmpname(json, sizeof(json), "python.json");
	r = e2e_gilprof_run(json, (const char *[]){"run", "--no-status", "--json", json, "--",
						   python, script, "4", "40000000", NULL});
	cr_assert_eq(r->status, 0, "gilprof or python failed (%d): %s", r->status, r->err);
	cr_assert_not_null(r->json, "no JSON report: %s", r->err);
	unlink(json);

	locks = jget(r->json, "locks");
	cr_assert(locks && json_object_array_length(locks) > 0, "no futex words in the report");
	top = json_object_array_get_idx(locks, 0);
	cr_assert(!strncmp(json_object_get_string(jget(top, "name")), "CPython GIL (cond", 17),
		  "the top word is %s (%s)", json_object_get_string(jget(top, "name")),
		  json_object_get_string(jget(top, "address")));
	/* the GIL is one lock: its words one object, the one that serialised the threads */
	obj = json_object_array_get_idx(jget(r->json, "lock_objects"), 0);
	cr_assert_str_eq(json_object_get_string(jget(obj, "name")), "CPython GIL");
	cr_assert_geq(json_object_array_length(jget(obj, "words")), 2);
	cr_assert_str_eq(json_object_get_string(jget(r->json, "verdict.lock.name")), "CPython GIL");

	/* waiters time out once per 5 ms switch interval before the holder is asked to drop it */
	cond.pid = mutex.pid = jint(top, "pid");
	words_sum(locks, "CPython GIL (cond", &cond);
	cr_assert(cond.nwords >= 1 && cond.nwords <= 4, "%d cond words", cond.nwords);
	cr_assert_gt(cond.waits, 50);
	cr_assert_gt(2 * cond.timeouts, cond.waits, "%lld of %lld waits timed out",
		     (long long)cond.timeouts, (long long)cond.waits);
	p50 = jint(top, "p50_ns");
	cr_assert(p50 >= 4 * MS && p50 <= 6 * MS, "median wait %lld ns", (long long)p50);

	/* the mutex around it is taken by every switch, never with a timeout */
	words_sum(locks, "CPython GIL (mutex)", &mutex);
	cr_assert_eq(mutex.nwords, 1);
	cr_assert_eq(mutex.timeouts, 0);
	gil_interpreter(r->json);
	e2e_free(r);
}

Test(python, debian_python311_gil, .timeout = 120)
{
	gil_traced("/usr/bin/python3.11");
}

Test(python, pyenv_python312_gil, .timeout = 120)
{
	gil_traced(PYENV "3.12.1/bin/python3.12");
}

Test(python, pyenv_python313_gil, .timeout = 120)
{
	gil_traced(PYENV "3.13.0/bin/python3.13");
}

/*
 * perf links libpython (for its scripts) and never starts it: its interpreter is found, but a
 * GIL never taken has nothing to say, and no switch of perf's pays for reading it.
 */
Test(python, an_interpreter_never_started_sends_no_gil_state, .timeout = 120)
{
	char json[128], folded[128];
	struct e2e_run *r;

	e2e_require_root();
	if (access("/usr/bin/perf", X_OK))
		cr_skip_test("perf is not installed");
	e2e_tmpname(json, sizeof(json), "perfgil.json");
	e2e_tmpname(folded, sizeof(folded), "perfgil.folded");
	/* with stacks, whose first one has the interpreter looked for */
	r = e2e_gilprof_run(json, (const char *[]){"run", "--no-status", "--json", json, "--folded",
						   folded, "--", "/usr/bin/perf", "bench", "sched",
						   "pipe", "-l", "100000", NULL});
	cr_assert_eq(r->status, 0, "gilprof or perf failed (%d): %s", r->status, r->err);
	cr_assert_not_null(r->json, "no JSON report: %s", r->err);
	unlink(json);
	unlink(folded);
	cr_assert_gt(jint(r->json, "trace.events_by_type.switch"), 20000);
	cr_assert_eq(jint(r->json, "trace.events_by_type.gil"), 0);
	e2e_free(r);
}
