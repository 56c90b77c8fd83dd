/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two synthetic runs for the diff's tests, fed to real models as event streams, with every
 * figure exact (ms):
 *
 * BASE, pid 100, 0..100 on 2 CPUs ("a GIL"):
 *   main (1)       runs 0-4, waits on its join word (anon 0x9000) 4-90, runs 90-100
 *   worker (2)     runs 0-40, waits on gil.mutex 40-60 (woken by 3), runs 60-90, exits
 *   worker (3)     appears at 4, waits on gil.cond 4-40 (times out), runs 40-80, exits
 *   lifetimes 266, running 124, futex 142; gil 56 (2 words), join 86
 *
 * NEW, pid 200, 0..50 on 2 CPUs ("the fix"):
 *   main (11)      runs 0-2, waits on its join word (anon 0x9100) 2-45, runs 45-50
 *   worker (12)    runs 0-30, waits on counter_lock 30-32 (woken by 13), runs 32-45, exits
 *   worker (13)    runs 2-40, exits
 *   helper (14)    runs 40-44, sleeps 44-50
 *   lifetimes 143, running 92, futex 45, sleep 6; counter_lock 2, join 43
 *
 * Both join words are unnamed anonymous memory waited on from wl_run_threads+0x1e6.
 */
#ifndef GP_DIFFRUNS_H
#define GP_DIFFRUNS_H

#include <criterion/criterion.h>
#include <string.h>
#include "analyze/report.h"
#include "model/model.h"
#include "model/stacks.h"

#define MS 1000000ULL

/* Addresses the fake namers know. */
#define W_GIL_COND 0x1000
#define W_GIL_MUTEX 0x1040
#define W_COUNTER 0x2000
#define W_JOIN_A 0x9000
#define W_JOIN_B 0x9100
#define PC_FUTEX 0x401010 /* in libc: not a call site */
#define PC_CALLER 0x402011 /* a return address into wl_run_threads */

struct t_run {
	struct gp_model *m;
	struct gp_stacks *stacks;
	uint32_t tgid, join_stack;
	uint64_t oncpu_since[32], runtime[32], nvcsw[32];
	const char *comm[32];
	struct gp_report r;
	char *argv[3];
};

static inline int t_name_lock(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	switch (uaddr) {
	case W_GIL_COND:
		snprintf(buf, len, "gil.cond");
		return 0;
	case W_GIL_MUTEX:
		snprintf(buf, len, "gil.mutex");
		return 0;
	case W_COUNTER:
		snprintf(buf, len, "counter_lock");
		return 0;
	}
	snprintf(buf, len, "[anon] 0x%llx", (unsigned long long)uaddr);
	return 1;
}

static inline int t_name_code(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len,
			      char *obj, size_t objlen)
{
	bool libc = addr < 0x402000;

	(void)ctx;
	(void)tgid;
	snprintf(buf, len, "%s",
		 libc ? "__futex_abstimed_wait_common+0x10" : "wl_run_threads+0x1e6");
	if (obj)
		snprintf(obj, objlen, "%s", libc ? "libc.so.6" : "countdown");
	return 0;
}

static inline int t_name_kernel(void *ctx, uint64_t addr, char *buf, size_t len)
{
	(void)ctx;
	snprintf(buf, len, "0x%llx", (unsigned long long)addr);
	return 1;
}

static inline void t_feed(struct t_run *run, union gp_event *e, uint32_t type, uint64_t ts,
			  uint32_t cpu, uint32_t tid)
{
	e->h.ts = ts;
	e->h.type = type;
	e->h.cpu = cpu;
	e->h.tid = tid;
	e->h.tgid = tid ? run->tgid : 0;
	cr_assert_eq(model_feed(run->m, e), 0);
}

/* prev -> next on cpu at ms; 0 is the idle task. prev_state as the kernel's (0: preempted). */
static inline void t_sw(struct t_run *run, uint64_t ms, uint32_t cpu, uint32_t prev,
			uint32_t prev_state, uint32_t next)
{
	union gp_event e = {0};
	uint64_t ts = ms * MS;

	if (prev) {
		run->runtime[prev] += ts - run->oncpu_since[prev];
		run->nvcsw[prev] += prev_state != GP_TASK_RUNNING;
		snprintf(e.sw.prev_comm, GP_COMM_LEN, "%s", run->comm[prev]);
	}
	if (next) {
		run->oncpu_since[next] = ts;
		snprintf(e.sw.next_comm, GP_COMM_LEN, "%s", run->comm[next]);
	}
	e.sw.prev_runtime = prev ? run->runtime[prev] : 0;
	e.sw.prev_nvcsw = prev ? run->nvcsw[prev] : 0;
	e.sw.prev_state = prev_state;
	e.sw.prev_traced = prev != 0;
	e.sw.next_traced = next != 0;
	e.sw.next_tid = next;
	e.sw.next_tgid = next ? run->tgid : 0;
	t_feed(run, &e, GP_EV_SWITCH, ts, cpu, prev);
}

static inline void t_wake(struct t_run *run, uint64_t ms, uint32_t waker, uint32_t target)
{
	union gp_event e = {0};

	e.wk.target_tid = target;
	e.wk.target_tgid = run->tgid;
	t_feed(run, &e, GP_EV_WAKING, ms * MS, 0, waker);
}

static inline void t_futex_in(struct t_run *run, uint64_t ms, uint32_t tid, uint64_t uaddr)
{
	union gp_event e = {0};

	e.fenter.uaddr = uaddr;
	e.fenter.op = 0x80 | 9; /* FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG */
	e.fenter.nr_futexes = 1;
	t_feed(run, &e, GP_EV_FUTEX_ENTER, ms * MS, 0, tid);
}

static inline void t_futex_out(struct t_run *run, uint64_t ms, uint32_t tid, int64_t ret)
{
	union gp_event e = {0};

	e.fexit.ret = ret;
	t_feed(run, &e, GP_EV_FUTEX_EXIT, ms * MS, 0, tid);
}

/* The waiter's stack at its futex wait: what names a word that has no symbol. */
static inline void t_join_stack(struct t_run *run, uint64_t ms, uint32_t tid, uint64_t uaddr)
{
	union gp_event e = {0};

	e.sref.kind = GP_STK_FUTEX_WAIT;
	e.sref.uaddr = uaddr;
	e.sref.stack_id = run->join_stack;
	t_feed(run, &e, GP_EV_STACKREF, ms * MS, 0, tid);
}

static inline void t_run_init(struct t_run *run, uint32_t tgid, const char *flag)
{
	const uint64_t user[] = {PC_FUTEX, PC_CALLER}, kernel[1] = {0};

	memset(run, 0, sizeof(*run));
	run->m = model_new(2);
	run->stacks = stacks_new();
	cr_assert(run->m && run->stacks);
	cr_assert_eq(stacks_intern(run->stacks, tgid, user, 2, kernel, 0, &run->join_stack), 0);
	run->tgid = tgid;
	run->argv[0] = "countdown";
	run->argv[1] = (char *)flag;
}

static inline void t_run_report(struct t_run *run, uint64_t end_ms)
{
	model_finish(run->m, end_ms * MS);
	run->r = (struct gp_report){
		.model = run->m,
		.start_ts = 0,
		.end_ts = end_ms * MS,
		.argv = run->argv,
		.exit_status = 0,
		.name_lock = t_name_lock,
		.name_code = t_name_code,
		.name_kernel = t_name_kernel,
		.stacks = run->stacks,
	};
}

static inline void t_run_base(struct t_run *run)
{
	t_run_init(run, 100, "--gil");
	run->comm[1] = "main";
	run->comm[2] = run->comm[3] = "worker";
	t_sw(run, 0, 0, 0, 0, 1);
	t_sw(run, 0, 1, 0, 0, 2);
	t_futex_in(run, 4, 1, W_JOIN_A);
	t_join_stack(run, 4, 1, W_JOIN_A);
	t_sw(run, 4, 0, 1, GP_TASK_INTERRUPTIBLE, 3);
	t_futex_in(run, 4, 3, W_GIL_COND);
	t_sw(run, 4, 0, 3, GP_TASK_INTERRUPTIBLE, 0);
	t_futex_in(run, 40, 2, W_GIL_MUTEX);
	t_sw(run, 40, 1, 2, GP_TASK_INTERRUPTIBLE, 0);
	t_wake(run, 40, 0, 3); /* the timer */
	t_sw(run, 40, 0, 0, 0, 3);
	t_futex_out(run, 40, 3, -110);
	t_wake(run, 60, 3, 2);
	t_sw(run, 60, 1, 0, 0, 2);
	t_futex_out(run, 60, 2, 0);
	t_sw(run, 80, 0, 3, GP_TASK_DEAD, 0);
	t_wake(run, 90, 2, 1);
	t_sw(run, 90, 1, 2, GP_TASK_DEAD, 0);
	t_sw(run, 90, 0, 0, 0, 1);
	t_futex_out(run, 90, 1, 0);
	t_run_report(run, 100);
}

static inline void t_run_new(struct t_run *run)
{
	t_run_init(run, 200, "--no-gil");
	run->comm[11] = "main";
	run->comm[12] = run->comm[13] = "worker";
	run->comm[14] = "helper";
	t_sw(run, 0, 0, 0, 0, 11);
	t_sw(run, 0, 1, 0, 0, 12);
	t_futex_in(run, 2, 11, W_JOIN_B);
	t_join_stack(run, 2, 11, W_JOIN_B);
	t_sw(run, 2, 0, 11, GP_TASK_INTERRUPTIBLE, 13);
	t_futex_in(run, 30, 12, W_COUNTER);
	t_sw(run, 30, 1, 12, GP_TASK_INTERRUPTIBLE, 0);
	t_wake(run, 32, 13, 12);
	t_sw(run, 32, 1, 0, 0, 12);
	t_futex_out(run, 32, 12, 0);
	t_sw(run, 40, 0, 13, GP_TASK_DEAD, 14);
	t_sw(run, 44, 0, 14, GP_TASK_INTERRUPTIBLE, 0);
	t_wake(run, 45, 12, 11);
	t_sw(run, 45, 1, 12, GP_TASK_DEAD, 0);
	t_sw(run, 45, 0, 0, 0, 11);
	t_futex_out(run, 45, 11, 0);
	t_run_report(run, 50);
}

static inline void t_run_free(struct t_run *run)
{
	model_free(run->m);
	stacks_free(run->stacks);
}

#endif
