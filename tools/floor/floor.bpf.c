// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cost floor of gilprof's hooks, for make bench: the same tracepoints with nothing in them,
 * with only the clock read gilprof stamps every event with, with the clock and one lookup of
 * whether the task is traced (what any tracer of chosen tasks must do), and with one kind of
 * stack taken at every switch-out of a user task, blocking or preempted, as gilprof takes its
 * off-CPU stacks (the kernel's, the user's by frame pointers, or an 8 KiB slice of the user
 * stack), or one 48-byte record written into a ring buffer that userspace reads (how gilprof
 * sends a stack), so each part of gilprof's cost can be set beside its floor. Modes fp and dwarf
 * do all of one stack's parts together, as gilprof's emit_stack() does them: whether the parts
 * add up, or their sum misses what doing them together costs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "gilprof.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PF_KTHREAD 0x00200000
#define SLICE 8192
#define FRAMES 127

struct scratch {
	__u64 ts;
	__u64 frames[FRAMES];
	__u8 slice[SLICE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline struct scratch *stamp(void)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (s)
		s->ts = bpf_ktime_get_ns();
	return s;
}

/*
 * Where gilprof takes an off-CPU stack: at every switch-out of a traced task, blocking or
 * preempted. Every user task counts as traced here. perf bench sched pipe on one CPU has one of
 * each per op (the woken reader preempts the writer): counting only blocking ones took half of
 * gilprof's stacks.
 */
static __always_inline bool off_cpu(struct task_struct *prev)
{
	return prev->pid && !(prev->flags & PF_KTHREAD);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_empty, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(waking_empty, struct task_struct *p)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_clock, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	stamp();
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(waking_clock, struct task_struct *p)
{
	stamp();
	return 0;
}

/*
 * The least a tracer of chosen tasks does: ask whether the task is one of them. A task storage
 * lookup is how gilprof asks; these never create one, so they find nothing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} marks SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_storage, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct scratch *s = stamp();

	if (s && bpf_task_storage_get(&marks, next, 0, 0))
		s->frames[0]++;
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(waking_storage, struct task_struct *p)
{
	struct scratch *s = stamp();

	if (s && bpf_task_storage_get(&marks, p, 0, 0))
		s->frames[0]++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_kstack, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();

	if (s && off_cpu(prev))
		bpf_get_stack(ctx, s->frames, sizeof(s->frames), 0);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_ustack, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();

	if (s && off_cpu(prev))
		bpf_get_stack(ctx, s->frames, sizeof(s->frames), BPF_F_USER_STACK);
	return 0;
}

/*
 * gilprof's slice_read(): the read fails as a whole past the stack's end, where it copies nothing
 * and zeroes the buffer, so it is tried at 8, 4, 2 and 0.5 KiB. Above a process's main thread sp
 * there is often less than 8 KiB of stack: a single 8 KiB read would measure a failure.
 */
static __always_inline __u32 slice_copy(__u8 *dst, const void *sp)
{
	if (!bpf_probe_read_user(dst, SLICE, sp))
		return SLICE;
	if (!bpf_probe_read_user(dst, SLICE / 2, sp))
		return SLICE / 2;
	if (!bpf_probe_read_user(dst, SLICE / 4, sp))
		return SLICE / 4;
	if (!bpf_probe_read_user(dst, SLICE / 16, sp))
		return SLICE / 16;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_slice, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();
	struct pt_regs *regs;

	if (!s || !off_cpu(prev))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	s->frames[0] = slice_copy(s->slice, (void *)BPF_CORE_READ(regs, sp));
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} records SEC(".maps");

/* gilprof's stack record without its frames: header, kind, target, futex word and sizes */
struct record {
	__u64 words[6];
};

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_record, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();
	struct record r = {};

	if (!s || !off_cpu(prev))
		return 0;
	r.words[0] = s->ts;
	bpf_ringbuf_output(&records, &r, sizeof(r), BPF_RB_NO_WAKEUP);
	return 0;
}

/*
 * gilprof's own stack records (bpf/gilprof.h), reserved in the ring buffer, filled in place by
 * the helpers and submitted with gilprof's wakeup rule (at an eighth of the ring), so that the
 * cache and TLB footprint of writing ~800 bytes (fp) or ~9 KiB (dwarf) of fresh ring memory per
 * stack, and of userspace reading it on another CPU, is in the floor. The kernel stack and the
 * user stack are of gilprof's depths. Only the steps gilprof adds around them (the task mark,
 * the futex decoding, its switch record) are left out.
 */
const volatile __u64 wakeup_bytes = (16 << 20) / 8;
__u64 lost;

static __always_inline void *stack_reserve(__u32 size)
{
	void *e = bpf_ringbuf_reserve(&records, size, 0);

	/* a full ring would make the floor cheaper than it is: userspace reports these */
	if (!e)
		__sync_fetch_and_add(&lost, 1);
	return e;
}

static __always_inline void stack_submit(void *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void stack_both(void *ctx, struct gp_ev_stack *e, __u64 ts)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->h.ts = ts;
	e->h.type = GP_EV_STACK;
	e->h.cpu = bpf_get_smp_processor_id();
	e->h.tid = (__u32)id;
	e->h.tgid = id >> 32;
	e->kind = GP_STK_OFFCPU;
	e->target_tid = 0;
	e->uaddr = 0;
	e->user_bytes = bpf_get_stack(ctx, e->user, sizeof(e->user), BPF_F_USER_STACK);
	e->kernel_bytes = bpf_get_stack(ctx, e->kernel, sizeof(e->kernel), 0);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_fp, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();
	struct gp_ev_stack *e;

	if (!s || !off_cpu(prev))
		return 0;
	e = stack_reserve(sizeof(*e));
	if (!e)
		return 0;
	stack_both(ctx, e, s->ts);
	stack_submit(e);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_dwarf, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();
	struct gp_ev_stack_dwarf *e;
	struct pt_regs *regs;

	if (!s || !off_cpu(prev))
		return 0;
	e = stack_reserve(sizeof(*e));
	if (!e)
		return 0;
	stack_both(ctx, &e->s, s->ts);
	regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	e->ip = BPF_CORE_READ(regs, ip);
	e->sp = BPF_CORE_READ(regs, sp);
	e->bp = BPF_CORE_READ(regs, bp);
	e->pad = 0;
	e->slice_len = slice_copy(e->slice, (void *)e->sp);
	stack_submit(e);
	return 0;
}
