// SPDX-License-Identifier: GPL-2.0
/* The model on synthetic event streams: every figure is exact, so every assertion is too. */
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/analysis.h"

#include "feed.h"

TestSuite(model, .init = setup, .fini = teardown);

Test(model, preemption_vs_voluntary_switch)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0); /* t1 starts running at 0 */
	sw(10 * MS, 0, 1, GP_TASK_RUNNING, true, 2, 0, 1); /* preempted */
	sw(15 * MS, 0, 2, GP_TASK_INTERRUPTIBLE, false, 1, 1, 0); /* t2 sleeps */
	sw(20 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 1); /* t1 sleeps */
	model_finish(m, 30 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 15 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNQ_PREEMPT], 5 * MS);
	cr_assert_eq(t->bucket[GP_B_SLEEP], 10 * MS);
	cr_assert_eq(t->nivcsw, 1);
	cr_assert_eq(t->nvcsw, 1);
	cr_assert_eq(thread_lifetime(t), 30 * MS);
	cr_assert_eq(thread_accounted(t), 30 * MS);
	t = model_thread(m, 2);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 5 * MS);
	cr_assert_eq(t->nvcsw, 1);
	cr_assert_eq(t->nivcsw, 0);
}

Test(model, kernel_counters_decide_voluntary)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(1 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 4, 2); /* first: by prev_state */
	wake(2 * MS, 0, 1);
	sw(3 * MS, 0, 0, 0, false, 1, 0, 0);
	/* a block interrupted by a signal: prev_state reads RUNNING, yet nvcsw moved */
	sw(4 * MS, 0, 1, GP_TASK_RUNNING, false, 0, 5, 2);
	model_finish(m, 5 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->nvcsw, 2);
	cr_assert_eq(t->nivcsw, 0);
	cr_assert_eq(t->bucket[GP_B_RUNQ_PREEMPT], 1 * MS, "it stayed runnable");
}

Test(model, wakeup_latency)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(2 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	sw(2 * MS, 1, 0, 0, false, 2, 0, 0);
	wake(7 * MS, 2, 1); /* t2 wakes t1 after 5 ms of sleep */
	sw(9 * MS, 0, 0, 0, false, 1, 0, 0); /* 2 ms in the run queue */
	model_finish(m, 10 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->bucket[GP_B_SLEEP], 5 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 2 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 3 * MS);
	cr_assert_eq(t->wakeups, 1);
	cr_assert_eq(t->last_waker, 2);
	cr_assert_eq(m->npairs, 1);
	cr_assert_eq(m->pairs[0]->waker, 2);
	cr_assert_eq(m->pairs[0]->blocked_ns, 5 * MS);
}

Test(model, futex_wait_woken)
{
	struct gp_thread *t;
	struct gp_lock *l;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	futex_in(1 * MS, 1, 0x1000, false);
	sw(1 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	wake(6 * MS, 2, 1);
	sw(7 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(7 * MS, 1, 0);
	model_finish(m, 8 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->bucket[GP_B_FUTEX], 5 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 1 * MS, "run-queue delay is never lock wait");
	l = model_lock(m, P, 0x1000);
	cr_assert_not_null(l);
	cr_assert_eq(l->waits, 1);
	cr_assert_eq(l->outcome[GP_WO_WOKEN], 1);
	cr_assert_eq(l->wait_ns, 6 * MS);
	cr_assert_eq(l->blocked_ns, 5 * MS);
	cr_assert_eq(m->pairs[0]->futex_count, 1);
}

Test(model, futex_wait_timeout_and_eagain)
{
	struct gp_lock *l;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	futex_in(0, 1, 0x2000, true);
	sw(1 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	wake(6 * MS, 0, 1); /* the timer (no traced waker) */
	sw(6 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(6 * MS, 1, -ETIMEDOUT);
	futex_in(7 * MS, 1, 0x2000, false);
	futex_out(7 * MS + 1000, 1, -EAGAIN);
	futex_in(8 * MS, 1, 0x2000, false);
	futex_out(8 * MS + 3000, 1, -EINTR);
	model_finish(m, 10 * MS);
	l = model_lock(m, P, 0x2000);
	cr_assert_eq(l->waits, 3);
	cr_assert_eq(l->outcome[GP_WO_TIMEOUT], 1);
	cr_assert_eq(l->outcome[GP_WO_AGAIN], 1);
	cr_assert_eq(l->outcome[GP_WO_INTR], 1);
	cr_assert_eq(l->wait_ns, 6 * MS + 4000);
	cr_assert_eq(l->max_ns, 6 * MS);
	cr_assert_eq(l->blocked_ns, 5 * MS);
	cr_assert_eq(lock_percentile(l, 50), 3000);
	cr_assert_eq(lock_percentile(l, 99), 6 * MS);
	cr_assert_eq(l->nwaiters, 1);
}

Test(model, thread_starts_and_exits_mid_trace)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	fork_ev(2 * MS, 1, 5, P); /* a new thread of the same process */
	wake(2 * MS, 1, 5); /* wakeup_new of a new task: it was not blocked, so no-op */
	sw(4 * MS, 1, 0, 0, false, 5, 0, 0);
	sw(9 * MS, 1, 5, GP_TASK_DEAD, false, 0, 1, 0);
	model_finish(m, 20 * MS);
	t = model_thread(m, 5);
	cr_assert(t->dead);
	cr_assert_eq(t->start_ts, 2 * MS);
	cr_assert_eq(t->end_ts, 9 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 2 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 5 * MS);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
	cr_assert_eq(m->nprocs, 1);
	cr_assert_eq(m->procs[0]->nthreads, 2);
}

Test(model, thread_first_seen_running_mid_trace)
{
	struct gp_thread *t;

	/* attached while it ran: the first event is its switch-out */
	sw(3 * MS, 1, 7, GP_TASK_INTERRUPTIBLE, false, 0, 10, 3);
	model_finish(m, 5 * MS);
	t = model_thread(m, 7);
	cr_assert_eq(t->start_ts, 3 * MS);
	cr_assert_eq(t->bucket[GP_B_SLEEP], 2 * MS);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
}

Test(model, migration_between_cpus)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(4 * MS, 0, 1, GP_TASK_RUNNING, true, 0, 0, 1);
	sw(5 * MS, 1, 0, 0, false, 1, 0, 0); /* resumes on CPU 1 */
	sw(8 * MS, 1, 1, GP_TASK_RUNNING, true, 0, 0, 2);
	sw(9 * MS, 1, 0, 0, false, 1, 0, 0); /* stays on CPU 1 */
	model_finish(m, 10 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->migrations, 1);
	cr_assert_eq(t->running_cpu[0], 4 * MS);
	cr_assert_eq(t->running_cpu[1], 4 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 8 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNQ_PREEMPT], 2 * MS);
	cr_assert_eq(t->nivcsw, 2);
}

Test(model, exec_replaces_process_image)
{
	union gp_event e = {0};
	struct gp_process *p;
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, P, 0, 0);
	e.exec.old_tid = P;
	strcpy(e.exec.comm, "newprog");
	strcpy(e.exec.filename, "/usr/bin/newprog");
	feed(&e, GP_EV_EXEC, 2 * MS, 0, P, P);
	sw(6 * MS, 0, P, GP_TASK_DEAD, false, 0, 3, 0);
	model_finish(m, 8 * MS);
	p = model_process(m, P);
	t = model_thread(m, P);
	cr_assert_str_eq(p->comm, "newprog");
	cr_assert_str_eq(p->exe, "/usr/bin/newprog");
	cr_assert_eq(p->execs, 1);
	cr_assert_eq(p->exec_ts, 2 * MS);
	cr_assert_eq(p->nthreads, 1, "exec keeps the same thread");
	cr_assert_eq(t->bucket[GP_B_RUNNING], 6 * MS);
	cr_assert(p->exited);
	cr_assert_eq(p->end_ts, 6 * MS);
}

/* The peak RSS comes with the exit that ends the group; a thread's own exit says nothing. */
Test(model, exit_of_the_group_keeps_peak_rss)
{
	union gp_event e = {0};

	sw(0, 0, 0, 0, false, P, 0, 0);
	fork_ev(1 * MS, P, P + 1, P);
	e.exit.maxrss_kb = 0;
	feed(&e, GP_EV_EXIT, 2 * MS, 1, P + 1, P);
	cr_assert_eq(model_process(m, P)->maxrss_kb, 0);
	e.exit.group_dead = 1;
	e.exit.maxrss_kb = 5120;
	feed(&e, GP_EV_EXIT, 3 * MS, 0, P, P);
	cr_assert_eq(model_process(m, P)->maxrss_kb, 5120);
	cr_assert_eq(model_process(m, P)->exec_ts, 0, "no exec seen");
}

Test(model, exec_from_non_leader_thread)
{
	union gp_event e = {0};
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, P, 0, 0);
	fork_ev(1 * MS, P, P + 1, P);
	sw(1 * MS, 1, 0, 0, false, P + 1, 0, 0);
	/* the leader is killed by de_thread; the execing thread takes its tid */
	sw(2 * MS, 0, P, GP_TASK_DEAD, false, 0, 1, 0);
	e.exec.old_tid = P + 1;
	strcpy(e.exec.comm, "img");
	feed(&e, GP_EV_EXEC, 3 * MS, 1, P, P);
	sw(5 * MS, 1, P, GP_TASK_DEAD, false, 0, 1, 0);
	model_finish(m, 6 * MS);
	t = model_thread(m, P);
	cr_assert_str_eq(model_process(m, P)->comm, "img");
	cr_assert_eq(t->start_ts, 1 * MS, "the execing thread's record continues");
	cr_assert_eq(t->bucket[GP_B_RUNNING], 4 * MS);
}

Test(model, process_fork_creates_child_process)
{
	struct gp_process *c;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	fork_ev(1 * MS, 1, 200, 200);
	model_finish(m, 2 * MS);
	c = model_process(m, 200);
	cr_assert_not_null(c);
	cr_assert_eq(c->parent_tgid, P);
	cr_assert_eq(m->nprocs, 2);
}

Test(model, lost_events_are_counted_not_hidden)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(1 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	/* its wakeup was lost */
	sw(4 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(5 * MS, 1, 0);
	model_finish(m, 6 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(m->anomalies[GP_AN_NO_WAKEUP], 1);
	cr_assert_eq(m->anomalies[GP_AN_FUTEX_NO_ENTER], 1);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
	cr_assert_eq(t->bucket[GP_B_SLEEP], 3 * MS);
}

Test(model, closure_over_many_threads)
{
	struct gp_closure c;
	uint32_t tid;

	for (tid = 1; tid <= 4; tid++)
		fork_ev(tid * MS, 1, 10 + tid, P);
	sw(5 * MS, 0, 0, 0, false, 11, 0, 0);
	sw(6 * MS, 0, 11, GP_TASK_RUNNING, true, 12, 0, 1);
	sw(7 * MS, 0, 12, GP_TASK_UNINTERRUPTIBLE, false, 0, 1, 0);
	model_finish(m, 10 * MS);
	c = analysis_closure(m);
	cr_assert_eq(c.max_abs_err_ns, 0);
	cr_assert_eq(model_thread(m, 12)->bucket[GP_B_DWAIT], 3 * MS);
}

Test(model, wakeup_racing_with_switch_out)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	futex_in(1 * MS, 1, 0x3000, false);
	wake(2 * MS, 2, 1); /* seen while t1 is still on CPU 0 */
	sw(2 * MS + 500 * 1000, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0); /* then it blocks */
	sw(3 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(3 * MS, 1, 0);
	model_finish(m, 4 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(m->anomalies[GP_AN_NO_WAKEUP], 0);
	cr_assert_eq(t->bucket[GP_B_FUTEX], 0);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 500 * 1000);
	cr_assert_eq(t->wakeups, 1);
	cr_assert_eq(t->last_waker, 2);
}

Test(model, wakeup_before_sleeping_keeps_it_running)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	wake(1 * MS, 2, 1); /* woken before schedule(): the state went back to RUNNING */
	sw(2 * MS, 0, 1, GP_TASK_RUNNING, true, 0, 0, 1);
	sw(3 * MS, 0, 0, 0, false, 1, 0, 0);
	model_finish(m, 4 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->wakeups, 0);
	cr_assert_eq(t->bucket[GP_B_RUNQ_PREEMPT], 1 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 3 * MS);
}

Test(model, switch_in_never_reported_is_recovered_from_runtime)
{
	struct gp_thread *t;

	fork_ev(0, 1, 5, P);
	sw_rt(1 * MS, 0, 0, 0, false, 5, 0, 0, 0);
	sw_rt(4 * MS, 0, 5, GP_TASK_RUNNING, true, 0, 0, 1, 3 * MS);
	/* the kernel never reports its switch-in; it ran 2 ms before this switch-out */
	sw_rt(10 * MS, 0, 5, GP_TASK_RUNNING, true, 0, 0, 2, 5 * MS);
	model_finish(m, 10 * MS);
	t = model_thread(m, 5);
	cr_assert_eq(m->anomalies[GP_AN_NO_SWITCH_IN], 1);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 5 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNQ_PREEMPT], 4 * MS);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
	cr_assert_eq(t->nivcsw, 2);
}

/*
 * The kernel did not report the switch-in that ended a futex wait: the wait's end comes late, at
 * the next switch-out, with the runtime that dates it; the next wait starts at that switch-out.
 */
Test(model, futex_wait_whose_switch_in_was_not_reported_ends_when_it_went_on_cpu)
{
	union gp_event e = {0};
	struct gp_thread *t;
	struct gp_lock *l;

	fork_ev(0, 1, 5, P);
	sw_rt(1 * MS, 0, 0, 0, false, 5, 0, 0, 0);
	futex_in(2 * MS, 5, 0x1000, true);
	sw_rt(2 * MS, 0, 5, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0, 1 * MS);
	/* timed out at 6 ms, on CPU at 7 ms unreported; blocks again at 10 ms, 3 ms of running on */
	e.fexit.ret = -ETIMEDOUT;
	e.fexit.late_runtime = 4 * MS;
	feed(&e, GP_EV_FUTEX_EXIT, 10 * MS, 0, 5, P);
	futex_in(10 * MS, 5, 0x1000, true);
	sw_rt(10 * MS, 0, 5, GP_TASK_INTERRUPTIBLE, false, 0, 2, 0, 4 * MS);
	sw_rt(12 * MS, 0, 0, 0, false, 5, 0, 0, 0);
	futex_out(12 * MS, 5, 0);
	model_finish(m, 12 * MS);
	t = model_thread(m, 5);
	l = model_lock(m, P, 0x1000);
	cr_assert_not_null(l);
	cr_assert_eq(m->anomalies[GP_AN_NO_SWITCH_IN], 1);
	cr_assert_eq(l->waits, 2);
	cr_assert_eq(l->outcome[GP_WO_TIMEOUT], 1);
	cr_assert_eq(l->outcome[GP_WO_WOKEN], 1);
	cr_assert_eq(l->wait_ns, 5 * MS + 2 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 1 * MS + 3 * MS);
	cr_assert_eq(t->bucket[GP_B_FUTEX], 5 * MS + 2 * MS);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
	cr_assert_eq(t->nvcsw, 2);
}

/* No wakeup was reported for a wait: how it returned is unknown, and it says so. */
Test(model, futex_wait_without_a_reported_wakeup_ends_unseen)
{
	struct gp_lock *l;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	futex_in(1 * MS, 1, 0x1000, true);
	sw(1 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	sw(3 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(3 * MS, 1, GP_FUTEX_RET_UNSEEN);
	model_finish(m, 4 * MS);
	l = model_lock(m, P, 0x1000);
	cr_assert_not_null(l);
	cr_assert_eq(l->waits, 1);
	cr_assert_eq(l->outcome[GP_WO_UNSEEN], 1);
	cr_assert_eq(l->outcome[GP_WO_WOKEN] + l->outcome[GP_WO_TIMEOUT], 0);
	cr_assert_eq(m->anomalies[GP_AN_NO_WAKEUP], 1);
}

Test(model, running_is_what_the_kernel_charged)
{
	struct gp_thread *t;

	fork_ev(0, 1, 5, P);
	sw_rt(1 * MS, 0, 0, 0, false, 5, 0, 0, 0);
	/* 3 ms between the tracepoints, of which the kernel charged the thread 2.998 ms */
	sw_rt(4 * MS, 0, 5, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0, 3 * MS - 2000);
	model_finish(m, 5 * MS);
	t = model_thread(m, 5);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 3 * MS - 2000);
	cr_assert_eq(t->running_cpu[0], 3 * MS - 2000);
	cr_assert_eq(t->bucket[GP_B_SWITCHING], 2000);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
}

Test(model, runtime_before_the_switch_in_tracepoint_comes_from_the_run_queue)
{
	struct gp_thread *t;

	fork_ev(0, 1, 5, P);
	sw_rt(1 * MS, 0, 0, 0, false, 5, 0, 0, 0);
	/* the kernel began charging it 3 us before the switch-in tracepoint */
	sw_rt(4 * MS, 0, 5, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0, 3 * MS + 3000);
	model_finish(m, 5 * MS);
	t = model_thread(m, 5);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 3 * MS + 3000);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 1 * MS - 3000);
	cr_assert_eq(t->bucket[GP_B_SWITCHING], 0);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
}

Test(model, waits_ended_by_waker_timeout_and_signal)
{
	struct gp_lock_pair **pairs;
	struct gp_lock *l;
	size_t n;

	fork_ev(0, 1, 5, P);
	fork_ev(0, 1, 6, P);
	sw(0, 0, 0, 0, false, 5, 0, 0);
	sw(0, 1, 0, 0, false, 6, 0, 0);
	/* t5 waits, t6 wakes it: a hand-off */
	futex_in(1 * MS, 5, 0x4000, false);
	sw(1 * MS, 0, 5, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	wake(3 * MS, 6, 5);
	sw(4 * MS, 0, 0, 0, false, 5, 0, 0);
	futex_out(4 * MS, 5, 0);
	/* a timed wait that times out: the timer's wakeup runs in t6's context */
	futex_in(5 * MS, 5, 0x4000, true);
	sw(5 * MS, 0, 5, GP_TASK_INTERRUPTIBLE, false, 0, 2, 0);
	wake(10 * MS, 6, 5);
	sw(10 * MS, 0, 0, 0, false, 5, 0, 0);
	futex_out(10 * MS, 5, -ETIMEDOUT);
	/* interrupted by a signal */
	futex_in(11 * MS, 5, 0x4000, false);
	futex_out(12 * MS, 5, -EINTR);
	model_finish(m, 13 * MS);
	l = model_lock(m, P, 0x4000);
	cr_assert_eq(l->handoffs, 1);
	cr_assert_eq(l->wake_to_run.n, 2, "both wakeups were followed by a switch-in");
	cr_assert_eq(u64vec_percentile(&l->wake_to_run, 50), 0);
	cr_assert_eq(u64vec_percentile(&l->wake_to_run, 99), 1 * MS);
	pairs = lock_pairs_sorted(l, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(pairs[0]->waker, GP_WAKER_TIMEOUT);
	cr_assert_eq(pairs[0]->wait_ns, 5 * MS);
	cr_assert_eq(pairs[1]->waker, 6);
	cr_assert_eq(pairs[1]->wait_ns, 3 * MS);
	cr_assert_eq(pairs[2]->waker, GP_WAKER_SIGNAL);
	free(pairs);
}

Test(model, futile_wakeup_and_queue_depth)
{
	struct gp_lock *l;

	fork_ev(0, 1, 5, P);
	fork_ev(0, 1, 6, P);
	sw(0, 0, 0, 0, false, 5, 0, 0);
	sw(0, 1, 0, 0, false, 6, 0, 0);
	/* both wait on the word from 1 ms: depth 2 */
	futex_in(1 * MS, 5, 0x5000, false);
	sw(1 * MS, 0, 5, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	futex_in(1 * MS, 6, 0x5000, false);
	sw(1 * MS, 1, 6, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	wake(3 * MS, 1, 5);
	sw(3 * MS, 0, 0, 0, false, 5, 0, 0);
	futex_out(3 * MS, 5, 0);
	/* 10 us later it waits on the same word again: woken in vain */
	futex_in(3 * MS + 10000, 5, 0x5000, false);
	futex_out(4 * MS, 5, -EAGAIN);
	wake(5 * MS, 1, 6);
	sw(5 * MS, 1, 0, 0, false, 6, 0, 0);
	futex_out(5 * MS, 6, 0);
	model_finish(m, 6 * MS);
	l = model_lock(m, P, 0x5000);
	cr_assert_eq(l->futile, 1);
	cr_assert_eq(l->max_depth, 2);
	/* depth 2 for 2 ms, 1 for 10 us, 2 for 0.99 ms, 1 for 1 ms: over 4 ms */
	cr_assert_float_eq(lock_mean_depth(l), (4.0 + 0.01 + 1.98 + 1.0) / 4.0, 1e-9);
	cr_assert_eq(l->nwaiters, 2);
}

/* The BPF side sends a wakeup with the wakee's switch-in, not as an event of its own. */
static void sw_woken(uint64_t ts, uint32_t cpu, uint32_t next, uint64_t wake_ts, uint32_t waker)
{
	union gp_event e = {0};

	e.sw.next_tid = next;
	e.sw.next_tgid = P;
	e.sw.next_traced = 1;
	e.sw.next_wake_ts = wake_ts;
	e.sw.next_waker_tid = waker;
	oncpu_since[next % 1024] = ts;
	feed(&e, GP_EV_SWITCH, ts, cpu, 0, 0);
}

Test(model, wakeup_carried_by_the_switch_in)
{
	struct gp_thread *t;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(2 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	sw_woken(9 * MS, 0, 1, 7 * MS, 2); /* slept 5 ms, then 2 ms in the run queue */
	sw(10 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 2, 0);
	/* woken while it still ran (before this block): the block ended as it began */
	sw_woken(13 * MS, 0, 1, 9 * MS + 500000, 3);
	sw(14 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 3, 0);
	/* only an old wakeup, from before it last ran: this block's wakeup was lost */
	sw_woken(16 * MS, 0, 1, 9 * MS + 500000, 3);
	model_finish(m, 17 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->bucket[GP_B_SLEEP], 5 * MS + 2 * MS, "5 ms, then the lost wakeup's 2 ms");
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 2 * MS + 3 * MS);
	cr_assert_eq(t->wakeups, 2);
	cr_assert_eq(t->last_waker, 3);
	cr_assert_eq(m->anomalies[GP_AN_NO_WAKEUP], 1);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
}

static void stackref(uint64_t ts, uint32_t tid, uint32_t kind, uint64_t uaddr, uint32_t id)
{
	union gp_event e = {0};

	e.sref.kind = kind;
	e.sref.uaddr = uaddr;
	e.sref.stack_id = id;
	feed(&e, GP_EV_STACKREF, ts, 0, tid, P);
}

/* The weight of (tid, kind, stack id + 1) in the model's profile, 0 if absent. */
static uint64_t prof_weight(uint32_t tid, uint32_t kind, uint32_t stack)
{
	size_t i;

	for (i = 0; i < m->prof.n; i++) {
		const struct gp_prof_cell *c = &m->prof.cells[i];

		if (c->tid == tid && c->kind == kind && c->stack == stack && !c->stack2)
			return c->weight;
	}
	return 0;
}

Test(model, futex_wait_stack_taken_at_the_block_weighs_the_off_cpu_time)
{
	sw(0, 0, 0, 0, false, 1, 0, 0);
	/* the BPF side sends the wait, the switch-out and then the stack at one timestamp */
	futex_in(2 * MS, 1, 0x1000, false);
	sw(2 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	stackref(2 * MS, 1, GP_STK_FUTEX_WAIT, 0x1000, 6);
	wake(7 * MS, 2, 1);
	sw(8 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(8 * MS, 1, 0);
	cr_assert_eq(prof_weight(1, GP_PK_FUTEX, 7), 5 * MS, "blocked from 2 to 7 ms");
	cr_assert_eq(prof_weight(1, GP_PK_RUNQ, 7), 1 * MS, "and the run-queue wait after it");
	/* a stack taken while still running (at a syscall entry) is not where it slept */
	futex_in(9 * MS, 1, 0x1000, false);
	stackref(9 * MS, 1, GP_STK_FUTEX_WAIT, 0x1000, 8);
	sw(10 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 2, 0);
	wake(12 * MS, 2, 1);
	sw(12 * MS, 0, 0, 0, false, 1, 0, 0);
	cr_assert_eq(prof_weight(1, GP_PK_FUTEX, 9), 0);
}

/* A thread found runnable that switches out first was on a CPU since the attach. */
Test(model, attached_running_thread_runs_from_the_attach)
{
	struct gp_thread *t;

	attach_ev(10 * MS, 1, GP_AS_RUNNABLE, 0);
	sw_rt(14 * MS, 1, 1, GP_TASK_INTERRUPTIBLE, false, 0, 41, 0, 1000 * MS);
	model_finish(m, 20 * MS);
	t = model_thread(m, 1);
	cr_assert(t->attached);
	cr_assert_eq(t->start_ts, 10 * MS, "its life starts at the attach");
	cr_assert_eq(t->bucket[GP_B_RUNNING], 4 * MS);
	cr_assert_eq(t->running_cpu[1], 4 * MS, "on the CPU it switched out of");
	cr_assert_eq(t->bucket[GP_B_SLEEP], 6 * MS);
	cr_assert_eq(t->nvcsw, 1);
	cr_assert_eq(t->attach_k[0], 40);
	cr_assert_eq(m->anomalies[GP_AN_NO_SWITCH_IN], 0, "not a lost switch-in");
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
	cr_assert(model_process(m, P)->attached);
	cr_assert_str_eq(model_process(m, P)->exe, "/usr/bin/prog");
}

/* Found runnable but switched in first: it was waiting for a CPU since the attach. */
Test(model, attached_runnable_thread_waits_for_a_cpu)
{
	struct gp_thread *t;

	attach_ev(10 * MS, 1, GP_AS_RUNNABLE, 0);
	sw(13 * MS, 0, 0, 0, false, 1, 0, 0);
	model_finish(m, 20 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 3 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNNING], 7 * MS);
	cr_assert_eq(m->anomalies[GP_AN_NO_SWITCH_IN], 0);
	cr_assert_eq(thread_accounted(t), thread_lifetime(t));
}

/* Blocked in a futex wait at the attach: the wait counts from the attach, marked as such. */
Test(model, wait_in_progress_at_the_attach)
{
	struct gp_thread *t;
	struct gp_lock *l;

	attach_ev(10 * MS, 1, GP_AS_SLEEPING, 0x1000);
	wake(15 * MS, 2, 1);
	sw(16 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(16 * MS, 1, 0);
	model_finish(m, 20 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->bucket[GP_B_FUTEX], 5 * MS);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 1 * MS);
	l = model_lock(m, P, 0x1000);
	cr_assert_not_null(l);
	cr_assert_eq(l->waits, 1);
	cr_assert_eq(l->at_attach, 1);
	cr_assert_eq(l->wait_ns, 6 * MS);
	cr_assert_eq(l->outcome[GP_WO_WOKEN], 1);
	cr_assert_eq(m->anomalies[GP_AN_NO_WAKEUP], 0);
}

/* Blocked at the snapshot but woken before its mark: no wakeup comes, and none is missing. */
Test(model, attached_blocked_thread_woken_before_its_mark)
{
	struct gp_thread *t;

	attach_ev(10 * MS, 1, GP_AS_SLEEPING, 0);
	sw(12 * MS, 0, 0, 0, false, 1, 0, 0);
	model_finish(m, 20 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->bucket[GP_B_RUNQ_WAKE], 2 * MS);
	cr_assert_eq(t->bucket[GP_B_SLEEP], 0);
	cr_assert_eq(m->anomalies[GP_AN_NO_WAKEUP], 0);
}

/* A wait still going when tracing ends is counted to the end, as the futex bucket is. */
Test(model, wait_still_going_at_the_end)
{
	struct gp_lock *l;

	attach_ev(10 * MS, 1, GP_AS_SLEEPING, 0x2000);
	model_finish(m, 30 * MS);
	l = model_lock(m, P, 0x2000);
	cr_assert_not_null(l);
	cr_assert_eq(l->waits, 1);
	cr_assert_eq(l->outcome[GP_WO_ONGOING], 1);
	cr_assert_eq(l->wait_ns, 20 * MS);
	cr_assert_eq(model_thread(m, 1)->bucket[GP_B_FUTEX], 20 * MS);
	cr_assert_str_eq(waker_label(l->pairs[0].waker), "still waiting");
}

/* A thread forked after tracing began is followed from its fork: a later attach of it is news
 * of nothing. */
Test(model, attach_of_a_known_thread_is_ignored)
{
	sw(0, 0, 0, 0, false, 1, 0, 0);
	fork_ev(1 * MS, 1, 2, P);
	attach_ev(2 * MS, 2, GP_AS_SLEEPING, 0x3000);
	model_finish(m, 5 * MS);
	cr_assert_not(model_thread(m, 2)->attached);
	cr_assert_eq(model_thread(m, 2)->start_ts, 1 * MS);
	cr_assert_null(model_lock(m, P, 0x3000));
}

/* The timeline holds the same split as the buckets, in order, with each block's kind and ender. */
Test(model, timeline_follows_the_states)
{
	const struct gp_seg *s;
	struct gp_thread *t;

	sw(0, 1, 0, 0, false, 1, 0, 0);
	futex_in(2 * MS, 1, 0x1000, false);
	sw(2 * MS, 1, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	wake(5 * MS, 2, 1);
	sw(6 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(6 * MS, 1, 0);
	sw(8 * MS, 0, 1, GP_TASK_RUNNING, true, 0, 1, 1);
	model_finish(m, 10 * MS);
	t = model_thread(m, 1);
	cr_assert_eq(t->tl.n, 5);
	s = t->tl.v;
	cr_assert(s[0].ts == 0 && s[0].bucket == GP_B_RUNNING && s[0].cpu == 1);
	cr_assert(s[1].ts == 2 * MS && s[1].bucket == GP_B_FUTEX && s[1].uaddr == 0x1000 &&
		  s[1].waker == 2);
	cr_assert(s[2].ts == 5 * MS && s[2].bucket == GP_B_RUNQ_WAKE);
	cr_assert(s[3].ts == 6 * MS && s[3].bucket == GP_B_RUNNING && s[3].cpu == 0);
	cr_assert(s[4].ts == 8 * MS && s[4].bucket == GP_B_RUNQ_PREEMPT);
}

/* A process's threads each born and dying in turn: the process has exited after each death, and
 * as soon as a thread lives again it has not (each death searched the threads for a live one:
 * quadratic, 70 s for 200000). */
Test(model, threads_dying_in_birth_order, .timeout = 30)
{
	struct gp_process *p;
	uint32_t tid, n = 200000;

	for (tid = 1; tid <= n; tid++) {
		union gp_event e = {0};

		e.sw.prev_traced = 1;
		e.sw.prev_state = GP_TASK_DEAD;
		feed(&e, GP_EV_SWITCH, tid * 1000, 0, 1000 + tid, P);
		p = model_process(m, P);
		cr_assert(p->exited);
		cr_assert_eq(p->end_ts, tid * 1000);
	}
	futex_in(n * 1000 + 1, 7, 0x1000, false); /* a thread seen alive */
	cr_assert_not(p->exited);
	cr_assert_eq(p->nthreads, n + 1);
}
