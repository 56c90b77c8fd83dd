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
