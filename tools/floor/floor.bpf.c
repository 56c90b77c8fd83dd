// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cost floor of gilprof's hooks, for make bench: the same tracepoints with nothing in them,
 * with only the clock read gilprof stamps every event with, with the clock and one lookup of
 * whether the task is traced (what any tracer of chosen tasks must do), and with one kind of
 * stack taken at
 * every blocking switch-out of a user task (the kernel's, the user's by frame pointers, or an
 * 8 KiB slice of the user stack), or one 48-byte record written into a ring buffer that
 * userspace reads (how gilprof sends a stack), so each part of gilprof's cost can be set beside
 * its floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

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

static __always_inline bool blocking(bool preempt, struct task_struct *prev, unsigned int state)
{
	return !preempt && state && !(prev->flags & PF_KTHREAD);
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

	if (s && blocking(preempt, prev, state))
		bpf_get_stack(ctx, s->frames, sizeof(s->frames), 0);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_ustack, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();

	if (s && blocking(preempt, prev, state))
		bpf_get_stack(ctx, s->frames, sizeof(s->frames), BPF_F_USER_STACK);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_slice, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int state)
{
	struct scratch *s = stamp();
	struct pt_regs *regs;

	if (!s || !blocking(preempt, prev, state))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	bpf_probe_read_user(s->slice, SLICE, (void *)BPF_CORE_READ(regs, sp));
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

	if (!s || !blocking(preempt, prev, state))
		return 0;
	r.words[0] = s->ts;
	bpf_ringbuf_output(&records, &r, sizeof(r), BPF_RB_NO_WAKEUP);
	return 0;
}
