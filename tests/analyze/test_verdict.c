// SPDX-License-Identifier: GPL-2.0
/* Lock objects, acquisitions, the what-if replay and the verdict on synthetic streams. */
#include "analyze/lockobj.h"
#include "analyze/verdict.h"
#include "analyze/whatif.h"
#include "feed.h"

#define US 1000ULL

TestSuite(verdict, .init = setup, .fini = teardown);

/* Words 0x1000 and 0x1004 are gil.cond, 0x1040 gil.mutex, 0x2000 hot; others by address. */
static int namer(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	if (uaddr == 0x1000 || uaddr == 0x1004)
		snprintf(buf, len, "gil.cond%s", uaddr == 0x1004 ? "+0x4" : "");
	else if (uaddr == 0x1040)
		snprintf(buf, len, "gil.mutex");
	else if (uaddr == 0x2000)
		snprintf(buf, len, "hot");
	else {
		snprintf(buf, len, "[anon] 0x%llx", (unsigned long long)uaddr);
		return 1;
	}
	return 0;
}

static void futex_val(uint64_t ts, uint32_t tid, uint64_t uaddr, uint32_t val)
{
	union gp_event e = {0};

	e.fenter.uaddr = uaddr;
	e.fenter.val = val;
	feed(&e, GP_EV_FUTEX_ENTER, ts, 0, tid, P);
}

/* t blocks in a futex wait on uaddr at ts (on cpu), woken by waker at wake, back on cpu at in. */
static void wait_on(uint32_t t, uint32_t cpu, uint64_t uaddr, uint64_t ts, uint32_t waker,
		    uint64_t wake_ts, uint64_t in)
{
	futex_in(ts, t, uaddr, false);
	sw(ts, cpu, t, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wake(wake_ts, waker, t);
	sw(in, cpu, 0, 0, false, t, 0, 0);
	futex_out(in, t, 0);
}

static const struct gp_lock_obj *obj_named(const struct gp_lock_objs *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].name, name))
			return &o->v[i];
	return NULL;
}

/* Woken, lost the lock, slept again: one acquisition of two waits, the time between included. */
Test(verdict, a_retry_is_the_same_acquisition)
{
	struct gp_lock_objs objs;
	const struct gp_lock_obj *o;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	wait_on(1, 0, 0x2000, 1 * MS, 2, 3 * MS, 3 * MS + 20 * US);
	/* 5 us on CPU, then the lock is gone again */
	wait_on(1, 0, 0x2000, 3 * MS + 25 * US, 2, 6 * MS, 6 * MS + 10 * US);
	model_finish(m, 10 * MS);
	cr_assert_eq(lock_objs_build(m, namer, NULL, &objs), 0);
	o = obj_named(&objs, "hot");
	cr_assert_not_null(o);
	cr_assert_eq(o->acquisitions, 1);
	cr_assert_eq(o->waits, 2);
	cr_assert_eq(o->retries, 1);
	cr_assert_eq(o->acquire_ns, 5 * MS + 10 * US, "first wait -> back on a CPU after the last");
	cr_assert_eq(o->sleep_ns, 2 * MS + 3 * MS - 25 * US);
	cr_assert_eq(o->nholders, 1);
	cr_assert_eq(o->holders[0].tid, 2);
	lock_objs_free(&objs);
}

/* Between two waits the thread released the lock (it woke a waiter of it): two acquisitions. */
Test(verdict, a_release_between_waits_splits_them)
{
	struct gp_lock_objs objs;
	const struct gp_lock_obj *o;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	wait_on(1, 0, 0x2000, 1 * MS, 2, 2 * MS, 2 * MS + 10 * US);
	/* thread 2 waits and thread 1 releases it 5 us later, then waits again itself */
	wait_on(2, 1, 0x2000, 2 * MS + 1 * US, 1, 2 * MS + 15 * US, 2 * MS + 30 * US);
	wait_on(1, 0, 0x2000, 2 * MS + 20 * US, 2, 4 * MS, 4 * MS + 10 * US);
	model_finish(m, 10 * MS);
	cr_assert_eq(lock_objs_build(m, namer, NULL, &objs), 0);
	o = obj_named(&objs, "hot");
	cr_assert_eq(o->acquisitions, 3);
	cr_assert_eq(o->retries, 0);
	lock_objs_free(&objs);
}

/* The words of one symbol are one object; a wait for a thread's tid to clear is a join. */
Test(verdict, objects_and_joins)
{
	struct gp_lock_objs objs;
	const struct gp_lock_obj *gil, *join;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	fork_ev(1 * MS, 1, 2, P);
	sw(1 * MS, 1, 0, 0, false, 2, 0, 0);
	futex_val(2 * MS, 1, 0x7000, 2); /* pthread_join(2): waits for its tid word */
	sw(2 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wait_on(2, 1, 0x1000, 3 * MS, 0, 4 * MS, 4 * MS);
	wait_on(2, 1, 0x1004, 5 * MS, 0, 6 * MS, 6 * MS);
	wait_on(2, 1, 0x1040, 7 * MS, 0, 8 * MS, 8 * MS);
	wake(9 * MS, 2, 1);
	sw(9 * MS + 10 * US, 0, 0, 0, false, 1, 0, 0);
	futex_out(9 * MS + 10 * US, 1, 0);
	model_finish(m, 10 * MS);
	cr_assert_eq(lock_objs_build(m, namer, NULL, &objs), 0);
	gil = obj_named(&objs, "gil");
	cr_assert_not_null(gil);
	cr_assert_eq(gil->nwords, 3);
	cr_assert_not(gil->join);
	join = obj_named(&objs, "[anon] 0x7000");
	cr_assert_not_null(join);
	cr_assert(join->join);
	cr_assert_eq(objs.nlocks, 1, "joins are not ranked among the locks");
	cr_assert_eq(&objs.v[objs.n - 1], join);
	lock_objs_free(&objs);
}

/*
 * Three threads, 10 ms of work each, serialised by a lock: thread 2 waits until thread 1 is done,
 * thread 3 until thread 2 is; each then sleeps to the end (a thread that ended right after its
 * release would make it a join). Without the lock's waits they share the CPUs: 3x on 3, 2x on 2
 * (30 ms of work in 15 ms), nothing on 1.
 */
static void serialised_three(void)
{
	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	futex_in(0, 2, 0x2000, false);
	sw(0, 1, 2, GP_TASK_INTERRUPTIBLE, false, 3, 0, 0);
	futex_in(0, 3, 0x2000, false);
	sw(0, 1, 3, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wake(10 * MS, 1, 2);
	sw(10 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	sw(10 * MS, 1, 0, 0, false, 2, 0, 0);
	futex_out(10 * MS, 2, 0);
	wake(20 * MS, 2, 3);
	sw(20 * MS, 1, 2, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	sw(20 * MS, 0, 0, 0, false, 3, 0, 0);
	futex_out(20 * MS, 3, 0);
	sw(30 * MS, 0, 3, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	model_finish(m, 30 * MS);
}

Test(verdict, whatif_without_a_serialising_lock)
{
	/* thread 2's acquisition ends when it is back on a CPU, at 10 ms; thread 3's at 20 ms */
	const struct gp_whatif_span spans[] = {{2, 0, 10 * MS}, {3, 0, 20 * MS}};
	struct gp_whatif_lock l = {spans, 2};
	struct gp_whatif w;

	serialised_three();
	cr_assert_eq(whatif_run(m, 3, &l, &w), 0);
	cr_assert_eq(w.base_ns, 30 * MS, "the replay as recorded takes what the run took");
	cr_assert_eq(w.without_ns, 10 * MS);
	cr_assert_float_eq(w.speedup, 3.0, 1e-9);
	cr_assert_eq(w.removed_ns, 30 * MS);
	cr_assert_eq(w.forced, 0);
	cr_assert_eq(whatif_run(m, 2, &l, &w), 0);
	cr_assert_eq(w.without_ns, 15 * MS);
	cr_assert_float_eq(w.speedup, 2.0, 1e-9);
	/* on one CPU nothing is gained */
	cr_assert_eq(whatif_run(m, 1, &l, &w), 0);
	cr_assert_float_eq(w.speedup, 1.0, 1e-9);
}

/*
 * Thread 2 waits for thread 1 (which runs 10 ms on cpu0), is woken at 10 ms and gets a CPU only
 * 4 ms later though cpu1 is free (a wakeup placed on the waker's CPU): the replay, which makes
 * run-queue time from CPU capacity only, keeps that latency as recorded, so the replay as
 * recorded takes what the run took; without the lock the wait and its latency go together.
 */
Test(verdict, whatif_keeps_the_wakeup_latency)
{
	const struct gp_whatif_span spans[] = {{2, 0, 14 * MS}};
	struct gp_whatif_lock l = {spans, 1};
	struct gp_whatif w;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	futex_in(0, 2, 0x2000, false);
	sw(0, 1, 2, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wake(10 * MS, 1, 2);
	sw(14 * MS, 1, 0, 0, false, 2, 0, 0);
	futex_out(14 * MS, 2, 0);
	sw(20 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	sw(24 * MS, 1, 2, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	model_finish(m, 24 * MS);
	cr_assert_eq(whatif_run(m, 2, NULL, &w), 0);
	cr_assert_eq(w.base_ns, 24 * MS, "wait until 10 ms, 4 ms to a CPU, 10 ms of work");
	cr_assert_eq(whatif_run(m, 2, &l, &w), 0);
	cr_assert_eq(w.without_ns, 20 * MS, "thread 1's 20 ms; thread 2's 10 ms beside it");
	cr_assert_eq(w.removed_ns, 14 * MS);
}

Test(verdict, verdict_names_the_lock_and_the_gain)
{
	struct gp_lock_objs objs;
	struct gp_verdict v;

	serialised_three();
	cr_assert_eq(lock_objs_build(m, namer, NULL, &objs), 0);
	/* stats: no other task took the 2 CPUs' time */
	cr_assert_eq(verdict_build(m, NULL, 0, 30 * MS, &objs, &v), 0);
	cr_assert_eq(v.wall_ns, 30 * MS);
	cr_assert_eq(v.cpu_ns, 30 * MS);
	cr_assert_float_eq(v.parallelism, 1.0, 1e-9);
	cr_assert_eq(v.hist[1], 30 * MS, "one thread ran at a time throughout");
	cr_assert_not_null(v.lock);
	cr_assert_str_eq(v.lock->name, "hot");
	cr_assert_float_eq(v.lock_share, 30.0 / 60, 1e-9, "10 + 20 ms of the waiters' 30 + 30");
	cr_assert_eq(v.nholders, 2);
	cr_assert(v.predicted);
	cr_assert_float_eq(v.predicted_speedup, 2.0, 1e-9);
	cr_assert_eq(v.predicted_wall_ns, 15 * MS);
	cr_assert_eq(v.advice, GP_ADV_SHRINK);
	lock_objs_free(&objs);
}

/* The GIL's state as the interpreter's memory had it when a thread of P switched out. */
static void gil_sample(uint64_t ts, uint32_t tid, int locked, uint32_t holder, uint64_t sn)
{
	union gp_event e = {0};

	e.gil.gil = 0x1000 - 32; /* its cond at 0x1000, named gil.cond */
	e.gil.locked = (__s16)locked;
	e.gil.holder_tid = holder;
	e.gil.switch_number = sn;
	feed(&e, GP_EV_GIL, ts, 0, tid, P);
}

/*
 * Threads 2 and 3 wait for the GIL while thread 1 holds it, as the interpreter says at their
 * switch-outs: each wait is counted to 1 from its start to its end, and the verdict names 1.
 * Thread 2 waits on a GIL held by a tid that is no thread of P: no holder for it.
 */
Test(verdict, the_interpreter_names_who_held_the_gil_while_threads_waited)
{
	const struct gp_gilmem *g;
	struct gp_lock_objs objs;
	struct gp_verdict v;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	fork_ev(0, 1, 3, P);
	futex_in(1 * MS, 2, 0x1000, true);
	gil_sample(1 * MS, 2, 1, 1, 5);
	sw(1 * MS, 1, 2, GP_TASK_INTERRUPTIBLE, false, 3, 0, 0);
	futex_in(2 * MS, 3, 0x1000, true);
	gil_sample(2 * MS, 3, 1, 1, 5);
	sw(2 * MS, 1, 3, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wake(5 * MS, 1, 2);
	sw(5 * MS, 1, 0, 0, false, 2, 0, 0);
	futex_out(5 * MS, 2, 0);
	futex_in(6 * MS, 2, 0x1000, true);
	gil_sample(6 * MS, 2, 1, 4242, 5);
	sw(6 * MS, 1, 2, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wake(9 * MS, 1, 3);
	sw(9 * MS, 1, 0, 0, false, 3, 0, 0);
	futex_out(9 * MS, 3, 0);
	wake(10 * MS, 1, 2);
	sw(10 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 2, 0, 0);
	futex_out(10 * MS, 2, 0);
	model_finish(m, 12 * MS);
	g = model_process(m, P)->gil;
	cr_assert_not_null(g);
	cr_assert_eq(g->samples, 3);
	cr_assert_eq(g->np, 2, "2 and 3 waited for 1; 2's wait on 4242 names nobody");
	for (size_t i = 0; i < g->np; i++) {
		cr_assert_eq(g->p[i].holder, 1);
		cr_assert_eq(g->p[i].waits, 1);
		cr_assert_eq(g->p[i].wait_ns, g->p[i].waiter == 2 ? 4 * MS : 7 * MS);
	}
	cr_assert_eq(lock_objs_build(m, namer, NULL, &objs), 0);
	cr_assert_eq(verdict_build(m, NULL, 0, 12 * MS, &objs, &v), 0);
	cr_assert_str_eq(v.lock->name, "gil");
	cr_assert(v.held_known);
	cr_assert_eq(v.nheld, 1);
	cr_assert_eq(v.held[0].tid, 1);
	cr_assert_eq(v.held[0].ns, 11 * MS);
	cr_assert_eq(v.held_total_ns, 11 * MS);
	lock_objs_free(&objs);
}
