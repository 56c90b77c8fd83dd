// SPDX-License-Identifier: GPL-2.0
/*
 * A synthetic trace and its recording, for the recording's unit tests and the fuzzer's seeds:
 * threads of one process taking turns on a futex word over two CPUs (every wait with its
 * waiter's and its waker's stack), some preempted, some timed out, on-CPU samples, and a child
 * process forked, exec'd and exited. The recording is written through the real recorder, flushed
 * as a live session flushes it (names of the new stacks first), so tests and seeds follow the
 * format as it changes. Static and inline: every test is its own program.
 */
#ifndef GP_RECSYNTH_H
#define GP_RECSYNTH_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stream/record.h"
#include "stream/trace.h"

#define RS_PID 100
#define RS_CHILD 200
#define RS_CHILD_RSS_KB 1234 /* the peak RSS its exit reports */
#define RS_LOCK 0x55d0c0de1060ULL
#define RS_MS 1000000ULL
#define RS_MAX_THREADS 16

struct rs_opts {
	unsigned threads; /* 2..RS_MAX_THREADS, the leader included */
	unsigned rounds; /* hand-offs of the lock */
	unsigned flush_every; /* events per EVENTS chunk (0: one at the end) */
	bool lines, attached;
	bool finish; /* write END; false leaves the recording as a killed recorder does */
};

struct rs_sim {
	const struct rs_opts *o;
	struct gp_trace *t;
	struct gp_recorder *rec; /* NULL: the model only */
	uint64_t ts;
	unsigned since_flush;
	size_t named_stacks;
	int err;
	/* the kernel's counters of each simulated thread (index tid - RS_PID) */
	uint64_t nvcsw[RS_MAX_THREADS + 1], nivcsw[RS_MAX_THREADS + 1];
	uint64_t runtime[RS_MAX_THREADS + 1], oncpu_since[RS_MAX_THREADS + 1];
};

/* The live namers' answers, made up from the address, so that every frame and lock has one. */
static inline int rs_name_lock(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	snprintf(buf, len, uaddr == RS_LOCK ? "table_lock" : "[heap]+0x%" PRIx64, uaddr & 0xfff);
	return uaddr == RS_LOCK ? 0 : 1;
}

static inline int rs_name_code(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len,
			       char *obj, size_t objlen)
{
	(void)ctx;
	snprintf(buf, len, "fn_%" PRIx64 "+0x%" PRIx64, addr >> 8, addr & 0xff);
	snprintf(obj, objlen, tgid == RS_CHILD ? "child" : "contend");
	return 0;
}

static inline int rs_name_line(void *ctx, uint32_t tgid, uint64_t pc, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	snprintf(buf, len, "contend.c:%" PRIu64, pc & 0x3ff);
	return 0;
}

static inline int rs_name_kernel(void *ctx, uint64_t addr, char *buf, size_t len)
{
	(void)ctx;
	snprintf(buf, len, "kfn_%" PRIx64, addr & 0xffff);
	return 0;
}

/* Functions of 256 bytes in two mappings of 1 MiB; the kernel's have no mapping nor source. */
static inline int rs_name_func(void *ctx, uint32_t tgid, uint64_t pc, bool lines,
			       struct gp_func_fact *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%sfn_%" PRIx64, tgid ? "" : "k", pc >> 8);
	if (!tgid)
		return 0;
	out->map_start = pc & ~0xfffffULL;
	if (lines) {
		snprintf(out->file, sizeof(out->file), "/src/contend.c");
		out->line = (int)(pc & 0x3ff);
	}
	return 0;
}

static inline int rs_name_mapping(void *ctx, uint32_t tgid, uint64_t start, struct gp_map_fact *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "/usr/bin/%s",
		 tgid == RS_CHILD ? "child" : "contend");
	snprintf(out->build_id, sizeof(out->build_id), "%016" PRIx64, start);
	out->limit = start + 0x100000;
	out->offset = 0x1000;
	return 0;
}

static const struct gp_namer rs_namer = {
	rs_name_lock, rs_name_code,    rs_name_line, rs_name_kernel,
	rs_name_func, rs_name_mapping, NULL};

static inline void rs_flush(struct rs_sim *s)
{
	const struct gp_stacks *st = s->t->stacks;

	if (!s->err && nametab_add_stacks(s->t->names, st, s->named_stacks, stacks_count(st),
					  &rs_namer, s->o->lines))
		s->err = -ENOMEM;
	s->named_stacks = stacks_count(st);
	if (!s->err && s->rec)
		s->err = recorder_flush(s->rec, st, s->t->names);
	s->since_flush = 0;
}

/* One event of the stream, to the model and the recorder as the live session does. */
static inline void rs_emit(struct rs_sim *s, union gp_event *e, uint32_t type, uint32_t cpu,
			   uint32_t tid, uint32_t tgid)
{
	e->h.ts = s->ts;
	e->h.type = type;
	e->h.cpu = cpu;
	e->h.tid = tid;
	e->h.tgid = tgid;
	if (!s->err)
		s->err = model_feed(s->t->model, e);
	if (!s->err && s->rec)
		s->err = recorder_event(s->rec, e);
	if (s->o->flush_every && ++s->since_flush >= s->o->flush_every)
		rs_flush(s);
}

static inline uint32_t rs_tgid(uint32_t tid)
{
	return tid == RS_CHILD ? RS_CHILD : tid ? RS_PID : 0;
}

static inline unsigned rs_slot(uint32_t tid)
{
	return tid == RS_CHILD ? RS_MAX_THREADS : tid - RS_PID;
}

/* prev -> next on cpu (0 is the idle task); prev's counters move as the kernel's do. */
static inline void rs_switch(struct rs_sim *s, uint32_t cpu, uint32_t prev, uint32_t state,
			     uint32_t next, uint64_t wake_ts, uint32_t waker)
{
	union gp_event e = {0};

	if (prev) {
		unsigned k = rs_slot(prev);

		s->runtime[k] += s->ts - s->oncpu_since[k] - 700; /* the switch path is no task's */
		if (state == GP_TASK_RUNNING)
			s->nivcsw[k]++;
		else
			s->nvcsw[k]++;
		e.sw.prev_nvcsw = s->nvcsw[k];
		e.sw.prev_nivcsw = s->nivcsw[k];
		e.sw.prev_runtime = s->runtime[k];
	}
	if (next)
		s->oncpu_since[rs_slot(next)] = s->ts;
	e.sw.next_tid = next;
	e.sw.next_tgid = rs_tgid(next);
	e.sw.prev_state = state;
	e.sw.preempt = prev && state == GP_TASK_RUNNING;
	e.sw.prev_traced = prev != 0;
	e.sw.next_traced = next != 0;
	e.sw.next_wake_ts = wake_ts;
	e.sw.next_waker_tid = waker;
	e.sw.next_waker_tgid = rs_tgid(waker);
	snprintf(e.sw.prev_comm, GP_COMM_LEN, prev == RS_CHILD ? "child" : "worker-%u", prev);
	snprintf(e.sw.next_comm, GP_COMM_LEN, next == RS_CHILD ? "child" : "worker-%u", next);
	rs_emit(s, &e, GP_EV_SWITCH, cpu, prev, rs_tgid(prev));
}

/*
 * Python frames as the stack stage merges and names them (stream/pystage.c): hot_loop called by
 * worker in place of the second native frame, named as they come, with the thread's name.
 */
static inline uint32_t rs_python(struct rs_sim *s, uint32_t tid, uint64_t *user)
{
	uint64_t hot = stack_pyframe(0x7f00000a0010ULL, 0x24 + 2 * (tid % 4));

	user[5] = user[3];
	user[4] = user[2];
	user[1] = hot;
	user[2] = stack_pyframe(0x7f00000a0200ULL, 0x10);
	user[3] = 0x404000;
	if (!s->err &&
	    (nametab_put(s->t->names, GP_NK_CODE, rs_tgid(tid), hot, 0,
			 "Work.hot_loop (work.py:12)", "work.py") ||
	     nametab_put(s->t->names, GP_NK_CODE, rs_tgid(tid), user[2], 0, "worker (work.py:20)",
			 "work.py") ||
	     nametab_put(s->t->names, GP_NK_THREAD, rs_tgid(tid), tid, 0, "pyworker", NULL)))
		s->err = -ENOMEM;
	return 6;
}

/* A stack of tid taken for kind (the waker's names its target), interned as the stack stage
 * interns what BPF sends, and its reference in the stream. */
static inline void rs_stack(struct rs_sim *s, uint32_t cpu, uint32_t tid, uint32_t kind,
			    uint32_t target, uint64_t uaddr)
{
	uint64_t user[6] = {0x401000 + 0x10 * kind, 0x402000 + 0x20 * (tid % 3), 0x403100,
			    0x7f0000001000ULL};
	uint64_t kernel[3] = {0xffffffff81100000ULL + kind, 0xffffffff81200000ULL,
			      0xffffffff81300000ULL};
	union gp_event e = {0};
	uint32_t id, nuser = 4;

	/* the samples of odd threads are of Python code: two frames in place of the eval loop */
	if (kind == GP_STK_SAMPLE && tid % 2)
		nuser = rs_python(s, tid, user);
	if (!s->err && stacks_intern(s->t->stacks, rs_tgid(tid), user, nuser, kernel,
				     kind == GP_STK_SAMPLE ? 0 : 3, &id))
		s->err = -ENOMEM;
	if (s->err)
		return;
	e.sref.kind = kind;
	e.sref.target_tid = target;
	e.sref.uaddr = uaddr;
	e.sref.stack_id = id;
	rs_emit(s, &e, GP_EV_STACKREF, cpu, tid, rs_tgid(tid));
}

static inline void rs_futex(struct rs_sim *s, uint32_t cpu, uint32_t tid, bool enter, int64_t ret)
{
	union gp_event e = {0};

	if (enter) {
		e.fenter.uaddr = RS_LOCK;
		e.fenter.op = 0x80 | 9; /* FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG */
		e.fenter.has_timeout = 1;
		e.fenter.nr_futexes = 1;
	} else {
		e.fexit.ret = ret;
	}
	rs_emit(s, &e, enter ? GP_EV_FUTEX_ENTER : GP_EV_FUTEX_EXIT, cpu, tid, rs_tgid(tid));
}

static inline void rs_fork(struct rs_sim *s, uint32_t cpu, uint32_t parent, uint32_t child)
{
	union gp_event e = {0};

	e.fork.child_tid = child;
	e.fork.child_tgid = rs_tgid(child);
	snprintf(e.fork.child_comm, GP_COMM_LEN, child == RS_CHILD ? "child" : "worker-%u", child);
	rs_emit(s, &e, GP_EV_FORK, cpu, parent, rs_tgid(parent));
	e = (union gp_event){0};
	e.wk.target_tid = child;
	e.wk.target_tgid = rs_tgid(child);
	e.wk.target_cpu = cpu;
	rs_emit(s, &e, GP_EV_WAKEUP_NEW, cpu, child, rs_tgid(child));
}

/* The running thread a on cpu hands the lock to b, blocked in a wait on it, and waits. */
static inline void rs_handoff(struct rs_sim *s, uint32_t cpu, uint32_t a, uint32_t b, unsigned r)
{
	uint64_t wake = s->ts;
	union gp_event e = {0};
	bool timeout = r % 7 == 3;

	if (!timeout) {
		e.wk.target_tid = b;
		e.wk.target_tgid = RS_PID;
		e.wk.target_cpu = cpu;
		rs_emit(s, &e, GP_EV_WAKING, cpu, a, RS_PID);
		rs_stack(s, cpu, a, GP_STK_WAKER, b, RS_LOCK);
	}
	s->ts += 20000 + 1000 * (r % 5);
	rs_futex(s, cpu, a, true, 0);
	rs_stack(s, cpu, a, GP_STK_FUTEX_WAIT, 0, RS_LOCK);
	s->ts += 3000;
	rs_switch(s, cpu, a, GP_TASK_INTERRUPTIBLE, b, wake, timeout ? 0 : a);
	rs_futex(s, cpu, b, false, timeout ? -110 /* ETIMEDOUT */ : 0);
	s->ts += 100000 + 7000 * (r % 11);
	if (r % 4 == 1)
		rs_stack(s, cpu, b, GP_STK_SAMPLE, 0, 0);
}

/* The leader runs on CPU 0 and forks the workers; the first runs on CPU 1, each later one
 * preempts it there, enters a wait on the lock and blocks. */
static inline void rs_start(struct rs_sim *s, unsigned n)
{
	union gp_event e = {0};
	uint32_t tid;

	rs_switch(s, 0, 0, 0, RS_PID, 0, 0);
	s->ts += 20000;
	snprintf(e.exec.comm, GP_COMM_LEN, "contend");
	snprintf(e.exec.filename, GP_PATH_LEN, "/usr/bin/contend");
	e.exec.old_tid = RS_PID;
	rs_emit(s, &e, GP_EV_EXEC, 0, RS_PID, RS_PID);
	s->ts += 50000;
	rs_fork(s, 0, RS_PID, RS_PID + 1);
	s->ts += 10000;
	rs_switch(s, 1, 0, 0, RS_PID + 1, s->ts - 10000, RS_PID);
	for (tid = RS_PID + 2; tid < RS_PID + n; tid++) {
		s->ts += 50000;
		rs_fork(s, 0, RS_PID, tid);
		s->ts += 10000;
		rs_switch(s, 1, RS_PID + 1, GP_TASK_RUNNING, tid, s->ts - 10000, RS_PID);
		s->ts += 30000;
		rs_futex(s, 1, tid, true, 0);
		rs_stack(s, 1, tid, GP_STK_FUTEX_WAIT, 0, RS_LOCK);
		s->ts += 3000;
		rs_switch(s, 1, tid, GP_TASK_INTERRUPTIBLE, RS_PID + 1, 0, 0);
	}
}

/* The child process: forked by the leader, exec'd, exited, its CPU given back. */
static inline void rs_child(struct rs_sim *s)
{
	union gp_event e = {0};

	s->ts += 40000;
	rs_fork(s, 0, RS_PID, RS_CHILD);
	s->ts += 10000;
	rs_switch(s, 0, RS_PID, GP_TASK_RUNNING, RS_CHILD, 0, 0);
	s->ts += 200000;
	if (nametab_put(s->t->names, GP_NK_PYTHON, RS_CHILD, 0, 1,
			"CPython 3.14 (python3.14): no frame layout for this version", NULL))
		s->err = -ENOMEM;
	e.exec.old_tid = RS_CHILD;
	snprintf(e.exec.comm, GP_COMM_LEN, "child");
	snprintf(e.exec.filename, GP_PATH_LEN, "/usr/bin/child");
	rs_emit(s, &e, GP_EV_EXEC, 0, RS_CHILD, RS_CHILD);
	s->ts += 300000;
	e = (union gp_event){0};
	e.exit.group_dead = 1;
	e.exit.exit_code = 3 << 8;
	e.exit.maxrss_kb = RS_CHILD_RSS_KB;
	e.exit.nvcsw = s->nvcsw[RS_MAX_THREADS] + 1;
	snprintf(e.exit.comm, GP_COMM_LEN, "child");
	rs_emit(s, &e, GP_EV_EXIT, 0, RS_CHILD, RS_CHILD);
	s->ts += 5000;
	rs_switch(s, 0, RS_CHILD, GP_TASK_DEAD, RS_PID, 0, 0);
}

/* The source's totals a live run reads back from the kernel at its end. */
static inline void rs_stats(struct gp_trace *t)
{
	unsigned c;

	t->stats.drops[0] = 1;
	t->stats.invalid = 2;
	t->stats.stacks_dropped = 3;
	t->stats.received = 4000;
	t->stats.ncpus = 2;
	for (c = 0; c < 2; c++) {
		t->stats.cpu[c].last_ts = t->end_ts - c;
		t->stats.cpu[c].cur_kind = GP_CPU_TRACED;
		t->stats.cpu[c].cur_tid = RS_PID + c;
		t->stats.cpu[c].ns[GP_CPU_TRACED] = (t->end_ts - t->start_ts) / 2;
		t->stats.cpu[c].ns[GP_CPU_IDLE] = (t->end_ts - t->start_ts) / 3;
	}
	t->unwind_stops[0] = 5;
	t->py_lost[GP_PYL_UNREAD] = 6;
	t->py_lost[GP_PYL_CUT] = 1;
}

/* The stream, fed to t's model and (with rec) written as a recording; t ends finished. */
static inline int rs_run(struct rs_sim *s)
{
	const struct rs_opts *o = s->o;
	uint32_t cur[2] = {RS_PID, RS_PID + 1}, queue[RS_MAX_THREADS];
	unsigned nq = 0, head = 0, r, i;

	rs_start(s, o->threads);
	for (i = 2; i < o->threads; i++)
		queue[nq++] = RS_PID + i;
	for (r = 0; r < o->rounds && nq; r++) {
		uint32_t cpu = r % 2, a = cur[cpu], b = queue[head];

		if (r % 9 == 5) { /* preempted by a task that is not traced */
			s->ts += 50000;
			rs_switch(s, cpu, a, GP_TASK_RUNNING, 0, 0, 0);
			s->ts += 20000;
			rs_switch(s, cpu, 0, 0, a, 0, 0);
		}
		rs_handoff(s, cpu, a, b, r);
		queue[head] = a;
		head = (head + 1) % nq;
		cur[cpu] = b;
	}
	rs_child(s);
	s->ts += RS_MS;
	s->t->end_ts = s->ts;
	s->t->exit_status = 0;
	rs_stats(s->t);
	model_finish(s->t->model, s->t->end_ts);
	rs_flush(s);
	if (!s->err && nametab_add_locks(s->t->names, s->t->model, &rs_namer))
		s->err = -ENOMEM;
	if (!s->err && s->rec && o->finish)
		s->err = recorder_finish(s->rec, s->t);
	else if (!s->err && s->rec)
		s->err = recorder_flush(s->rec, s->t->stacks, s->t->names);
	return s->err;
}

/*
 * Make the synthetic trace into t (its model fed directly) and, with fd >= 0, write its
 * recording to fd. Returns 0 or -errno; t is the caller's to trace_free() either way.
 */
static inline int rs_make(const struct rs_opts *o, struct gp_trace *t, int fd)
{
	static char *const argv[] = {"contend", "--threads", "4", "with a space", NULL};
	static char *const attached_argv[] = {"pid 100,200", NULL};
	struct rs_sim s = {.o = o, .t = t, .ts = 1000 * RS_MS};
	struct gp_rec_meta m = {.ncpus = 2, .lines = o->lines, .attached = o->attached};
	int err;

	memset(t, 0, sizeof(*t));
	t->start_ts = s.ts;
	t->start_wall_ns = 1700000000123456789ULL;
	t->lines = o->lines;
	t->attached = o->attached;
	t->model = model_new(2);
	t->stacks = stacks_new();
	t->names = nametab_new();
	if (!t->model || !t->stacks || !t->names ||
	    trace_set_argv(t, o->attached ? attached_argv : argv))
		return -ENOMEM;
	m.start_ts = t->start_ts;
	m.start_wall_ns = t->start_wall_ns;
	m.argv = t->argv;
	if (fd >= 0) {
		s.rec = recorder_start(fd, "synthetic", &m);
		if (!s.rec)
			return -EIO;
	}
	err = rs_run(&s);
	recorder_free(s.rec);
	return err;
}

#endif
