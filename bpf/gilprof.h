/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event records shared by the BPF programs and userspace. Fixed-width types only: the same bytes
 * are read back from a live ring buffer and from a recording, so the layout is part of the file
 * format (bump GP_EVENT_ABI when it changes).
 */
#ifndef GILPROF_H
#define GILPROF_H

#define GP_EVENT_ABI 7
#define GP_COMM_LEN 16
#define GP_PATH_LEN 128
#define GP_MAX_CPUS 256

enum gp_ev_type {
	GP_EV_SWITCH = 1, /* sched_switch: hdr task = prev */
	GP_EV_WAKING = 2, /* a wakeup: hdr task = waker. The BPF side carries wakeups in the
			   * wakee's GP_EV_SWITCH instead; the model takes both the same way */
	GP_EV_WAKEUP_NEW = 3, /* sched_wakeup_new: hdr task = the new task */
	GP_EV_FORK = 4, /* sched_process_fork: hdr task = parent */
	GP_EV_EXEC = 5, /* sched_process_exec: hdr task = execing task (after de_thread) */
	GP_EV_EXIT = 6, /* sched_process_exit: hdr task = exiting task */
	GP_EV_FUTEX_ENTER = 7, /* a futex wait starts: hdr task = waiter */
	GP_EV_FUTEX_EXIT = 8, /* that wait returns */
	GP_EV_STACK = 9, /* the stacks of the task named in hdr, for the event just before it */
	GP_EV_STACKREF = 10, /* made by userspace from GP_EV_STACK: the deduplicated stack's id */
	GP_EV_STACK_DWARF =
		11, /* a gp_ev_stack_dwarf: GP_EV_STACK plus registers and stack bytes */
	GP_EV_ATTACH = 12, /* made by userspace: a thread that ran before tracing began, as it was
			    * found when it was marked (gilprof run -p) */
	GP_EV_STACK_PY =
		13, /* a gp_ev_stack_py: GP_EV_STACK of a CPython thread, with its frames */
	GP_EV_STACK_DWARF_PY = 14, /* a gp_ev_stack_dwarf_py: the same for GP_EV_STACK_DWARF */
	GP_EV_GIL =
		15, /* a gp_ev_gil: a CPython process's GIL as one of its threads switches out */
	GP_EV_TYPE_MAX,
};

/* Which syscall carried a futex wait. */
enum gp_futex_sys {
	GP_FUTEX_SYS_FUTEX = 0, /* futex(2) */
	GP_FUTEX_SYS_WAITV = 1, /* futex_waitv(2) */
	GP_FUTEX_SYS_WAIT = 2, /* futex_wait(2), the futex2 syscall */
};

/* sched_switch prev_state bits we interpret (include/linux/sched.h). */
#define GP_TASK_RUNNING 0x0000
#define GP_TASK_INTERRUPTIBLE 0x0001
#define GP_TASK_UNINTERRUPTIBLE 0x0002
#define GP_TASK_DEAD 0x0080
#define GP_TASK_NOLOAD 0x0400

/* Common header: ts is bpf_ktime_get_ns() (CLOCK_MONOTONIC), tid/tgid the task named above. */
struct gp_ev_hdr {
	__u64 ts;
	__u32 type;
	__u32 cpu;
	__u32 tid;
	__u32 tgid;
};

struct gp_ev_switch {
	struct gp_ev_hdr h;
	__u32 next_tid;
	__u32 next_tgid;
	__u32 prev_state;
	__u8 preempt;
	__u8 prev_traced; /* the switch is sent when either side is traced */
	__u8 next_traced;
	__u8 pad;
	/* prev's counters after the kernel incremented one of them for this switch */
	__u64 prev_nvcsw;
	__u64 prev_nivcsw;
	/* prev's se.sum_exec_runtime: recovers running time when the kernel reports a task
	 * switching out that it never reported switching in */
	__u64 prev_runtime;
	/* next's last sched_waking (0 if none since it was marked) and who ran it: wakeups of
	 * traced tasks travel with the switch-in instead of as events of their own */
	__u64 next_wake_ts;
	__u32 next_waker_tid;
	__u32 next_waker_tgid;
	char prev_comm[GP_COMM_LEN];
	char next_comm[GP_COMM_LEN];
};

struct gp_ev_waking {
	struct gp_ev_hdr h;
	__u32 target_tid;
	__u32 target_tgid;
	__u32 target_cpu;
	__u32 pad;
};

struct gp_ev_fork {
	struct gp_ev_hdr h;
	__u32 child_tid;
	__u32 child_tgid;
	char child_comm[GP_COMM_LEN];
};

struct gp_ev_exec {
	struct gp_ev_hdr h;
	__u32 old_tid;
	__u32 pad;
	char comm[GP_COMM_LEN];
	char filename[GP_PATH_LEN];
};

struct gp_ev_exit {
	struct gp_ev_hdr h;
	__u64 nvcsw;
	__u64 nivcsw;
	__u32 group_dead;
	__u32 exit_code;
	char comm[GP_COMM_LEN];
	__u64 maxrss_kb; /* the process's peak resident memory when the group died, else 0 */
};

struct gp_ev_futex_enter {
	struct gp_ev_hdr h;
	__u64 uaddr;
	__u64 uaddr2;
	__u32 op; /* futex(2) op word with flags; for waitv/futex_wait the futex2 flags */
	__u32 val;
	__u32 val3;
	__u32 sys; /* enum gp_futex_sys */
	__u32 has_timeout;
	__u32 nr_futexes; /* futex_waitv: number of words; else 1 */
};

/* What a thread was doing when it was attached to, from /proc: a snapshot taken just before it
 * was marked, which its first switch after the mark confirms or corrects (model/model.c). */
enum gp_attach_state {
	GP_AS_RUNNABLE = 0, /* R: on a CPU or waiting for one */
	GP_AS_SLEEPING = 1, /* S, or stopped, traced, idle: blocked interruptibly */
	GP_AS_DISK = 2, /* D: blocked uninterruptibly */
};

struct gp_ev_attach {
	struct gp_ev_hdr h; /* ts: just before the mark; cpu 0 */
	__u32 state; /* enum gp_attach_state */
	__u32 in_futex; /* blocked in a futex wait, already in progress */
	__u64 futex_uaddr;
	__u32 futex_op; /* as gp_ev_futex_enter's op */
	__u32 futex_sys; /* enum gp_futex_sys */
	__u32 futex_val; /* the value it waits for the word to leave */
	__u32 pad;
	/* the kernel's counters in the snapshot: what the trace's counts start from */
	__u64 nvcsw, nivcsw, runtime;
	char comm[GP_COMM_LEN];
	char exe[GP_PATH_LEN]; /* the process's executable (the same in each of its threads) */
};

/* What woke a task when no task did: the waker tid of a wakeup run in interrupt context (a device
 * or a softirq), or by a timer expiring (hrtimer_wakeup). Above every real tid. */
#define GP_WAKER_IRQ 0xfffffff0u
#define GP_WAKER_TIMER 0xfffffff1u

/* A futex exit's ret when no wakeup of the wait was seen (the kernel did not report it): how the
 * wait returned is unknown. Out of the range of futex returns (0, a waitv index, -errno). */
#define GP_FUTEX_RET_UNSEEN (-0x7fffffff - 1)

struct gp_ev_futex_exit {
	struct gp_ev_hdr h;
	__s64 ret;
	/* 0: sent at the switch-in that ended the wait. Else sent at a switch-out whose switch-in
	 * the kernel did not report, with the task's se.sum_exec_runtime: the wait ended when it
	 * went on CPU, as long before as it ran since its previous switch-out. */
	__u64 late_runtime;
};

#define GP_STACK_USER_MAX 64
#define GP_STACK_KERNEL_MAX 32

/* Why a stack was taken. */
enum gp_stack_kind {
	GP_STK_FUTEX_WAIT = 1, /* the waiter, entering a futex wait on uaddr */
	GP_STK_WAKER = 2, /* the waker, waking target_tid out of a futex wait on uaddr */
	GP_STK_SAMPLE = 3, /* an on-CPU sample (cpu-clock) */
	GP_STK_OFFCPU = 4, /* switching out: to block, or preempted */
};

/*
 * User frames by frame pointer (bpf_get_stack with BPF_F_USER_STACK) and kernel frames. Sizes
 * are byte counts as bpf_get_stack returns them, 0 or negative (-errno) when none was taken.
 */
struct gp_ev_stack {
	struct gp_ev_hdr h;
	__u32 kind;
	__u32 target_tid;
	__u64 uaddr;
	__s32 user_bytes;
	__s32 kernel_bytes;
	__u64 user[GP_STACK_USER_MAX];
	__u64 kernel[GP_STACK_KERNEL_MAX];
};

#define GP_STACK_SLICE 8192

/*
 * With --call-graph dwarf: the same stacks plus what userspace needs to unwind code without
 * frame pointers from its CFI: the user registers at kernel entry and a copy of the user stack
 * from sp up (slice_len bytes; less than GP_STACK_SLICE when the stack ends sooner).
 */
struct gp_ev_stack_dwarf {
	struct gp_ev_stack s;
	__u64 ip, sp, bp;
	__u32 slice_len;
	__u32 pad;
	__u8 slice[GP_STACK_SLICE];
};

/*
 * CPython frames, taken with the native stacks of a thread of a process that userspace found to
 * run a CPython interpreter it understands (struct gp_py_proc): the thread's chain of
 * _PyInterpreterFrame, innermost first, as (code object, instruction) pairs. Userspace reads the
 * code objects (name, file, line table) and merges the frames with the native ones.
 */
#define GP_PY_FRAMES_MAX 64

enum gp_py_frame_flags {
	/* the outermost frame of one _PyEval_EvalFrameDefault call: 3.11's is_entry, or from 3.12
	 * the frame below an entry shim frame (owner FRAME_OWNED_BY_CSTACK) */
	GP_PYF_ENTRY = 1,
	GP_PYF_BAD_INSTR = 2, /* the instruction pointer is outside the code object */
};

struct gp_py_frame {
	__u64 code; /* PyCodeObject * */
	__u32 instr; /* byte offset of the current instruction from the code's first one */
	__u32 flags; /* enum gp_py_frame_flags */
};

/* How a walk ended. */
enum gp_py_status {
	GP_PYS_OK = 0, /* at the thread's outermost frame (none for a thread outside Python) */
	GP_PYS_NO_TSTATE = 1, /* the thread has no PyThreadState (yet): not a Python thread */
	GP_PYS_FAULT = 2, /* a frame could not be read (not resident, or freed under us) */
	GP_PYS_CUT = 3, /* more than GP_PY_FRAMES_MAX frames: the outermost ones are missing */
	GP_PYS_NO_STORAGE = 4, /* no task storage for the thread's PyThreadState */
};

struct gp_py_stack {
	__u32 nframes;
	__u32 status; /* enum gp_py_status */
	struct gp_py_frame frames[GP_PY_FRAMES_MAX];
};

/* make bench: the time the Python walks took (bpf/gilprof.bpf.c py_timing), per CPU. */
struct gp_py_timing {
	__u64 stacks, frames, ns;
};

struct gp_ev_stack_py {
	struct gp_ev_stack s;
	struct gp_py_stack py;
};

/*
 * Where the BPF side finds a process's Python frames: the address of _PyRuntime and the offsets
 * the walk needs, from the interpreter's version (symbolize/pylayout.c). One per traced process
 * that userspace found to run a CPython it understands.
 */
#define GP_PY_NO_OFF 0xffff

struct gp_py_proc {
	__u64 runtime; /* &_PyRuntime */
	__u16 rt_interp_head; /* _PyRuntime.interpreters.head */
	__u16 is_threads_head; /* PyInterpreterState.threads.head */
	__u16 ts_next; /* PyThreadState.next */
	__u16 ts_native_tid; /* PyThreadState.native_thread_id */
	__u16 ts_frame; /* PyThreadState.cframe (3.11, 3.12) or .current_frame (3.13) */
	__u16 cframe_frame; /* _PyCFrame.current_frame; GP_PY_NO_OFF when ts_frame is the frame */
	__u16 fr_code; /* _PyInterpreterFrame.f_code (f_executable in 3.13) */
	__u16 fr_previous;
	__u16 fr_instr; /* .prev_instr (3.11, 3.12) or .instr_ptr (3.13) */
	__u16 fr_owner;
	__u16 fr_is_entry; /* 3.11's is_entry; GP_PY_NO_OFF from 3.12 on */
	__u16 code_first_instr; /* offsetof(PyCodeObject, co_code_adaptive) */
	__u8 owner_cstack; /* FRAME_OWNED_BY_CSTACK: entry shims, 0xff when the version has none */
	__u8 pad[7];
	__u64 gil; /* the main interpreter's struct _gil_runtime_state, 0 when not located */
};

/*
 * The interpreter's own view of its GIL, read from the process's memory at each switch-out of
 * one of its threads (hdr task): whether it is taken, by whom (last_holder's native thread id)
 * and switch_number, which CPython increments each time another thread takes it. The trace's
 * futex waits show who waited; this shows who held it then, and hand-offs that made no wait.
 */
#define GP_GIL_STRUCT_SIZE 208 /* sizeof(struct _gil_runtime_state), 3.11 to 3.13 */

struct gp_ev_gil {
	struct gp_ev_hdr h;
	__u64 gil; /* the struct's address */
	__u64 switch_number;
	__u32 holder_tid; /* 0 when last_holder is NULL or its thread state unreadable */
	__s16 locked; /* 0 or 1 */
	__u16 runnable; /* the thread switches out runnable (preempted, or yielding), or: */
};

/* gp_ev_gil.runnable of a record read as the thread exits (before exit_mm, since 6.16) */
#define GP_GIL_AT_EXIT 2

/* Userspace's compact form of a gp_ev_stack in the ordered stream: the stack's id in the table
 * of deduplicated stacks. */
struct gp_ev_stackref {
	struct gp_ev_hdr h;
	__u32 kind;
	__u32 target_tid;
	__u64 uaddr;
	__u32 stack_id;
	__u32 pad;
};

/* With --call-graph dwarf, for a CPython thread. */
struct gp_ev_stack_dwarf_py {
	struct gp_ev_stack_dwarf d;
	struct gp_py_stack py;
};

/* Per-cause drop counters, indexed in the drops map. */
enum gp_drop_cause {
	GP_DROP_RINGBUF_FULL = 0, /* bpf_ringbuf_reserve failed, or a CPU's slot ring was full */
	GP_DROP_TGID_MAP_FULL = 1, /* a forked task could not be marked traced (storage) */
	GP_DROP_STACK_USER = 2, /* a user stack could not be taken (bpf_get_stack failed) */
	GP_DROP_STACK_KERNEL = 3, /* a kernel stack could not be taken */
	/* a program did not run for an event: the kernel skips a tracing program that would run
	 * inside itself on one CPU (its recursion_misses, read by userspace at the end) */
	GP_DROP_PROG_MISSED = 4,
	GP_DROP_CAUSE_MAX_BPF,
};

/* Which processes the exec hook starts to trace by itself (gilprof monitor, top). */
enum gp_follow {
	GP_FOLLOW_NONE = 0,
	GP_FOLLOW_COMM = 1, /* those whose name after the exec is one of follow_comm */
	GP_FOLLOW_ALL = 2, /* every one */
};
#define GP_FOLLOW_COMMS 8

/* Per-CPU time accounting done in the kernel for every task, traced or not. */
enum gp_cpu_kind {
	GP_CPU_IDLE = 0,
	GP_CPU_TRACED = 1,
	GP_CPU_OTHER = 2,
	GP_CPU_KINDS,
};

struct gp_cpu_acct {
	__u64 last_ts; /* 0 until the first switch seen on this CPU */
	__u32 cur_kind; /* what has been running since last_ts */
	__u32 cur_tid; /* and which task that is: the next switch-out's prev */
	__u64 ns[GP_CPU_KINDS];
	__u32 cur_gen; /* mark_gen when it switched in: an untraced task may be marked since */
	__u32 pad;
};

/*
 * A traced task's task-local storage. The BPF side marks every task a traced task forks; userspace
 * marks the launched command and, when attaching, each thread of the running processes (by a
 * pidfd), with the futex wait it was found blocked in.
 */
struct gp_task_mark {
	__u32 traced;
	__u32 in_futex; /* blocked in a futex wait: set at the switch-out, cleared at the switch-in */
	__u64 futex_uaddr;
	__u64 wake_ts; /* its last sched_waking, sent with its next switch-in */
	__u32 waker_tid, waker_tgid;
	__u32 futex_timeout; /* that wait has a timeout */
	__s32 futex_ret; /* what the wakeup out of it means for its return value */
	/* a wakeup that came while the task was still on its way into a futex wait (the waker
	 * may run before the sleeper's switch-out): what it means, for that wait */
	__s32 pending_ret;
	__u32 pending; /* pending_ret is set, since the task's last switch-in */
};

/*
 * Per-CPU slot rings for the records sched_switch makes. sched_switch runs with interrupts off
 * and never nests, so each CPU's ring has one producer and needs no lock: a record is a few
 * stores and a head increment, where a BPF ring buffer reservation takes a spinlock shared by
 * every CPU. A slot holds any record of at most GP_SLOT_SIZE bytes (switch, futex enter/exit);
 * the ring of CPU c is slots [c << shift, (c + 1) << shift).
 */
#define GP_SLOT_SIZE 128

struct gp_slot {
	__u64 w[GP_SLOT_SIZE / 8];
};

/* One per CPU, the producer's and the consumer's positions on cache lines of their own. */
struct gp_slot_ctl {
	__u64 head; /* slots written, by BPF; published after the slots it covers */
	__u32 nudged; /* BPF woke the consumer for this ring; the consumer clears it */
	__u32 pad0;
	__u64 pad1[6];
	__u64 tail; /* slots consumed, by userspace */
	__u64 pad2[7];
};

#endif /* GILPROF_H */
