// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cost floor of gilprof's hooks, for make bench: the same tracepoints with nothing in them,
 * with only the clock read gilprof stamps every event with, and with one kind of stack taken at
 * every blocking switch-out of a user task (the kernel's, the user's by frame pointers, or an
 * 8 KiB slice of the user stack), so each part of gilprof's cost can be set beside its floor.
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
