/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic event streams for the tests of the model and what reads it: a process P whose
 * threads switch, wake, fork, wait in futexes and get attached to, fed to the model m.
 */
#ifndef GP_TESTS_FEED_H
#define GP_TESTS_FEED_H

#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"

#define MS 1000000ULL
#define P 100 /* the process */

static struct gp_model *m;
/* The kernel's runtime counter as the simulated threads accrue it: on CPU from switch-in to
 * switch-out, so by default the model's running time equals the timestamps'. */
static uint64_t oncpu_since[1024], runtime_acc[1024];

static inline void setup(void)
{
	memset(oncpu_since, 0, sizeof(oncpu_since));
	memset(runtime_acc, 0, sizeof(runtime_acc));
	m = model_new(2);
	cr_assert_not_null(m);
}

/* Criterion ignores a worker's exit status once its test passed, so a leak must crash it. */
static inline void teardown(void)
{
	model_free(m);
	if (__lsan_do_recoverable_leak_check())
		abort();
}

static inline void feed(union gp_event *e, uint32_t type, uint64_t ts, uint32_t cpu, uint32_t tid,
			uint32_t tgid)
{
	e->h.ts = ts;
	e->h.type = type;
	e->h.cpu = cpu;
	e->h.tid = tid;
	e->h.tgid = tgid;
	cr_assert_eq(model_feed(m, e), 0);
}

/* prev -> next on cpu; tid 0 is idle (untraced). nvcsw/nivcsw are prev's kernel counters. */
static inline void sw_rt(uint64_t ts, uint32_t cpu, uint32_t prev, uint32_t prev_state,
			 bool preempt, uint32_t next, uint64_t nvcsw, uint64_t nivcsw,
			 uint64_t prev_runtime)
{
	union gp_event e = {0};

	e.sw.prev_runtime = prev_runtime;
	e.sw.next_tid = next;
	e.sw.next_tgid = next ? P : 0;
	e.sw.prev_state = prev_state;
	e.sw.preempt = preempt;
	e.sw.prev_traced = prev != 0;
	e.sw.next_traced = next != 0;
	e.sw.prev_nvcsw = nvcsw;
	e.sw.prev_nivcsw = nivcsw;
	snprintf(e.sw.prev_comm, GP_COMM_LEN, "t%u", prev);
	snprintf(e.sw.next_comm, GP_COMM_LEN, "t%u", next);
	oncpu_since[next % 1024] = ts;
	feed(&e, GP_EV_SWITCH, ts, cpu, prev, prev ? P : 0);
}

/* prev -> next on cpu; tid 0 is idle (untraced). nvcsw/nivcsw are prev's kernel counters. */
static inline void sw(uint64_t ts, uint32_t cpu, uint32_t prev, uint32_t prev_state, bool preempt,
		      uint32_t next, uint64_t nvcsw, uint64_t nivcsw)
{
	runtime_acc[prev % 1024] += ts - oncpu_since[prev % 1024];
	sw_rt(ts, cpu, prev, prev_state, preempt, next, nvcsw, nivcsw, runtime_acc[prev % 1024]);
}

static inline void wake(uint64_t ts, uint32_t waker, uint32_t target)
{
	union gp_event e = {0};

	e.wk.target_tid = target;
	e.wk.target_tgid = P;
	feed(&e, GP_EV_WAKING, ts, 0, waker, P);
}

static inline void fork_ev(uint64_t ts, uint32_t parent, uint32_t child, uint32_t child_tgid)
{
	union gp_event e = {0};

	e.fork.child_tid = child;
	e.fork.child_tgid = child_tgid;
	strcpy(e.fork.child_comm, "child");
	feed(&e, GP_EV_FORK, ts, 0, parent, P);
}

static inline void futex_in(uint64_t ts, uint32_t tid, uint64_t uaddr, bool timed)
{
	union gp_event e = {0};

	e.fenter.uaddr = uaddr;
	e.fenter.op = 0x80 | 9; /* FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG */
	e.fenter.has_timeout = timed;
	e.fenter.nr_futexes = 1;
	feed(&e, GP_EV_FUTEX_ENTER, ts, 0, tid, P);
}

static inline void futex_out(uint64_t ts, uint32_t tid, int64_t ret)
{
	union gp_event e = {0};

	e.fexit.ret = ret;
	feed(&e, GP_EV_FUTEX_EXIT, ts, 0, tid, P);
}

static inline void attach_ev(uint64_t ts, uint32_t tid, enum gp_attach_state state, uint64_t futex)
{
	union gp_event e = {0};

	e.attach.state = state;
	e.attach.in_futex = futex != 0;
	e.attach.futex_uaddr = futex;
	e.attach.futex_op = 0x80; /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
	e.attach.nvcsw = 40;
	snprintf(e.attach.comm, GP_COMM_LEN, "t%u", tid);
	snprintf(e.attach.exe, GP_PATH_LEN, "/usr/bin/prog");
	feed(&e, GP_EV_ATTACH, ts, 0, tid, P);
}

#endif
