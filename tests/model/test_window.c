// SPDX-License-Identifier: GPL-2.0
/*
 * model_split: one stream fed whole and the same stream cut into windows give the same figures.
 * The stream is scripted into an array once; each test feeds it to a reference model and, cut
 * at chosen times, to a chain of windows, and adds the windows up.
 */
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"

#define MS 1000000ULL
#define P 100
#define L 0x5000 /* the lock word */
#define MAXEV 256
#define MAXT 8

static union gp_event evs[MAXEV];
static size_t nev;
static uint64_t oncpu_since[MAXT], runtime_acc[MAXT];

static void fini(void)
{
	if (__lsan_do_recoverable_leak_check())
		abort();
}

TestSuite(window, .fini = fini);

static union gp_event *put(uint32_t type, uint64_t ts, uint32_t cpu, uint32_t tid)
{
	union gp_event *e = &evs[nev++];

	cr_assert_lt(nev, MAXEV);
	memset(e, 0, sizeof(*e));
	e->h.ts = ts * MS;
	e->h.type = type;
	e->h.cpu = cpu;
	e->h.tid = tid;
	e->h.tgid = tid ? P : 0;
	return e;
}

static uint64_t nv[MAXT], niv[MAXT];

/* prev -> next on cpu at ms; the kernel's counters and runtime follow the script. */
static void sw(uint64_t ms, uint32_t cpu, uint32_t prev, uint32_t state, bool preempt,
	       uint32_t next)
{
	union gp_event *e = put(GP_EV_SWITCH, ms, cpu, prev);

	if (prev) {
		runtime_acc[prev] += ms * MS - oncpu_since[prev];
		if (preempt || state == GP_TASK_RUNNING)
			niv[prev]++;
		else
			nv[prev]++;
	}
	e->sw.prev_runtime = prev ? runtime_acc[prev] : 0;
	e->sw.prev_nvcsw = prev ? nv[prev] : 0;
	e->sw.prev_nivcsw = prev ? niv[prev] : 0;
	e->sw.next_tid = next;
	e->sw.next_tgid = next ? P : 0;
	e->sw.prev_state = state;
	e->sw.preempt = preempt;
	e->sw.prev_traced = prev != 0;
	e->sw.next_traced = next != 0;
	snprintf(e->sw.prev_comm, GP_COMM_LEN, "t%u", prev);
	snprintf(e->sw.next_comm, GP_COMM_LEN, "t%u", next);
	if (next)
		oncpu_since[next] = ms * MS;
}

static void wake(uint64_t ms, uint32_t waker, uint32_t target)
{
	union gp_event *e = put(GP_EV_WAKING, ms, 0, waker);

	e->wk.target_tid = target;
	e->wk.target_tgid = P;
}

static void fin(uint64_t ms, uint32_t tid, bool timed)
{
	union gp_event *e = put(GP_EV_FUTEX_ENTER, ms, 0, tid);

	e->fenter.uaddr = L;
	e->fenter.op = 0x80 | 9;
	e->fenter.has_timeout = timed;
	e->fenter.nr_futexes = 1;
}

static void fout(uint64_t ms, uint32_t tid, int64_t ret)
{
	put(GP_EV_FUTEX_EXIT, ms, 0, tid)->fexit.ret = ret;
}

/* Three threads, a fourth forked and dead, a lock taken in turns, a timed wait that expires. */
static void script(void)
{
	nev = 0;
	memset(oncpu_since, 0, sizeof(oncpu_since));
	memset(runtime_acc, 0, sizeof(runtime_acc));
	memset(nv, 0, sizeof(nv));
	memset(niv, 0, sizeof(niv));
	sw(0, 0, 0, 0, false, 1);
	sw(0, 1, 0, 0, false, 2);
	fin(2, 2, false);
	sw(2, 1, 2, GP_TASK_INTERRUPTIBLE, false, 3);
	wake(3, 1, 2);
	sw(4, 1, 3, GP_TASK_RUNNING, true, 2);
	fout(4, 2, 0);
	fin(6, 1, true);
	sw(6, 0, 1, GP_TASK_INTERRUPTIBLE, false, 3);
	wake(9, GP_WAKER_TIMER, 1);
	sw(9, 1, 2, GP_TASK_INTERRUPTIBLE, false, 1);
	fout(9, 1, -ETIMEDOUT);
	put(GP_EV_FORK, 10, 0, 3)->fork.child_tid = 4;
	evs[nev - 1].fork.child_tgid = P;
	sw(11, 0, 3, GP_TASK_RUNNING, true, 4);
	fin(12, 4, false);
	sw(12, 0, 4, GP_TASK_INTERRUPTIBLE, false, 3);
	wake(13, 3, 4);
	sw(14, 0, 3, GP_TASK_RUNNING, true, 4);
	fout(14, 4, 0);
	sw(15, 0, 4, GP_TASK_DEAD, false, 3);
	wake(15, 1, 2);
	sw(16, 1, 1, GP_TASK_RUNNING, true, 2);
	fin(17, 1, false);
	sw(17, 1, 2, GP_TASK_RUNNING, true, 1);
	sw(18, 1, 1, GP_TASK_INTERRUPTIBLE, false, 2);
}

struct sums {
	uint64_t bucket[MAXT][GP_B_COUNT], life[MAXT], nvcsw[MAXT], nivcsw[MAXT], wakeups[MAXT];
	uint64_t wait_ns, blocked_ns, waits, timeouts, woken;
};

static void add(struct sums *s, const struct gp_model *m, bool later)
{
	size_t i;
	int b;

	for (i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];

		cr_assert_lt(t->tid, MAXT);
		for (b = 0; b < GP_B_COUNT; b++)
			s->bucket[t->tid][b] += t->bucket[b];
		s->life[t->tid] += thread_lifetime(t);
		s->nvcsw[t->tid] += t->nvcsw;
		s->nivcsw[t->tid] += t->nivcsw;
		s->wakeups[t->tid] += t->wakeups;
		cr_assert_eq(thread_accounted(t), thread_lifetime(t), "tid %u closes", t->tid);
	}
	for (i = 0; i < m->nlocks; i++) {
		const struct gp_lock *l = m->locks[i];

		s->wait_ns += l->wait_ns;
		s->blocked_ns += l->blocked_ns;
		/* a wait that spans a cut ends as ongoing in one window and starts in the next */
		s->waits += l->waits - l->outcome[GP_WO_ONGOING];
		s->timeouts += l->outcome[GP_WO_TIMEOUT];
		s->woken += l->outcome[GP_WO_WOKEN];
		cr_assert(later || !l->at_attach);
	}
}

static struct gp_model *feed_upto(struct gp_model *m, size_t *i, uint64_t upto)
{
	for (; *i < nev && evs[*i].h.ts <= upto; (*i)++)
		cr_assert_eq(model_feed(m, &evs[*i]), 0);
	return m;
}

/* The stream whole, and cut at each of cuts[], ended at 20 ms. */
static void compare(const uint64_t *cuts, size_t ncuts)
{
	struct gp_model *whole = model_new(2), *w = model_new(2), *next;
	struct sums a = {0}, b = {0};
	size_t i = 0, k;

	script();
	feed_upto(whole, &i, UINT64_MAX);
	model_finish(whole, 20 * MS);
	add(&a, whole, false);
	i = 0;
	for (k = 0; k < ncuts; k++) {
		feed_upto(w, &i, cuts[k] * MS);
		next = model_split(w, cuts[k] * MS);
		cr_assert_not_null(next);
		cr_assert_eq(w->end_ts, cuts[k] * MS);
		cr_assert_eq(next->first_ts, cuts[k] * MS);
		add(&b, w, k > 0);
		model_free(w);
		w = next;
	}
	feed_upto(w, &i, UINT64_MAX);
	model_finish(w, 20 * MS);
	add(&b, w, ncuts > 0);
	for (k = 1; k < MAXT; k++) {
		for (int bk = 0; bk < GP_B_COUNT; bk++)
			cr_assert_eq(b.bucket[k][bk], a.bucket[k][bk], "tid %zu %s: %lu vs %lu", k,
				     bucket_name(bk), (unsigned long)b.bucket[k][bk],
				     (unsigned long)a.bucket[k][bk]);
		cr_assert_eq(b.life[k], a.life[k], "tid %zu lifetime", k);
		cr_assert_eq(b.nvcsw[k], a.nvcsw[k], "tid %zu nvcsw", k);
		cr_assert_eq(b.nivcsw[k], a.nivcsw[k], "tid %zu nivcsw", k);
		cr_assert_eq(b.wakeups[k], a.wakeups[k], "tid %zu wakeups", k);
	}
	cr_assert_eq(b.wait_ns, a.wait_ns);
	cr_assert_eq(b.blocked_ns, a.blocked_ns);
	cr_assert_eq(b.waits, a.waits);
	cr_assert_eq(b.timeouts, a.timeouts);
	cr_assert_eq(b.woken, a.woken);
	model_free(whole);
	model_free(w);
}

Test(window, each_single_cut)
{
	for (uint64_t c = 1; c < 20; c++)
		compare(&c, 1);
}

Test(window, a_cut_every_millisecond)
{
	uint64_t cuts[19];

	for (int i = 0; i < 19; i++)
		cuts[i] = i + 1;
	compare(cuts, 19);
}

/* What the windows hold: live threads carried, dead ones gone, a wait carried as at_attach. */
Test(window, carried_state)
{
	struct gp_model *m = model_new(2), *n;
	struct gp_thread *t;
	struct gp_lock *l;
	size_t i = 0;

	script();
	feed_upto(m, &i, 7 * MS); /* 1 waits on L (timed) since 6 ms */
	n = model_split(m, 7 * MS);
	cr_assert_not_null(n);
	t = model_thread(n, 1);
	cr_assert_not_null(t);
	cr_assert(t->in_futex);
	cr_assert_eq(t->state, GP_TS_BLOCKED);
	cr_assert_eq(t->start_ts, 7 * MS);
	l = model_lock(n, P, L);
	cr_assert_not_null(l);
	cr_assert_eq(l->at_attach, 1);
	l = model_lock(m, P, L);
	cr_assert_eq(l->outcome[GP_WO_ONGOING], 1);
	cr_assert_eq(n->nprocs, 1);
	cr_assert_eq(n->procs[0]->nlive, 3);
	feed_upto(n, &i, 16 * MS); /* tid 4 was born and died */
	model_free(m);
	m = model_split(n, 16 * MS);
	cr_assert_not_null(m);
	cr_assert_null(model_thread(m, 4), "a dead thread is not carried");
	cr_assert_eq(m->nthreads, 3);
	t = model_thread(n, 4);
	cr_assert(t->dead);
	model_free(n);
	model_free(m);
}

/* A thread blocked in pthread_join stays a join in every window, not a lock. */
Test(window, join_stays_join)
{
	struct gp_model *m = model_new(2), *n;
	union gp_event e;
	struct gp_lock *l;

	memset(&e, 0, sizeof(e));
	e.h = (struct gp_ev_hdr){.ts = 0, .type = GP_EV_SWITCH, .tid = 0, .tgid = 0};
	e.sw.next_tid = 1;
	e.sw.next_tgid = P;
	e.sw.next_traced = 1;
	cr_assert_eq(model_feed(m, &e), 0);
	e.sw.next_tid = 2;
	e.h.cpu = 1;
	cr_assert_eq(model_feed(m, &e), 0);
	memset(&e, 0, sizeof(e));
	e.h = (struct gp_ev_hdr){.ts = MS, .type = GP_EV_FUTEX_ENTER, .tid = 1, .tgid = P};
	e.fenter.uaddr = 0x7000;
	e.fenter.val = 2; /* waits for tid 2's exit */
	cr_assert_eq(model_feed(m, &e), 0);
	n = model_split(m, 2 * MS);
	cr_assert_not_null(n);
	model_finish(n, 3 * MS);
	l = model_lock(m, P, 0x7000);
	cr_assert_eq(l->join_waits, l->waits);
	l = model_lock(n, P, 0x7000);
	cr_assert_eq(l->waits, 1);
	cr_assert_eq(l->join_waits, 1);
	model_free(m);
	model_free(n);
}

/* A process whose exit was lost is let go of: its threads end, it is not carried any more. */
Test(window, forget_a_process)
{
	struct gp_model *m = model_new(2), *n;
	size_t i = 0;

	script();
	feed_upto(m, &i, 7 * MS);
	cr_assert_eq(model_forget_process(m, P, 7 * MS), 3);
	cr_assert_eq(model_forget_process(m, P + 1, 7 * MS), 0);
	cr_assert(m->procs[0]->exited);
	cr_assert_eq(model_lock(m, P, L)->outcome[GP_WO_UNSEEN], 1, "1 was waiting");
	n = model_split(m, 7 * MS);
	cr_assert_not_null(n);
	cr_assert_eq(n->nthreads, 0);
	for (size_t k = 0; k < m->nthreads; k++)
		cr_assert_eq(thread_accounted(m->threads[k]), thread_lifetime(m->threads[k]));
	model_free(m);
	model_free(n);
}

/* Attached one by one: a thread found joining a thread attached after it is still a join. */
Test(window, attach_join_of_a_later_thread)
{
	struct gp_model *m = model_new(2);
	union gp_event e;

	memset(&e, 0, sizeof(e));
	e.h = (struct gp_ev_hdr){.ts = MS, .type = GP_EV_ATTACH, .tid = P, .tgid = P};
	e.attach.state = GP_AS_SLEEPING;
	e.attach.in_futex = 1;
	e.attach.futex_uaddr = 0x7000;
	e.attach.futex_val = P + 1;
	cr_assert_eq(model_feed(m, &e), 0);
	e.h.tid = P + 1;
	e.attach.state = GP_AS_RUNNABLE;
	e.attach.in_futex = 0;
	cr_assert_eq(model_feed(m, &e), 0);
	model_finish(m, 2 * MS);
	cr_assert_eq(model_lock(m, P, 0x7000)->join_waits, 1);
	cr_assert_eq(model_lock(m, P, 0x7000)->waits, 1);
	model_free(m);
}
