// SPDX-License-Identifier: GPL-2.0
/* The interpreter's record of its GIL (model/gilmem.h), from samples written out by hand. */
#include <criterion/criterion.h>
#include <string.h>

#include "model/gilmem.h"

#define MS 1000000ULL
#define GIL 0x7f0000001000ULL
#define A 101
#define B 102
#define C 103

/* A sample: tid switches out (runnable or not) or exits (GP_GIL_AT_EXIT) and sees the GIL so; the
 * holder last went on a CPU at ran (0: unknown). */
static void sample_ran(struct gp_gilmem *g, uint64_t ts, uint32_t tid, int locked, uint32_t holder,
		       uint64_t sn, unsigned runnable, uint64_t ran)
{
	struct gp_ev_gil e;

	memset(&e, 0, sizeof(e));
	e.h.type = GP_EV_GIL;
	e.h.ts = ts;
	e.h.tid = tid;
	e.gil = GIL;
	e.switch_number = sn;
	e.holder_tid = holder;
	e.locked = (__s16)locked;
	e.runnable = (__u16)runnable;
	cr_assert_eq(gilmem_sample(g, &e, holder, ran), 0);
}

static void sample(struct gp_gilmem *g, uint64_t ts, uint32_t tid, int locked, uint32_t holder,
		   uint64_t sn, bool runnable)
{
	sample_ran(g, ts, tid, locked, holder, sn, runnable, 0);
}

/* gilmem_free frees a record the model allocated; these live on the stack */
static void release(struct gp_gilmem *g)
{
	free(g->t);
	free(g->p);
	free(g->tk);
}

static uint64_t held(const struct gp_gilmem *g, uint32_t tid)
{
	const struct gp_gilmem_thread *t = gilmem_thread(g, tid);

	return t ? t->held_ns : 0;
}

Test(gilmem, one_holder_between_two_samples_holds_the_time_between)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, A, 1, A, 5, true); /* A preempted with the GIL */
	sample(&g, 10 * MS, B, 1, A, 5, false);
	cr_assert_eq(held(&g, A), 10 * MS);
	cr_assert_eq(g.held_ns, 10 * MS);
	cr_assert_eq(g.unknown_ns + g.free_ns, 0);
	cr_assert_eq(gilmem_thread(&g, A)->holding_outs, 1);
	cr_assert_eq(gilmem_thread(&g, A)->preempted_holding, 1);
	cr_assert_eq(gilmem_thread(&g, B)->holding_outs, 0);
	cr_assert_eq(g.handoffs, 0);
	release(&g);
}

Test(gilmem, a_hand_off_is_dated_by_the_new_holders_switch_in)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, B, 1, A, 5, false); /* B starts waiting while A holds it */
	cr_assert_eq(gilmem_wait_end(&g, B, A, 0, 7 * MS), 0); /* back on a CPU at 7 ms */
	sample_ran(&g, 10 * MS, A, 1, B, 6, false, 7 * MS); /* A waits in turn: B has it */
	cr_assert_eq(held(&g, A), 7 * MS);
	cr_assert_eq(held(&g, B), 3 * MS);
	cr_assert_eq(g.handoffs, 1);
	cr_assert_eq(g.np, 1);
	cr_assert_eq(g.p[0].waiter, B);
	cr_assert_eq(g.p[0].holder, A);
	cr_assert_eq(g.p[0].waits, 1);
	cr_assert_eq(g.p[0].wait_ns, 7 * MS);
	release(&g);
}

Test(gilmem, a_free_gil_is_taken_at_once_by_a_thread_that_runs_since_its_wait)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, B, 1, A, 5, false);
	/* B is woken by the drop and runs from 1 ms */
	sample(&g, 2 * MS, A, 0, A, 5, false); /* A dropped it and waits on switch_cond */
	sample_ran(&g, 6 * MS, A, 1, B, 6, false, 1 * MS);
	cr_assert_eq(held(&g, A), 2 * MS);
	cr_assert_eq(held(&g, B), 4 * MS);
	cr_assert_eq(g.free_ns + g.unknown_ns, 0);
	release(&g);
}

Test(gilmem, a_thread_that_switched_out_since_it_ran_did_not_take_it_at_once)
{
	struct gp_gilmem g = {0};

	sample(&g, 2 * MS, B, 0, A, 5, false); /* B, on a CPU from 1 ms, blocked elsewhere */
	sample_ran(&g, 6 * MS, C, 1, B, 6, false, 1 * MS);
	cr_assert_eq(held(&g, B), 0);
	cr_assert_eq(g.free_ns, 0);
	cr_assert_eq(g.unknown_ns, 4 * MS);
	release(&g);
}

/*
 * A thread preempted right after it let the GIL go takes it again as it comes back, with no
 * wait: dated by its switch-in (CPython 3.11, four threads on two CPUs: 24 ms were nobody's).
 */
Test(gilmem, a_thread_back_from_a_preemption_takes_a_free_gil_as_it_runs)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, A, 0, A, 124, true); /* A dropped it and was preempted */
	sample(&g, 1 * MS, C, 0, C, 125, false); /* C took it and let it go */
	sample_ran(&g, 25 * MS, A, 1, A, 126, true, 2 * MS); /* A ran from 2 ms */
	cr_assert_eq(held(&g, A), 23 * MS);
	cr_assert_eq(g.free_ns, 1 * MS); /* from C's release to A's return */
	cr_assert_eq(g.unknown_ns, 1 * MS); /* C's take and release between 0 and 1 ms */
	release(&g);
}

/*
 * A thread that ends holding the GIL is not sampled as it exits: the next sample sees the GIL
 * taken by another and free again. It held it until that one went on a CPU to take it.
 */
Test(gilmem, a_thread_that_ends_holding_it_holds_it_until_the_next_one_runs)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, A, 1, A, 111, true);
	sample_ran(&g, 26 * MS, C, 0, C, 112, false, 25 * MS);
	cr_assert_eq(held(&g, A), 25 * MS);
	cr_assert_eq(held(&g, C), 0);
	cr_assert_eq(g.unknown_ns, 1 * MS); /* C held it, then let it go: when is not known */
	release(&g);
}

/*
 * Samples begin once the GIL is located, which can be after a thread took it: B, on a CPU
 * since 20 ms, holds it at the first sample (A switching out at 30 ms), so it held it from 20.
 * A first sample that sees it free, or names no switch-in, covers nothing before it.
 */
Test(gilmem, the_first_samples_holder_held_it_since_it_went_on_a_cpu)
{
	struct gp_gilmem g = {0}, free_at_first = {0};

	sample_ran(&g, 30 * MS, A, 1, B, 7, false, 20 * MS);
	cr_assert_eq(held(&g, B), 10 * MS);
	cr_assert_eq(g.first_ts, 20 * MS);
	sample(&g, 40 * MS, C, 1, B, 7, false);
	cr_assert_eq(held(&g, B), 20 * MS);
	cr_assert_eq(g.held_ns, 20 * MS);
	sample_ran(&free_at_first, 30 * MS, A, 0, B, 7, false, 20 * MS);
	cr_assert_eq(free_at_first.held_ns, 0);
	cr_assert_eq(free_at_first.first_ts, 30 * MS);
	release(&g);
	release(&free_at_first);
}

/* Threads end: A at 33 ms, B at 50, C at 60. */
static uint64_t end_of(void *ctx, uint32_t tid)
{
	(void)ctx;
	return tid == A ? 33 * MS : tid == B ? 50 * MS : tid == C ? 60 * MS : 0;
}

/* The last thread holding it runs to its end with no switch-out, so no sample after it. */
Test(gilmem, the_record_closes_with_the_last_holders_end)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, A, 1, A, 113, true);
	cr_assert_eq(gilmem_close(&g, end_of, NULL), 0);
	cr_assert_eq(held(&g, A), 33 * MS);
	cr_assert_eq(gilmem_close(&g, end_of, NULL), 0); /* closed: once */
	cr_assert_eq(held(&g, A), 33 * MS);
	release(&g);
}

/*
 * Nor after the exits that hand it on: A, holding it at the last sample, wakes B's wait as it
 * ends (B back at 34 ms), B wakes C (at 50): each held it until the next went back on a CPU.
 * A wake by a thread that did not hold it, or a timed-out wait (not passed), hands nothing on.
 * A sample after the wakes says who holds it instead.
 */
Test(gilmem, exits_after_the_last_sample_hand_it_on_by_the_waits_they_end)
{
	struct gp_gilmem g = {0}, sampled = {0};

	sample(&g, 10 * MS, B, 1, A, 113, false);
	cr_assert_eq(gilmem_woken(&g, C, B, 20 * MS), 0); /* B does not hold it yet */
	cr_assert_eq(gilmem_woken(&g, B, A, 34 * MS), 0);
	cr_assert_eq(gilmem_woken(&g, C, B, 50 * MS), 0);
	cr_assert_eq(gilmem_close(&g, end_of, NULL), 0);
	cr_assert_eq(held(&g, A), 24 * MS);
	cr_assert_eq(held(&g, B), 16 * MS);
	cr_assert_eq(held(&g, C), 10 * MS);
	cr_assert_eq(g.held_ns, 50 * MS);

	sample(&sampled, 10 * MS, B, 1, A, 113, false);
	cr_assert_eq(gilmem_woken(&sampled, B, A, 34 * MS), 0);
	sample(&sampled, 40 * MS, C, 1, A, 113, false); /* A still holds it: B's wake was futile */
	cr_assert_eq(gilmem_close(&sampled, end_of, NULL), 0);
	cr_assert_eq(held(&sampled, A), 30 * MS); /* 10 to 40, as the samples saw it */
	cr_assert_eq(held(&sampled, B), 0);
	release(&g);
	release(&sampled);
}

/* A sample read as a thread exits: B ran with it from 20 ms and let it go as it ended at 50. */
static void exit_sample(struct gp_gilmem *g, uint64_t ts, uint32_t tid, int locked, uint32_t holder,
			uint64_t sn, uint64_t ran)
{
	sample_ran(g, ts, tid, locked, holder, sn, GP_GIL_AT_EXIT, ran);
}

Test(gilmem, a_thread_read_at_its_exit_held_it_until_then)
{
	struct gp_gilmem g = {0};

	sample(&g, 10 * MS, A, 1, A, 40, false);
	exit_sample(&g, 50 * MS, B, 0, B, 41, 20 * MS); /* free: B let it go as it ended */
	cr_assert_eq(held(&g, A), 10 * MS);
	cr_assert_eq(held(&g, B), 30 * MS);
	cr_assert_eq(g.unknown_ns, 0);
	cr_assert_eq(gilmem_thread(&g, B)->holding_outs, 0); /* an exit is no switch-out */
	/* C, woken by B as it let it go, ran with it to its end (60 ms) */
	cr_assert_eq(gilmem_woken(&g, C, B, 51 * MS), 0);
	cr_assert_eq(gilmem_close(&g, end_of, NULL), 0);
	cr_assert_eq(held(&g, C), 9 * MS);
	cr_assert_eq(g.free_ns, 1 * MS);
	release(&g);
}

Test(gilmem, two_hand_offs_between_samples_are_nobodys)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, C, 1, A, 5, false);
	sample_ran(&g, 5 * MS, C, 1, B, 7, false, 1 * MS);
	cr_assert_eq(g.unknown_ns, 5 * MS);
	cr_assert_eq(g.held_ns, 0);
	cr_assert_eq(g.handoffs, 2);
	cr_assert_eq(g.first_switch, 5);
	cr_assert_eq(g.last_switch, 7);
	release(&g);
}

Test(gilmem, a_holder_the_model_does_not_know_holds_nothing)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, A, 1, 0, 5, false);
	sample(&g, 3 * MS, A, 0, 0, 5, false);
	sample(&g, 5 * MS, A, 0, 0, 5, false);
	cr_assert_eq(g.unknown_ns, 3 * MS);
	cr_assert_eq(g.free_ns, 2 * MS);
	cr_assert_eq(g.held_ns, 0);
	cr_assert_eq(g.nt, 1); /* A, which switched out; no holder 0 */
	release(&g);
}

Test(gilmem, a_switch_number_going_back_counts_no_hand_off)
{
	struct gp_gilmem g = {0};

	sample(&g, 0, A, 1, A, 50, false);
	sample(&g, 1 * MS, A, 1, A, 3, false);
	sample(&g, 2 * MS, A, 1, A, 4, false);
	cr_assert_eq(g.handoffs, 1);
	cr_assert_eq(g.unknown_ns, 2 * MS);
	release(&g);
}

Test(gilmem, another_image_starts_a_new_run_of_samples)
{
	struct gp_gilmem g = {0};
	struct gp_ev_gil e;

	sample(&g, 0, A, 1, A, 5, false);
	memset(&e, 0, sizeof(e));
	e.h.type = GP_EV_GIL;
	e.h.ts = 9 * MS;
	e.h.tid = A;
	e.gil = GIL + 0x10000; /* after an exec */
	e.switch_number = 1;
	e.holder_tid = A;
	e.locked = 1;
	cr_assert_eq(gilmem_sample(&g, &e, A, 0), 0);
	cr_assert_eq(g.held_ns + g.unknown_ns + g.free_ns, 0);
	cr_assert_eq(g.handoffs, 0);
	cr_assert_eq(g.gil, GIL + 0x10000);
	release(&g);
}

Test(gilmem, the_words_of_the_gil_are_its_struct)
{
	struct gp_gilmem g = {0};

	cr_assert(!gilmem_word(NULL, GIL));
	cr_assert(!gilmem_word(&g, GIL)); /* no sample yet */
	sample(&g, 0, A, 0, 0, 1, false);
	cr_assert(gilmem_word(&g, GIL));
	cr_assert(gilmem_word(&g, GIL + 32)); /* cond */
	cr_assert(gilmem_word(&g, GIL + GP_GIL_STRUCT_SIZE - 4));
	cr_assert(!gilmem_word(&g, GIL + GP_GIL_STRUCT_SIZE));
	cr_assert(!gilmem_word(&g, GIL - 4));
	release(&g);
}
