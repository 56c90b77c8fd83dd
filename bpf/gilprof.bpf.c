// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gilprof kernel side: follow a set of processes through the scheduler and futex syscalls and
 * stream what they do to userspace. Every hook is a BTF-typed raw tracepoint (tp_btf): they run
 * for every switch and wakeup on the system, and reading task_struct fields directly instead of
 * through bpf_probe_read_kernel() is what keeps that cheap.
 *
 * Futex waits are seen where they block: a traced task switching out to sleep inside futex(2),
 * futex_waitv(2) or futex_wait(2) (its syscall number and arguments are in its saved user
 * registers), and they end at its next switch-in. Syscall tracepoints would say the same, but
 * enabling any of them sends every syscall of every task on the system through the slow
 * syscall entry and exit path, which costs a syscall-heavy program more than all of the rest.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "gilprof.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TASK_RUNNING 0
#define TASK_INTERRUPTIBLE 0x0001
#define PF_EXITING 0x00000004
#define PF_IO_WORKER 0x00000010
#define PF_KTHREAD 0x00200000
#define EINTR 4
#define ETIMEDOUT 110

/* x86-64 syscall numbers */
#define NR_kill 62
#define NR_exit 60
#define NR_futex 202
#define NR_tkill 200
#define NR_exit_group 231
#define NR_tgkill 234
#define NR_futex_waitv 449
#define NR_futex_wake 454
#define NR_futex_wait 455
#define NR_futex_requeue 456

/* ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME): unknown high bits make an op no wait at all */
#define FUTEX_CMD_MASK (~0x180u)
#define FUTEX_WAIT 0
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2 13

/* Ask the poller to wake when this much data is waiting; below it, events ride the next poll. */
const volatile __u64 wakeup_bytes = 1 << 20;
/* Where hrtimer_wakeup() is (from /proc/kallsyms), to tell a futex timeout from a wake. */
const volatile __u64 hrtimer_wakeup_start = 0, hrtimer_wakeup_end = 0;
/* Each CPU's slot ring holds 1 << slot_shift records; the poller is woken at an eighth full. */
const volatile __u32 slot_shift = 14;
/* log2 of the page size: the kernel counts resident memory in pages */
const volatile __u32 page_shift = 12;

/* Runtime switch: userspace flips it on once everything is attached and off before draining. */
bool enabled = false;
/* Bumped by userspace after it marks tasks that may be running: a CPU whose current task switched
 * in untraced before that must look the task up again at its switch-out. */
__u32 mark_gen = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by userspace (--buffer-mb) */
} events SEC(".maps");

/*
 * The tasks we follow, marked in task-local storage (struct gp_task_mark): reading a task's own
 * storage costs about half a hash lookup, and every switch and wakeup on the system asks. The
 * same storage remembers the futex wait the task is inside of, for the wakeup and the return.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct gp_task_mark);
} traced SEC(".maps");

/*
 * tgid -> 1 once its first futex wait was seen. That first wait wakes the poller at once, so
 * userspace snapshots the process's mappings (to name the futex words) while it is alive.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} mapped SEC(".maps");

/* Sized by userspace before load: possible CPUs << slot_shift slots, one control per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gp_slot);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gp_slot_ctl);
} slot_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GP_DROP_CAUSE_MAX_BPF);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gp_cpu_acct);
} cpu_acct SEC(".maps");

static __always_inline void drop(__u32 cause)
{
	__u64 *c = bpf_map_lookup_elem(&drops, &cause);

	if (c)
		(*c)++;
}

static __always_inline __u32 is_traced(struct task_struct *task)
{
	/* the stored value (1), not the pointer: clang may merge two pointer tests into an OR of
	 * the pointers, which the verifier refuses before their NULL checks */
	struct gp_task_mark *m = bpf_task_storage_get(&traced, task, 0, 0);

	return m ? m->traced : 0;
}

/* The current task's mark when it is traced, else NULL. */
static __always_inline struct gp_task_mark *current_mark(void)
{
	struct gp_task_mark *m = bpf_task_storage_get(&traced, bpf_get_current_task_btf(), 0, 0);

	return m && m->traced ? m : NULL;
}

static __always_inline bool current_traced(void)
{
	return current_mark() != NULL;
}

static __always_inline void *reserve(__u32 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		drop(GP_DROP_RINGBUF_FULL);
	return e;
}

static __always_inline void submit_flags(void *e, bool urgent)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	/* Waking the poller on every event costs an irq_work per switch; batch instead. */
	if (urgent || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void submit(void *e)
{
	submit_flags(e, false);
}

/* Set by userspace before load: take stacks at all, and copy user stack slices (dwarf). */
const volatile bool stacks_enabled = true;
const volatile bool stack_slices = false;
/* Stacks at every blocking switch-out, for off-CPU profiles (only when one is asked for). */
const volatile bool offcpu_stacks = false;

static __always_inline void fill_hdr(struct gp_ev_hdr *h, __u32 type, __u64 ts, __u32 tid,
				     __u32 tgid)
{
	h->ts = ts;
	h->type = type;
	h->cpu = bpf_get_smp_processor_id();
	h->tid = tid;
	h->tgid = tgid;
}

static __always_inline void stack_fill(void *ctx, struct gp_ev_stack *e, __u64 ts, __u32 type,
				       __u32 kind, __u64 uaddr, __u32 target_tid)
{
	__u64 id = bpf_get_current_pid_tgid();

	fill_hdr(&e->h, type, ts, (__u32)id, id >> 32);
	e->kind = kind;
	e->target_tid = target_tid;
	e->uaddr = uaddr;
	e->user_bytes = bpf_get_stack(ctx, e->user, sizeof(e->user), BPF_F_USER_STACK);
	if (e->user_bytes < 0)
		drop(GP_DROP_STACK_USER);
	e->kernel_bytes = bpf_get_stack(ctx, e->kernel, sizeof(e->kernel), 0);
	if (e->kernel_bytes < 0)
		drop(GP_DROP_STACK_KERNEL);
}

/*
 * CPython frames. Userspace puts the interpreter's address and layout of each process it found to
 * run a CPython it understands into py_procs; stacks of that process's threads then carry the
 * thread's frame chain. Everything here reads the current task's memory, so it runs only from the
 * task's own context (its switch-out, its wakeup of another, a sample of it).
 */
/* Runtime switch: userspace clears it to take native stacks only. */
bool py_frames = true;
/*
 * Set by userspace when it first puts a process into py_procs: until then (a trace with no
 * CPython in it) a stack costs no hash lookup, which was a tenth of a stack's cost.
 */
bool py_marked;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gp_py_proc);
} py_procs SEC(".maps");

/* A thread's PyThreadState, found once by walking the interpreter's list of threads. */
struct py_task {
	__u64 tstate;
	__u64 retry_ts; /* not found: walk the list again only after this */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct py_task);
} py_tasks SEC(".maps");

#define PY_THREADS_MAX 256
#define PY_RETRY_NS (10 * 1000 * 1000ULL)

static __always_inline __u64 py_read_ptr(__u64 base, __u16 off)
{
	__u64 v = 0;

	if (off == GP_PY_NO_OFF || bpf_probe_read_user(&v, sizeof(v), (void *)(base + off)))
		return 0;
	return v;
}

struct py_find_ctx {
	const struct gp_py_proc *pp;
	__u64 ts;
	__u32 tid;
};

static long py_find_step(__u64 i, void *data)
{
	struct py_find_ctx *c = data;

	if (!c->ts || py_read_ptr(c->ts, c->pp->ts_native_tid) == c->tid)
		return 1;
	c->ts = py_read_ptr(c->ts, c->pp->ts_next);
	return 0;
}

/*
 * The PyThreadState whose native_thread_id is tid, in the first interpreter; 0 if none. The
 * walks are bpf_loop()s: the verifier checks their step once, where a bounded loop of as many
 * iterations exhausts its budget for the switch program.
 */
static __always_inline __u64 py_tstate_find(const struct gp_py_proc *pp, __u32 tid)
{
	__u64 interp = py_read_ptr(pp->runtime, pp->rt_interp_head);
	struct py_find_ctx c = {pp, interp ? py_read_ptr(interp, pp->is_threads_head) : 0, tid};

	bpf_loop(PY_THREADS_MAX, py_find_step, &c, 0);
	return c.ts;
}

/*
 * The current thread's PyThreadState: the one remembered in its task storage while it still
 * names this thread (a C thread may create and delete several), else found again. A thread with
 * none (not started yet, or no Python in it) is looked for again after PY_RETRY_NS.
 */
static __always_inline __u64 py_tstate(const struct gp_py_proc *pp, __u32 tid, __u32 *status)
{
	struct py_task *pt = bpf_task_storage_get(&py_tasks, bpf_get_current_task_btf(), 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u64 now, ts;

	if (!pt) {
		/* storage may be refused in a sample's interrupt: no cache then */
		*status = GP_PYS_NO_STORAGE;
		return 0;
	}
	if (pt->tstate && py_read_ptr(pt->tstate, pp->ts_native_tid) == tid)
		return pt->tstate;
	now = bpf_ktime_get_ns();
	if (!pt->tstate && now < pt->retry_ts) {
		*status = GP_PYS_NO_TSTATE;
		return 0;
	}
	ts = py_tstate_find(pp, tid);
	pt->tstate = ts;
	pt->retry_ts = ts ? 0 : now + PY_RETRY_NS;
	if (!ts)
		*status = GP_PYS_NO_TSTATE;
	return ts;
}

/* The innermost frame of a thread state: through its _PyCFrame before 3.13. */
static __always_inline __u64 py_current_frame(const struct gp_py_proc *pp, __u64 tstate)
{
	__u64 f = py_read_ptr(tstate, pp->ts_frame);

	if (f && pp->cframe_frame != GP_PY_NO_OFF)
		f = py_read_ptr(f, pp->cframe_frame);
	return f;
}

/* One frame, by the offsets: code, previous, instruction pointer, owner and 3.11's is_entry. */
struct py_frame_raw {
	__u64 code, previous, instr;
	__u8 owner, is_entry;
};

/* The first bytes of a frame, which hold every field the walk reads (3.11-3.13: up to 71). */
#define PY_FRAME_HEAD 72

static __always_inline __u64 head_u64(const __u8 *head, __u16 off)
{
	/*
	 * The verifier wants the offset bounded and 8-byte aligned on the stack: pointer fields are,
	 * and userspace refused layouts with one elsewhere (pylayout_walk_fits()).
	 */
	return *(const __u64 *)(head + (off & 56));
}

/*
 * One read of the frame's head, its fields taken from the copy: each bpf_probe_read_user() costs
 * about 40 ns whatever its size, five of them a frame were half of the walk's time.
 */
static __always_inline int py_frame_read(const struct gp_py_proc *pp, __u64 f,
					 struct py_frame_raw *r)
{
	__u32 owner = pp->fr_owner, entry = pp->fr_is_entry;
	__u8 head[PY_FRAME_HEAD];

	if (owner >= PY_FRAME_HEAD || bpf_probe_read_user(head, sizeof(head), (void *)f))
		return -1;
	r->code = head_u64(head, pp->fr_code);
	r->previous = head_u64(head, pp->fr_previous);
	r->instr = head_u64(head, pp->fr_instr);
	r->owner = head[owner];
	r->is_entry = entry < PY_FRAME_HEAD ? head[entry] : 0;
	return r->code ? 0 : -1;
}

struct py_walk_ctx {
	const struct gp_py_proc *pp;
	struct gp_py_stack *out;
	__u64 f;
};

/*
 * One frame of the walk: 1 to stop (at the end, a fault, or the output full). The count lives
 * in the record, where the verifier does not follow its value: kept in the context, each count
 * would be a new state to verify, up to the loop's bound of them for each caller.
 */
static long py_walk_step(__u64 i, void *data)
{
	struct py_walk_ctx *c = data;
	const struct gp_py_proc *pp = c->pp;
	struct gp_py_stack *out = c->out;
	struct py_frame_raw r;
	__u32 n = out->nframes;
	__u64 first;

	if (!c->f) {
		out->status = GP_PYS_OK;
		return 1;
	}
	if (py_frame_read(pp, c->f, &r)) {
		out->status = GP_PYS_FAULT;
		return 1;
	}
	c->f = r.previous;
	if (pp->owner_cstack != 0xff && r.owner == pp->owner_cstack) {
		if (n > 0 && n <= GP_PY_FRAMES_MAX)
			out->frames[n - 1].flags |= GP_PYF_ENTRY;
		return 0;
	}
	if (n >= GP_PY_FRAMES_MAX)
		return 1; /* status stays GP_PYS_CUT */
	first = r.code + pp->code_first_instr;
	out->frames[n].code = r.code;
	out->frames[n].instr = r.instr >= first ? (__u32)(r.instr - first) : 0;
	out->frames[n].flags =
		(r.instr >= first ? 0 : GP_PYF_BAD_INSTR) | (r.is_entry ? GP_PYF_ENTRY : 0);
	out->nframes = n + 1;
	return 0;
}

/*
 * Walk the frame chain from f, innermost first. From 3.12 each _PyEval_EvalFrameDefault call
 * links an entry shim frame (owned by the C stack) below its first frame: the shim is skipped and
 * the frame above it marked as its call's outermost. Shims count as steps: twice the frames.
 */
static __always_inline void py_walk(const struct gp_py_proc *pp, __u64 f, struct gp_py_stack *out)
{
	struct py_walk_ctx c = {pp, out, f};

	out->status = GP_PYS_CUT;
	out->nframes = 0;
	bpf_loop(2 * GP_PY_FRAMES_MAX, py_walk_step, &c, 0);
}

/*
 * With py_timing (set by userspace for make bench, GILPROF_PY_TIMING), the time each Python walk
 * takes, summed per CPU: what the frames add to a stack, without the noise of comparing two runs.
 * Off, the verifier drops the code (a constant), and the walk pays nothing for it.
 */
const volatile bool py_timing = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gp_py_timing);
} py_times SEC(".maps");

static __always_inline void py_timing_add(__u64 start, __u32 frames)
{
	__u32 zero = 0;
	struct gp_py_timing *t = bpf_map_lookup_elem(&py_times, &zero);

	if (!t)
		return;
	t->ns += bpf_ktime_get_ns() - start;
	t->stacks++;
	t->frames += frames;
}

/* The Python frames of the current task, a thread of the process pp describes. */
static __always_inline void py_stack_fill(const struct gp_py_proc *pp, struct gp_py_stack *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), status = GP_PYS_OK;
	__u64 start = py_timing ? bpf_ktime_get_ns() : 0;
	__u64 ts = py_tstate(pp, tid, &status);

	out->nframes = 0;
	out->status = status;
	if (ts)
		py_walk(pp, py_current_frame(pp, ts), out);
	if (py_timing)
		py_timing_add(start, out->nframes);
}

/* The current process's interpreter, when its Python frames are to be taken. */
static __always_inline const struct gp_py_proc *py_proc_current(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return py_frames && py_marked ? bpf_map_lookup_elem(&py_procs, &tgid) : NULL;
}

/*
 * Where each thread's user stack ends (the first page above it that cannot be read), once a
 * slice found it less than GP_STACK_SLICE above sp: 0 until then. A read that runs past the end
 * fails as a whole, after copying up to the end and zeroing the buffer; above a main thread's sp
 * (environment and arguments) or a glibc thread's (its descriptor) there is seldom 8 KiB, and
 * the failed 8 KiB read and the retries cost more than the rest of a DWARF stack together.
 */
struct slice_end {
	__u64 end;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct slice_end);
} slice_ends SEC(".maps");

#define SLICE_PAGE 4096

/* After a read of len bytes from sp: the first page above them that cannot be read, else 0. */
static __always_inline __u64 slice_end_find(__u64 sp, __u32 len)
{
	__u64 p = (sp + len + SLICE_PAGE - 1) & ~(__u64)(SLICE_PAGE - 1), v;
	int i;

	/* len >= GP_STACK_SLICE / 16: at most two page starts below sp + GP_STACK_SLICE */
	for (i = 0; i < 2 && p < sp + GP_STACK_SLICE; i++, p += SLICE_PAGE)
		if (bpf_probe_read_user(&v, sizeof(v), (void *)p))
			return p;
	return 0;
}

/*
 * The user stack from sp up: to the thread's stack end once known, in one read, else halved
 * until the read fits (then the end is looked for, so that the next one fits at once). A stack
 * that moved (a signal stack, a coroutine's) reads past the end it knew, fails and halves again.
 */
static __always_inline void slice_read(struct gp_ev_stack_dwarf *e)
{
	struct slice_end *se = bpf_task_storage_get(&slice_ends, bpf_get_current_task_btf(), 0,
						    BPF_LOCAL_STORAGE_GET_F_CREATE);
	const void *sp = (const void *)e->sp;
	__u64 room;
	__u32 len;

	if (se && se->end > e->sp) {
		room = se->end - e->sp;
		len = room < GP_STACK_SLICE ? room : GP_STACK_SLICE;
		if (len > 0 && len <= GP_STACK_SLICE && !bpf_probe_read_user(e->slice, len, sp)) {
			e->slice_len = len;
			return;
		}
	}
	e->slice_len = 0;
	if (!bpf_probe_read_user(e->slice, GP_STACK_SLICE, sp))
		e->slice_len = GP_STACK_SLICE;
	else if (!bpf_probe_read_user(e->slice, GP_STACK_SLICE / 2, sp))
		e->slice_len = GP_STACK_SLICE / 2;
	else if (!bpf_probe_read_user(e->slice, GP_STACK_SLICE / 4, sp))
		e->slice_len = GP_STACK_SLICE / 4;
	else if (!bpf_probe_read_user(e->slice, GP_STACK_SLICE / 16, sp))
		e->slice_len = GP_STACK_SLICE / 16;
	if (se && e->slice_len && e->slice_len < GP_STACK_SLICE)
		se->end = slice_end_find(e->sp, e->slice_len);
}

static __always_inline void dwarf_fill(void *ctx, struct gp_ev_stack_dwarf *e, __u32 type, __u64 ts,
				       __u32 kind, __u64 uaddr, __u32 target_tid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	stack_fill(ctx, &e->s, ts, type, kind, uaddr, target_tid);
	e->ip = BPF_CORE_READ(regs, ip);
	e->sp = BPF_CORE_READ(regs, sp);
	e->bp = BPF_CORE_READ(regs, bp);
	e->pad = 0;
	slice_read(e);
}

static __always_inline void emit_stack_dwarf(void *ctx, __u64 ts, __u32 kind, __u64 uaddr,
					     __u32 target_tid)
{
	struct gp_ev_stack_dwarf *e = reserve(sizeof(*e));

	if (!e)
		return;
	dwarf_fill(ctx, e, GP_EV_STACK_DWARF, ts, kind, uaddr, target_tid);
	submit(e);
}

/* The stacks of a thread of a Python process: the native ones and its Python frames. */
static __always_inline void emit_stack_py(void *ctx, const struct gp_py_proc *pp, __u64 ts,
					  __u32 kind, __u64 uaddr, __u32 target_tid)
{
	struct gp_ev_stack_dwarf_py *d;
	struct gp_ev_stack_py *e;

	if (stack_slices) {
		d = reserve(sizeof(*d));
		if (!d)
			return;
		dwarf_fill(ctx, &d->d, GP_EV_STACK_DWARF_PY, ts, kind, uaddr, target_tid);
		py_stack_fill(pp, &d->py);
		submit(d);
		return;
	}
	e = reserve(sizeof(*e));
	if (!e)
		return;
	stack_fill(ctx, &e->s, ts, GP_EV_STACK_PY, kind, uaddr, target_tid);
	py_stack_fill(pp, &e->py);
	submit(e);
}

/*
 * The stacks of the current task, sent right after the event they belong to (same task, same
 * timestamp). Called from tracepoints in the task's own context, so both stacks are its own.
 */
static __always_inline void emit_stack(void *ctx, __u64 ts, __u32 kind, __u64 uaddr,
				       __u32 target_tid)
{
	const struct gp_py_proc *pp;
	struct gp_ev_stack *e;

	if (!stacks_enabled)
		return;
	pp = py_proc_current();
	if (pp) {
		emit_stack_py(ctx, pp, ts, kind, uaddr, target_tid);
		return;
	}
	if (stack_slices) {
		emit_stack_dwarf(ctx, ts, kind, uaddr, target_tid);
		return;
	}
	e = reserve(sizeof(*e));
	if (!e)
		return;
	stack_fill(ctx, e, ts, GP_EV_STACK, kind, uaddr, target_tid);
	submit(e);
}

/*
 * The process of prev, the current task, when userspace located its GIL: CPython's own state of
 * the GIL is read from prev's memory as it switches out (bpf_probe_read_user reads the current
 * task's). Not for an exiting task, whose memory may be gone (PF_EXITING is set before
 * exit_mm drops it).
 */
static __always_inline const struct gp_py_proc *gil_proc(struct task_struct *prev, __u32 traced,
							 unsigned int prev_state)
{
	const struct gp_py_proc *pp;
	__u32 tgid = prev->tgid;

	if (!traced || !py_marked || (prev->flags & (PF_KTHREAD | PF_EXITING)) ||
	    (prev_state & GP_TASK_DEAD))
		return NULL;
	pp = bpf_map_lookup_elem(&py_procs, &tgid);
	return pp && pp->gil ? pp : NULL;
}

/* The head of struct _gil_runtime_state, the same in 3.11 to 3.13. */
struct gil_head {
	__u64 interval, last_holder;
	__s32 locked, pad;
	__u64 switch_number;
};

/*
 * Read the GIL's head; false when there is nothing to send: a GIL never taken (no holder, no
 * switch) belongs to an interpreter that is not running, as in a program that only links
 * libpython (perf does, for its scripts), and so does one whose page was never touched (the
 * read fails: BPF cannot fault it in). A running interpreter's GIL is in use, so resident.
 */
static __always_inline bool gil_read(const struct gp_py_proc *pp, struct gil_head *st)
{
	return !bpf_probe_read_user(st, sizeof(*st), (void *)pp->gil) &&
	       (st->last_holder || st->switch_number);
}

static __always_inline void gil_fill(struct gp_ev_gil *g, const struct gp_py_proc *pp,
				     const struct gil_head *st, __u64 now, struct task_struct *prev,
				     __u16 runnable)
{
	fill_hdr(&g->h, GP_EV_GIL, now, prev->pid, prev->tgid);
	g->gil = pp->gil;
	g->runnable = runnable;
	g->holder_tid = 0;
	g->locked = st->locked != 0;
	g->switch_number = st->switch_number;
	if (st->last_holder)
		g->holder_tid = (__u32)py_read_ptr(st->last_holder, pp->ts_native_tid);
}

/* Wake the poller now: an empty record, discarded, with a forced wakeup. */
static __always_inline void nudge(void)
{
	void *e = bpf_ringbuf_reserve(&events, 8, 0);

	if (e)
		bpf_ringbuf_discard(e, BPF_RB_FORCE_WAKEUP);
}

static __always_inline bool first_wait(__u32 tgid)
{
	__u8 one = 1;

	return !bpf_map_lookup_elem(&mapped, &tgid) &&
	       !bpf_map_update_elem(&mapped, &tgid, &one, BPF_NOEXIST);
}

static __always_inline bool futex_op_waits(__u32 op)
{
	switch (op & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_REQUEUE_PI:
		return true;
	}
	return false;
}

/*
 * The futex wait prev (the current task) blocks in, decoded from the syscall number and
 * arguments in its saved user registers; false when it blocks in anything else.
 */
static __always_inline bool futex_wait_of(struct task_struct *prev, struct gp_ev_futex_enter *f)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	struct futex_waitv w = {};

	f->nr_futexes = 1;
	f->uaddr2 = 0;
	f->val3 = 0;
	switch (regs->orig_ax) {
	case NR_futex: /* futex(uaddr, op, val, timeout, uaddr2, val3) */
		f->sys = GP_FUTEX_SYS_FUTEX;
		f->uaddr = regs->di;
		f->op = regs->si;
		f->val = regs->dx;
		f->has_timeout = regs->r10 != 0;
		f->uaddr2 = regs->r8;
		f->val3 = regs->r9;
		return futex_op_waits(f->op);
	case NR_futex_waitv: /* futex_waitv(waiters, nr, flags, timeout, clockid): the first word */
		if (bpf_probe_read_user(&w, sizeof(w), (void *)regs->di))
			return false;
		f->sys = GP_FUTEX_SYS_WAITV;
		f->uaddr = w.uaddr;
		f->op = w.flags;
		f->val = w.val;
		f->has_timeout = regs->r10 != 0;
		f->nr_futexes = regs->si;
		return true;
	case NR_futex_wait: /* futex_wait(uaddr, val, mask, flags, timeout, clockid) */
		f->sys = GP_FUTEX_SYS_WAIT;
		f->uaddr = regs->di;
		f->val = regs->si;
		f->val3 = regs->dx;
		f->op = regs->r10;
		f->has_timeout = regs->r8 != 0;
		return true;
	}
	return false;
}

/*
 * Whether p (another task, still on its CPU) is inside a futex wait syscall that blocks, its word
 * (0 for futex_waitv, whose words are in p's memory) and whether it has a timeout. Only p's
 * saved registers are read: not its memory, which is not the current task's.
 */
static __always_inline bool futex_wait_pending(struct task_struct *p, __u64 *uaddr, bool *timed)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(p);

	switch (regs->orig_ax) {
	case NR_futex:
		*uaddr = regs->di;
		*timed = regs->r10 != 0;
		return futex_op_waits(regs->si);
	case NR_futex_waitv:
		*timed = regs->r10 != 0;
		return true;
	case NR_futex_wait:
		*uaddr = regs->di;
		*timed = regs->r8 != 0;
		return true;
	}
	return false;
}

/*
 * Time per CPU by what ran: idle, traced, other. It also remembers which task runs now, so the
 * next switch knows whether its prev is traced without a task storage lookup.
 */
static __always_inline void cpu_account(struct gp_cpu_acct *a, __u64 now, struct task_struct *next,
					__u32 next_traced)
{
	__u32 kind;

	if (a->last_ts) {
		kind = a->cur_kind < GP_CPU_KINDS ? a->cur_kind : GP_CPU_OTHER;
		a->ns[kind] += now - a->last_ts;
	}
	a->last_ts = now;
	a->cur_tid = next->pid;
	a->cur_gen = mark_gen;
	if (next->pid == 0)
		a->cur_kind = GP_CPU_IDLE;
	else
		a->cur_kind = next_traced ? GP_CPU_TRACED : GP_CPU_OTHER;
}

static __always_inline struct gp_slot *slot_at(__u32 cpu, __u64 pos)
{
	__u32 idx = (cpu << slot_shift) | ((__u32)pos & ((1U << slot_shift) - 1));

	return bpf_map_lookup_elem(&slots, &idx);
}

/* A futex wait's end into a CPU's slot ring; false when the slot is out of the map. */
static __always_inline bool put_futex_exit(__u32 cpu, __u64 pos, __u64 now, struct task_struct *t,
					   __s32 ret, __u64 late_runtime)
{
	struct gp_ev_futex_exit *x = (void *)slot_at(cpu, pos);

	if (!x)
		return false;
	fill_hdr(&x->h, GP_EV_FUTEX_EXIT, now, t->pid, t->tgid);
	x->ret = ret;
	x->late_runtime = late_runtime;
	return true;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u32 cpu = bpf_get_smp_processor_id(), zero = 0, prev_traced, next_traced, n;
	bool next_exits = false, prev_exited = false;
	struct gp_task_mark *nm, *gm, *pm = NULL;
	const struct gp_py_proc *gp;
	struct gil_head gs;
	struct gp_ev_futex_enter fenter;
	__s32 fret = 0, prev_fret = 0;
	struct gp_slot_ctl *ctl;
	struct gp_ev_switch *e;
	struct gp_cpu_acct *a;
	__u64 now, head, used;

	if (!enabled)
		return 0;
	now = bpf_ktime_get_ns();
	a = bpf_map_lookup_elem(&cpu_acct, &zero);
	if (!a)
		return 0;
	if (a->last_ts && a->cur_tid == prev->pid &&
	    (a->cur_kind == GP_CPU_TRACED || a->cur_gen == mark_gen)) {
		prev_traced = a->cur_kind == GP_CPU_TRACED;
	} else {
		/*
		 * This CPU did not see prev switch in: tracing just began, the kernel did not
		 * report a switch (on 6.18 neither tp_btf nor the sched_switch tracepoint sees about
		 * one in a thousand), or prev switched in untraced and was attached to since. A
		 * futex wait prev was in ended at that switch-in: its end goes before this switch,
		 * and the model dates it from prev's runtime.
		 */
		gm = bpf_task_storage_get(&traced, prev, 0, 0);
		prev_traced = gm ? gm->traced : 0;
		if (gm && gm->in_futex) {
			gm->in_futex = 0;
			prev_fret = gm->futex_ret;
			prev_exited = true;
		}
	}
	nm = bpf_task_storage_get(&traced, next, 0, 0);
	next_traced = nm ? nm->traced : 0;
	cpu_account(a, now, next, next_traced);
	if (!prev_traced && !next_traced)
		return 0;

	n = 1 + prev_exited;
	/* prev blocking inside a futex wait: the wait's start (and, later, its stacks) */
	if (prev_traced && !preempt && (prev_state & TASK_INTERRUPTIBLE) &&
	    !(prev->flags & (PF_KTHREAD | PF_IO_WORKER)) && futex_wait_of(prev, &fenter)) {
		pm = bpf_task_storage_get(&traced, prev, 0, 0);
		if (pm) {
			pm->futex_uaddr = fenter.uaddr;
			pm->futex_timeout = fenter.has_timeout;
			pm->futex_ret = GP_FUTEX_RET_UNSEEN; /* until its wakeup says */
			/*
			 * Its waker may be in on_waking on another CPU right now (try_to_wake_up
			 * traces the wakeup before it waits for this switch to finish): publish the
			 * wait, then take what the waker left; it does the converse, and the
			 * atomic adds' full barriers (lock xadd) let at least one see the other.
			 */
			__sync_fetch_and_add(&pm->in_futex, 1);
			if (pm->pending)
				pm->futex_ret = pm->pending_ret;
			pm->pending = 0;
			n++;
		}
	}
	if (nm)
		nm->pending = 0;
	/* next coming back from a futex wait: the wait's end */
	if (nm && nm->in_futex) {
		nm->in_futex = 0;
		fret = nm->futex_ret;
		next_exits = true;
		n++;
	}
	gp = gil_proc(prev, prev_traced, prev_state);
	if (gp && !gil_read(gp, &gs))
		gp = NULL;
	n += gp != NULL;

	ctl = bpf_map_lookup_elem(&slot_ctl, &cpu);
	if (!ctl)
		return 0;
	head = ctl->head;
	used = head - *(volatile __u64 *)&ctl->tail;
	if (used + n > (1ULL << slot_shift)) {
		drop(GP_DROP_RINGBUF_FULL);
		return 0;
	}
	if (prev_exited &&
	    !put_futex_exit(cpu, head++, now, prev, prev_fret, prev->se.sum_exec_runtime))
		return 0;
	if (pm) {
		struct gp_ev_futex_enter *f = (void *)slot_at(cpu, head++);

		if (!f)
			return 0;
		fill_hdr(&fenter.h, GP_EV_FUTEX_ENTER, now, prev->pid, prev->tgid);
		*f = fenter;
	}
	if (gp) {
		struct gp_ev_gil *g = (void *)slot_at(cpu, head++);

		if (!g)
			return 0;
		gil_fill(g, gp, &gs, now, prev, preempt || !prev_state);
	}
	e = (void *)slot_at(cpu, head++);
	if (!e)
		return 0;
	fill_hdr(&e->h, GP_EV_SWITCH, now, prev->pid, prev->tgid);
	e->next_tid = next->pid;
	e->next_tgid = next->tgid;
	e->prev_state = prev_state;
	e->preempt = preempt;
	e->prev_traced = prev_traced;
	e->next_traced = next_traced;
	e->pad = 0;
	e->prev_nvcsw = prev->nvcsw;
	e->prev_nivcsw = prev->nivcsw;
	e->prev_runtime = prev->se.sum_exec_runtime;
	e->next_wake_ts = 0;
	e->next_waker_tid = 0;
	e->next_waker_tgid = 0;
	if (nm) {
		e->next_wake_ts = nm->wake_ts;
		e->next_waker_tid = nm->waker_tid;
		e->next_waker_tgid = nm->waker_tgid;
	}
	__builtin_memcpy(e->prev_comm, prev->comm, GP_COMM_LEN);
	__builtin_memcpy(e->next_comm, next->comm, GP_COMM_LEN);
	if (next_exits && !put_futex_exit(cpu, head++, now, next, fret, 0))
		return 0;
	/* publish: a locked add orders the slot stores before the new head on every arch */
	__sync_fetch_and_add(&ctl->head, n);
	if (used + n >= (1ULL << slot_shift) / 8 && !ctl->nudged) {
		ctl->nudged = 1;
		nudge();
	}
	if (pm) {
		if (first_wait(prev->tgid))
			nudge();
		emit_stack(ctx, now, GP_STK_FUTEX_WAIT, fenter.uaddr, 0);
	}
	/* prev is still current here, so its stacks are the ones it blocks in, or was preempted
	 * in: the wall view places its run-queue wait there too */
	else if (offcpu_stacks && prev_traced && !(prev->flags & PF_KTHREAD))
		emit_stack(ctx, now, GP_STK_OFFCPU, 0, 0);
	return 0;
}

/* cpu-clock samples on every CPU: stacks of the traced tasks that were running. */
SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	if (!enabled || !current_traced())
		return 0;
	emit_stack(ctx, bpf_ktime_get_ns(), GP_STK_SAMPLE, 0, 0);
	return 0;
}

#define WAKER_FRAMES 16
#define THREAD_SIZE (16 << 10) /* x86-64 without KASAN: 4 pages */

/*
 * In interrupt context, current is whatever task the interrupt hit: not the waker. x86-64 runs
 * an interrupt that hits the kernel on the CPU's own interrupt stack (a frame outside the task's
 * stack says so), and one that hits user mode on the task's stack, above registers saved with
 * orig_ax -1 (no syscall: the idle task and user code never wake anyone themselves). The
 * preempt count would say it directly, but __preempt_count is a per-CPU variable that kernels
 * without CONFIG_KALLSYMS_ALL cannot give a program the address of. Softirqs run in task context
 * at local_bh_enable() are not seen.
 */
static __always_inline bool in_irq_context(void)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	volatile __u64 here = 0;
	__u64 sp = (__u64)&here, base = (__u64)cur->stack;
	struct pt_regs *regs;

	if (cur->pid == 0 || sp - base >= THREAD_SIZE)
		return true;
	if (cur->flags & PF_KTHREAD)
		return false;
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	return (long)regs->orig_ax < 0;
}

/* Whether the current wakeup runs from hrtimer_wakeup(): a sleep's timer expiring. */
static __always_inline bool woken_by_timer(void *ctx)
{
	__u64 ips[WAKER_FRAMES];
	long bytes = bpf_get_stack(ctx, ips, sizeof(ips), 0);
	int i;

	for (i = 0; i < WAKER_FRAMES; i++) {
		if (i * 8 >= bytes)
			break;
		if (ips[i] >= hrtimer_wakeup_start && ips[i] < hrtimer_wakeup_end)
			return true;
	}
	return false;
}

/*
 * How the futex wait being woken will return. A timer's wakeup (a timed wait expiring) runs in
 * interrupt context, in whatever task it hit (possibly one inside a futex syscall of its own):
 * irq and timer say it. Otherwise what the waker (the current task) is doing says it: sending a
 * signal makes the wait return -EINTR, anything else (futex wake, the exit that clears a thread
 * id or walks a robust list) 0. Without hrtimer_wakeup's address, a timed wait woken from an
 * interrupt or by anything but a futex syscall or an exit counts as timed out.
 */
static __always_inline __s32 wake_reason(bool has_timeout, bool irq, bool timer)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	__s32 other = has_timeout && !hrtimer_wakeup_end ? -ETIMEDOUT : 0;
	struct pt_regs *regs;

	if (irq)
		return has_timeout && timer ? -ETIMEDOUT : other;
	if (cur->pid == 0 || cur->flags & PF_KTHREAD)
		return other;
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	switch (regs->orig_ax) {
	case NR_futex:
	case NR_futex_wake:
	case NR_futex_requeue:
	case NR_exit:
	case NR_exit_group:
		return 0;
	case NR_kill:
	case NR_tkill:
	case NR_tgkill:
		return -EINTR;
	}
	return other;
}

/*
 * sched_waking runs in the waker's context, so current is the waker (sched_wakeup may run later
 * on the target CPU from an IPI). The wakeup is kept in the wakee's mark and sent with its
 * switch-in: a ring buffer record costs several times a store into task storage, and every
 * wakeup is followed by a switch-in.
 */
SEC("tp_btf/sched_waking")
int BPF_PROG(on_waking, struct task_struct *p)
{
	struct gp_task_mark *m;
	__u64 id, ts, uaddr = 0;
	bool timed = false, irq, timer;
	__s32 ret;

	if (!enabled)
		return 0;
	m = bpf_task_storage_get(&traced, p, 0, 0);
	if (!m || !m->traced)
		return 0;
	id = bpf_get_current_pid_tgid();
	ts = bpf_ktime_get_ns();
	irq = in_irq_context();
	/* the kernel stack is read only here: interrupts wake far less than tasks do */
	timer = irq && hrtimer_wakeup_end && woken_by_timer(ctx);
	m->wake_ts = ts;
	m->waker_tid = irq ? (timer ? GP_WAKER_TIMER : GP_WAKER_IRQ) : (__u32)id;
	m->waker_tgid = irq ? 0 : id >> 32;
	if (m->in_futex) {
		ret = m->futex_ret = wake_reason(m->futex_timeout, irq, timer);
		uaddr = m->futex_uaddr;
	} else if (p->on_cpu && futex_wait_pending(p, &uaddr, &timed)) {
		/* still on its way into the wait: its switch-out takes this */
		ret = m->pending_ret = wake_reason(timed, irq, timer);
		__sync_fetch_and_add(&m->pending, 1);
		/* its switch-out may have published the wait meanwhile, without seeing this */
		if (m->in_futex)
			m->futex_ret = ret;
	} else {
		return 0;
	}
	/* Waking a futex waiter: a traced waker's stacks are the release site. */
	if (!ret && !irq && current_traced())
		emit_stack(ctx, ts, GP_STK_WAKER, uaddr, p->pid);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_wakeup_new, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct gp_ev_waking *e;
	__u64 id;

	if (!enabled || !is_traced(p))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	id = bpf_get_current_pid_tgid();
	fill_hdr(&e->h, GP_EV_WAKEUP_NEW, bpf_ktime_get_ns(), (__u32)id, id >> 32);
	e->target_tid = p->pid;
	e->target_tgid = tgid;
	e->target_cpu = p->wake_cpu;
	e->pad = 0;
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	__u32 ctgid = child->tgid;
	struct gp_task_mark *mark;
	struct gp_ev_fork *e;

	if (!enabled || !is_traced(parent))
		return 0;
	/* The new task must be marked before it can run, so here, not in userspace. */
	mark = bpf_task_storage_get(&traced, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (mark)
		mark->traced = 1;
	else
		drop(GP_DROP_TGID_MAP_FULL);
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, GP_EV_FORK, bpf_ktime_get_ns(), parent->pid, ptgid);
	e->child_tid = child->pid;
	e->child_tgid = ctgid;
	__builtin_memcpy(e->child_comm, child->comm, GP_COMM_LEN);
	submit(e);
	return 0;
}

/*
 * gilprof monitor and top follow processes as they start: an exec whose new name is one of
 * follow_comm (GP_FOLLOW_COMM), or any exec (GP_FOLLOW_ALL), of a user whose ids are all
 * follow_uid unless that is -1. Checked at exec, where a new program (and its name) begins.
 */
const volatile __u32 follow = GP_FOLLOW_NONE;
const volatile __u32 follow_ncomm = 0;
const volatile char follow_comm[GP_FOLLOW_COMMS][GP_COMM_LEN] = {};
const volatile __s64 follow_uid = -1;

static __always_inline bool follow_name(struct task_struct *p)
{
	char comm[GP_COMM_LEN];
	__u32 i, k;

	__builtin_memcpy(comm, p->comm, GP_COMM_LEN);
	for (i = 0; i < GP_FOLLOW_COMMS && i < follow_ncomm; i++) {
		for (k = 0; k < GP_COMM_LEN; k++) {
			if (comm[k] != follow_comm[i][k])
				break;
			if (!comm[k])
				return true;
		}
	}
	return false;
}

static __always_inline bool follow_exec(struct task_struct *p)
{
	const struct cred *cr = p->cred;

	if (follow == GP_FOLLOW_NONE || (p->flags & PF_KTHREAD))
		return false;
	/* not a set-uid program, nor another user's: all the ids are the user's */
	if (follow_uid >= 0 &&
	    (cr->uid.val != follow_uid || cr->euid.val != follow_uid || cr->suid.val != follow_uid))
		return false;
	return follow == GP_FOLLOW_ALL || follow_name(p);
}

/* Mark the current task, which execs, and tell its CPU that what runs there is traced now. */
static __always_inline bool follow_mark(struct task_struct *p)
{
	struct gp_task_mark *m =
		bpf_task_storage_get(&traced, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct gp_cpu_acct *a;
	__u32 zero = 0;
	__u64 now;

	if (!m) {
		drop(GP_DROP_TGID_MAP_FULL);
		return false;
	}
	m->traced = 1;
	a = bpf_map_lookup_elem(&cpu_acct, &zero);
	if (a && a->last_ts && a->cur_tid == p->pid) {
		now = bpf_ktime_get_ns();
		a->ns[a->cur_kind < GP_CPU_KINDS ? a->cur_kind : GP_CPU_OTHER] += now - a->last_ts;
		a->last_ts = now;
		a->cur_kind = GP_CPU_TRACED;
	}
	return true;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct gp_ev_exec *e;
	const char *fname;

	if (!enabled)
		return 0;
	if (!is_traced(p) && (!follow_exec(p) || !follow_mark(p)))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, GP_EV_EXEC, bpf_ktime_get_ns(), p->pid, tgid);
	e->old_tid = old_pid;
	e->pad = 0;
	__builtin_memcpy(e->comm, p->comm, GP_COMM_LEN);
	fname = bprm->filename;
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), fname) < 0)
		e->filename[0] = 0;
	/* a new image: its first futex wait needs a new snapshot, its interpreter is not known */
	bpf_map_delete_elem(&mapped, &tgid);
	bpf_map_delete_elem(&py_procs, &tgid);
	submit_flags(e, true);
	return 0;
}

/*
 * A Python thread's last run has no switch-out to read the GIL at: the last one to hold it runs
 * on alone to its end unread. Read it as the thread exits: its memory is still there (this
 * tracepoint runs before exit_mm() since 6.16; before, the read fails and nothing is sent).
 */
static __always_inline void gil_at_exit(struct task_struct *p, __u64 now)
{
	const struct gp_py_proc *pp;
	struct gil_head gs;
	struct gp_ev_gil *g;
	__u32 tgid = p->tgid;

	if (!py_marked)
		return;
	pp = bpf_map_lookup_elem(&py_procs, &tgid);
	if (!pp || !pp->gil || !gil_read(pp, &gs))
		return;
	g = reserve(sizeof(*g));
	if (!g)
		return;
	gil_fill(g, pp, &gs, now, p, GP_GIL_AT_EXIT);
	submit(g);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid, tid = p->pid;
	struct gp_ev_exit *e;
	__u64 now;

	if (!enabled || !is_traced(p))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	now = bpf_ktime_get_ns();
	fill_hdr(&e->h, GP_EV_EXIT, now, tid, tgid);
	e->nvcsw = p->nvcsw;
	e->nivcsw = p->nivcsw;
	e->group_dead = p->signal->live.counter == 0;
	e->exit_code = p->exit_code;
	/* a long trace sees many processes come and go: their entries must not fill the map */
	if (e->group_dead)
		bpf_map_delete_elem(&mapped, &tgid);
	/*
	 * do_exit() raises signal->maxrss to the mm's high-water mark when the group dies, before
	 * this tracepoint (which runs before exit_mm() since 6.16); a thread's own exit leaves it
	 * as it was.
	 */
	e->maxrss_kb = e->group_dead ? p->signal->maxrss << page_shift >> 10 : 0;
	__builtin_memcpy(e->comm, p->comm, GP_COMM_LEN);
	submit(e);
	gil_at_exit(p, now);
	return 0;
}
