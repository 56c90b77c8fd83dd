/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model: a pure state machine over the decoded event stream. Every traced thread's lifetime
 * (first seen -> death or end of trace) is split into disjoint buckets that sum to it; futex waits
 * are aggregated per (process, futex word). No I/O, no BPF: tests drive it with synthetic events.
 */
#ifndef GP_MODEL_H
#define GP_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include "model/event.h"
#include "util/hashmap.h"
#include "model/gilmem.h"
#include "model/lockstat.h"
#include "model/stackprof.h"
#include "model/timeline.h"

enum gp_bucket {
	GP_B_RUNNING, /* on CPU, as the kernel charges it (se.sum_exec_runtime; per CPU in
		       * running_cpu) */
	GP_B_SWITCHING, /* on CPU inside the scheduler's switch path, which the kernel charges to no
			 * task: from the switch-in tracepoint to the runtime clock's start, and
			 * from its stop to the switch-out tracepoint (about 1 us a switch) */
	GP_B_RUNQ_WAKE, /* runnable after a wakeup or creation, not yet on CPU */
	GP_B_RUNQ_PREEMPT, /* runnable after being preempted (or yielding) */
	GP_B_FUTEX, /* blocked inside a futex wait */
	GP_B_SLEEP, /* blocked elsewhere, interruptible (S) */
	GP_B_DWAIT, /* blocked uninterruptibly (D): disk I/O, page faults, some kernel locks */
	GP_B_COUNT,
};

enum gp_tstate {
	GP_TS_NEW, /* created, never scheduled yet (runnable) */
	GP_TS_RUNNING,
	GP_TS_RUNQ_WAKE,
	GP_TS_RUNQ_PREEMPT,
	GP_TS_BLOCKED,
	GP_TS_DEAD,
};

/* Ways the stream can be incomplete; each is counted and printed, none is silently skipped. */
enum gp_anomaly {
	GP_AN_NO_SWITCH_IN, /* switched out while not known to be running (the kernel does not
			     * always report a switch-in; the running time is recovered from
			     * its runtime counter when the thread's previous switch was seen) */
	GP_AN_NO_WAKEUP, /* switched in while blocked, its wakeup missing */
	GP_AN_FUTEX_NO_ENTER, /* a futex wait returned that was never seen starting */
	GP_AN_BACKWARDS, /* an event older than the thread's last transition (clamped) */
	GP_AN_COUNT,
};

struct gp_process;

struct gp_thread {
	uint32_t tid, tgid;
	uint32_t parent_tid; /* the traced thread that forked it, 0 if none */
	char comm[GP_COMM_LEN];
	struct gp_process *proc;
	uint64_t start_ts, end_ts; /* end_ts is set by death or model_finish */
	bool dead; /* its final switch (TASK_DEAD) was seen */
	bool attached; /* it ran before tracing attached to it: start_ts is the attach */
	bool attach_unsure; /* its state is still the attach's snapshot, which its first switch
			     * confirms or corrects (the snapshot precedes the mark) */
	enum gp_tstate state;
	enum gp_bucket block_bucket; /* which blocked bucket the current block goes to */
	uint64_t since; /* start of the current state */
	uint64_t last_switch_in; /* when it last went on CPU */
	enum gp_bucket wait_bucket; /* the run-queue interval that preceded this time on CPU */
	uint64_t wait_len;
	int cpu; /* CPU it runs or last ran on, -1 before the first switch-in */
	uint64_t bucket[GP_B_COUNT];
	uint64_t *running_cpu; /* [ncpus] */
	uint64_t nvcsw, nivcsw, migrations, wakeups;
	bool kcsw_known; /* the kernel's counters below are from this thread's last switch */
	uint64_t knvcsw, knivcsw, kruntime;
	/* attached: the kernel's counters when it was (voluntary, involuntary, runtime) */
	uint64_t attach_k[3];
	/* the futex wait in flight */
	bool in_futex;
	uint32_t futex_op, futex_sys;
	uint64_t futex_uaddr, futex_enter_ts;
	bool futex_join; /* the wait is for the exit of a thread of its process (pthread_join) */
	uint32_t futex_val; /* the value it waits for the word to leave */
	uint32_t futex_waker; /* who woke it during this wait, 0 if nobody yet */
	uint32_t futex_stack, futex_waker_stack; /* stack ids + 1 of this wait, 0 if none */
	/* a release site that came while it was still on its way into a futex wait */
	uint32_t early_waker_stack;
	uint64_t early_waker_uaddr;
	uint32_t offcpu_stack; /* stack id + 1 it blocked in, until its run-queue wait ends */
	/* a futex wait's wakeup whose switch-in is pending: for the lock's wake-to-run latency */
	struct gp_lock *w2r_lock;
	uint64_t w2r_ts;
	/* the last futex wait that returned woken, to spot futile wakeups */
	uint64_t woke_uaddr, woke_oncpu;
	bool woke;
	uint32_t last_waker;
	/* its last wakeup from a GP_EV_WAKING record, applied at its next switch-in as the one a
	 * switch record carries is (the live stream carries them in the switch) */
	uint64_t wake_ts;
	uint32_t waker;
	uint32_t gil_holder; /* the GIL's holder as its wait in flight on the GIL began, 0 none */
	struct gp_timeline tl; /* its states in order, when the model keeps timelines */
	size_t futex_seg; /* the segment of the futex wait in flight */
};

struct gp_process {
	uint32_t tgid, parent_tgid;
	char comm[GP_COMM_LEN];
	char exe[GP_PATH_LEN];
	uint64_t start_ts, end_ts;
	bool exited; /* its last thread died */
	bool attached; /* it ran before tracing attached to it */
	bool exit_code_known;
	uint32_t exit_code; /* the kernel's exit_code: status << 8 | signal */
	unsigned execs;
	uint64_t exec_ts; /* when its last exec ended (the new image's start), 0 without one */
	uint64_t maxrss_kb; /* its peak resident memory, from its last thread's exit; 0 unknown */
	struct gp_thread **threads; /* in order of appearance */
	size_t nthreads, capthreads;
	size_t nlive; /* of them not dead */
	struct gp_gilmem *gil; /* its GIL as the interpreter saw it, NULL without GP_EV_GIL */
};

struct gp_wake_pair {
	uint32_t waker, wakee;
	uint64_t count, futex_count;
	uint64_t blocked_ns; /* blocked time of the wakee that these wakeups ended */
};

struct gp_model {
	unsigned ncpus;
	uint64_t first_ts, last_ts, end_ts;
	uint64_t events, events_by_type[GP_EV_TYPE_MAX];
	uint64_t anomalies[GP_AN_COUNT];
	struct gp_hashmap thread_by_tid, proc_by_tgid, lock_by_key, pair_by_key;
	struct gp_thread **threads;
	size_t nthreads, capthreads;
	struct gp_process **procs;
	size_t nprocs, capprocs;
	struct gp_lock **locks;
	size_t nlocks, caplocks;
	struct gp_wake_pair **pairs;
	size_t npairs, cappairs;
	struct gp_stackprof prof; /* time by stack, for profiles */
	bool timelines; /* keep every thread's timeline (model_new: yes) */
	bool window; /* made by model_split: first_ts is the cut, not the first event */
	bool oom; /* an allocation failed; the model is incomplete */
};

struct gp_model *model_new(unsigned ncpus);
void model_free(struct gp_model *m);
/* Feed one validated event; events must come in time order. Returns 0 or -ENOMEM. */
int model_feed(struct gp_model *m, const union gp_event *e);
/* Close every open interval at end_ts (the end of the trace). */
void model_finish(struct gp_model *m, uint64_t end_ts);
/*
 * Cut the stream at ts (every event up to ts fed, none after): m is finished at ts as a trace
 * that ends there, and the returned model goes on from there with m's live threads in the states
 * they were in, as an attach would find them (a futex wait in progress counts from ts, in its
 * lock's at_attach). Bucket times, lock waits and switch counts of the windows add up to those
 * of one model fed the whole stream; a wait that spans a cut is counted in each window (the
 * later ones as at_attach). This bounds a live model's memory by one window's events: threads
 * and processes that ended are not carried. NULL on allocation failure (m is then finished).
 */
struct gp_model *model_split(struct gp_model *m, uint64_t ts);
/*
 * End every thread of process tgid at ts, as if each had died then: for a live trace to let go
 * of a process whose exit the stream lost (a full buffer), found gone from /proc. A futex wait
 * it was in ends unseen. Returns the number of threads ended.
 */
size_t model_forget_process(struct gp_model *m, uint32_t tgid, uint64_t ts);

uint64_t thread_lifetime(const struct gp_thread *t);
uint64_t thread_accounted(const struct gp_thread *t);
struct gp_thread *model_thread(const struct gp_model *m, uint32_t tid);
struct gp_process *model_process(const struct gp_model *m, uint32_t tgid);
struct gp_lock *model_lock(const struct gp_model *m, uint32_t tgid, uint64_t uaddr);

/* Nearest-rank percentile (0..100) of a lock's wait durations; sorts them in place. */
uint64_t lock_percentile(struct gp_lock *l, double pct);
const char *bucket_name(enum gp_bucket b);
const char *anomaly_name(enum gp_anomaly a);

#endif
