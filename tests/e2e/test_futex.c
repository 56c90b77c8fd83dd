// SPDX-License-Identifier: GPL-2.0
/* Futex waits end to end: how they end, against what the waiting syscalls returned. (A suite of
 * its own: Criterion runs a suite's tests side by side, and the lock-ranking tests are sensitive
 * to the load of neighbours.) */
#include "e2e.h"

/*
 * The BPF side sees a futex wait where it blocks and tells a timeout from a wake by who woke it:
 * the waits' counts and outcomes equal what the waiter's syscalls returned.
 */
Test(futex, timeouts_and_wakes_match_what_the_syscalls_returned, .timeout = 120)
{
	long timedout, woken, again, waker, waiter, unseen;
	struct json_object *timed, *wake;
	char json[128];
	struct e2e_run *r;
	size_t rank;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "timedwait.json");
	r = e2e_gilprof_run(json, (const char *[]){"run", "--json", json, "--",
						   e2e_bin("tests/e2e/timedwait"), "50", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(sscanf(r->out, "timedout %ld woken %ld again %ld waker %ld", &timedout, &woken,
			    &again, &waker),
		     4, "%s", r->out);
	cr_assert_eq(timedout, 50, "every wait on timed_word times out: %s", r->out);
	cr_assert_eq(woken, 50, "%s", r->out);
	timed = e2e_lock_named(r->json, "timed_word", &rank);
	wake = e2e_lock_named(r->json, "woken_word", &rank);
	cr_assert_not_null(timed, "no futex word named timed_word:\n%s", r->out);
	cr_assert_not_null(wake, "no futex word named woken_word:\n%s", r->out);
	/* The kernel now and then does not report a wakeup (see the model's anomalies): such a
	 * wait's end is "unseen", never guessed, and each one is an anomaly in the report. */
	unseen = jint(timed, "unseen") + jint(wake, "unseen");
	cr_assert_leq(unseen, jint(jget(r->json, "lost"), "switch_in_without_wakeup"), "%s",
		      r->out);
	cr_assert_eq(jint(timed, "waits"), timedout, "%s", r->out);
	cr_assert_eq(jint(timed, "timeouts") + jint(timed, "unseen"), timedout, "%s", r->out);
	cr_assert_eq(jint(timed, "woken"), 0, "%s", r->out);
	/* A wait that returned EAGAIN never blocked: not a wait. Nor is one whose wake landed
	 * between the waiter queueing itself and sleeping (it returns 0 at once): allow 10%. */
	cr_assert(jint(wake, "waits") <= woken && jint(wake, "waits") >= woken * 9 / 10,
		  "%ld waits seen: %s", (long)jint(wake, "waits"), r->out);
	cr_assert_eq(jint(wake, "woken") + jint(wake, "unseen"), jint(wake, "waits"), "%s", r->out);
	cr_assert_eq(jint(wake, "timeouts"), 0, "%s", r->out);
	waiter = jint(
		json_object_array_get_idx(
			jget(json_object_array_get_idx(jget(r->json, "processes"), 0), "threads"),
			0),
		"tid");
	cr_assert_eq(e2e_top_waker(wake, waiter), waker, "the waker thread ended the waits");
	unlink(json);
	e2e_free(r);
}
