// SPDX-License-Identifier: GPL-2.0
/* Locks end to end: ranking, names, and who ended whose waits, on real programs. */
#include "e2e.h"

/* The tids the program saw holding a lock: "holder NAME TID" lines. */
static bool held_by(const char *out, const char *lock, long tid)
{
	char line[64];

	snprintf(line, sizeof(line), "holder %s %ld\n", lock, tid);
	return strstr(out, line) != NULL;
}

Test(locks, two_locks_ranked_named_and_woken_by_their_holders, .timeout = 120)
{
	const char *names[] = {"hot_lock", "cold_lock"};
	struct json_object *l[2];
	size_t rank[2], i, k, nwaiters = 0;
	char json[128];
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "twolocks.json");
	/* 1500 turns each: in 300, cold_lock's two threads did not always meet (one CI run in 6) */
	r = e2e_gilprof_run(json,
			    (const char *[]){"run", "--json", json, "--",
					     e2e_bin("tests/e2e/two_locks"), "6", "1500", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	for (i = 0; i < 2; i++) {
		l[i] = e2e_lock_named(r->json, names[i], &rank[i]);
		cr_assert_not_null(l[i], "%s is not named in the report", names[i]);
	}
	/* 4 threads wait for hot_lock, 2 for cold_lock: hot waits 5x to 90x as long even beside
	 * two compile-and-write loops (5 threads, 3 on hot, went as low as 1.7x) */
	cr_assert_lt(rank[0], rank[1], "the hot lock ranks above the cold one");
	cr_assert_gt(jint(l[0], "wait_total_ns"), 2 * jint(l[1], "wait_total_ns"));
	for (k = 0; k < 2; k++) {
		struct json_object *ended = jget(l[k], "ended_by");

		for (i = 0; i < json_object_array_length(ended); i++) {
			long waiter = jint(json_object_array_get_idx(ended, i), "waiter");
			long waker = e2e_top_waker(l[k], waiter);

			if (waker < 0)
				continue; /* this waiter's waits mostly returned at once */
			nwaiters++;
			cr_assert_neq(waker, waiter);
			cr_assert(held_by(r->out, names[k], waker),
				  "%s: the top waker %ld of %ld never held it", names[k], waker,
				  waiter);
		}
	}
	cr_assert_gt(nwaiters, 0, "no waiter was woken by a thread");
	unlink(json);
	e2e_free(r);
}

Test(locks, condvar_waits_named_and_woken_by_the_producer, .timeout = 120)
{
	struct json_object *l;
	long producer, consumer, waits = 0;
	char json[128];
	struct e2e_run *r;
	size_t rank, i;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "condvar.json");
	r = e2e_gilprof_run(json, (const char *[]){"run", "--json", json, "--",
						   e2e_bin("tests/e2e/condvar"), "100", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(sscanf(r->out, "producer %ld", &producer), 1, "%s", r->out);
	/* one lock object, ranked first: where the consumer waits most */
	l = json_object_array_get_idx(jget(r->json, "lock_objects"), 0);
	cr_assert_str_eq(json_object_get_string(jget(l, "name")), "queue_cond", "%s", r->out);
	cr_assert_eq(json_object_array_length(jget(l, "words")), 2);
	(void)rank;
	consumer = jint(
		json_object_array_get_idx(
			jget(json_object_array_get_idx(jget(r->json, "processes"), 0), "threads"),
			0),
		"tid");
	/* glibc's condvar alternates between two words, queue_cond+0x28 and +0x2c: told apart
	 * by name, both the producer's to wake */
	for (i = 0; i < json_object_array_length(jget(r->json, "locks")); i++) {
		l = json_object_array_get_idx(jget(r->json, "locks"), i);
		if (strncmp(json_object_get_string(jget(l, "name")), "queue_cond+0x", 13))
			continue;
		cr_assert_eq(e2e_top_waker(l, consumer), producer,
			     "the producer wakes the consumer");
		waits += jint(l, "waits");
	}
	cr_assert_geq(waits, 90, "about one wait per item of 100: %ld", waits);
	unlink(json);
	e2e_free(r);
}
