// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "util/vec.h"

/* Grow a pointer vector by one slot; the vector's element size is sizeof(void *). */
static int vec_push(void ***vec, size_t *len, size_t *cap, void *item)
{
	if (vec_reserve((void **)vec, cap, *len, sizeof(void *), 16))
		return -ENOMEM;
	(*vec)[(*len)++] = item;
	return 0;
}

const char *bucket_name(enum gp_bucket b)
{
	static const char *const names[GP_B_COUNT] = {
		[GP_B_RUNNING] = "running",	  [GP_B_SWITCHING] = "switching",
		[GP_B_RUNQ_WAKE] = "runq_wakeup", [GP_B_RUNQ_PREEMPT] = "runq_preempted",
		[GP_B_FUTEX] = "futex_wait",	  [GP_B_SLEEP] = "sleep",
		[GP_B_DWAIT] = "uninterruptible",
	};
	return b < GP_B_COUNT ? names[b] : "?";
}

const char *anomaly_name(enum gp_anomaly a)
{
	static const char *const names[GP_AN_COUNT] = {
		/* gilprof counts its own misses (buffers full, probe runs skipped): the rest are
		 * switches the kernel did not report (6.18 misses about one in a thousand) */
		[GP_AN_NO_SWITCH_IN] =
			"switch-out without switch-in (the kernel's, unless lost above)",
		[GP_AN_NO_WAKEUP] = "switch-in without wakeup",
		[GP_AN_FUTEX_NO_ENTER] = "futex return without entry",
		[GP_AN_BACKWARDS] = "out-of-order timestamps",
	};
	return a < GP_AN_COUNT ? names[a] : "?";
}

struct gp_model *model_new(unsigned ncpus)
{
	struct gp_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->ncpus = ncpus ? ncpus : 1;
	hashmap_init(&m->thread_by_tid);
	hashmap_init(&m->proc_by_tgid);
	hashmap_init(&m->lock_by_key);
	hashmap_init(&m->pair_by_key);
	stackprof_init(&m->prof);
	m->timelines = true;
	return m;
}

void model_free(struct gp_model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nthreads; i++) {
		free(m->threads[i]->running_cpu);
		timeline_free(&m->threads[i]->tl);
		free(m->threads[i]);
	}
	for (i = 0; i < m->nprocs; i++) {
		free(m->procs[i]->threads);
		gilmem_free(m->procs[i]->gil);
		free(m->procs[i]);
	}
	for (i = 0; i < m->nlocks; i++)
		lock_free(m->locks[i]);
	for (i = 0; i < m->npairs; i++)
		free(m->pairs[i]);
	free(m->threads);
	free(m->procs);
	free(m->locks);
	free(m->pairs);
	hashmap_free(&m->thread_by_tid);
	hashmap_free(&m->proc_by_tgid);
	hashmap_free(&m->lock_by_key);
	hashmap_free(&m->pair_by_key);
	stackprof_free(&m->prof);
	free(m);
}

struct gp_thread *model_thread(const struct gp_model *m, uint32_t tid)
{
	return hashmap_get(&m->thread_by_tid, tid, 0);
}

struct gp_process *model_process(const struct gp_model *m, uint32_t tgid)
{
	return hashmap_get(&m->proc_by_tgid, tgid, 0);
}

struct gp_lock *model_lock(const struct gp_model *m, uint32_t tgid, uint64_t uaddr)
{
	return hashmap_get(&m->lock_by_key, tgid, uaddr);
}

uint64_t thread_lifetime(const struct gp_thread *t)
{
	return t->end_ts > t->start_ts ? t->end_ts - t->start_ts : 0;
}

uint64_t thread_accounted(const struct gp_thread *t)
{
	uint64_t sum = 0;
	int b;

	for (b = 0; b < GP_B_COUNT; b++)
		sum += t->bucket[b];
	return sum;
}

static enum gp_bucket state_bucket(const struct gp_thread *t, enum gp_tstate st)
{
	switch (st) {
	case GP_TS_RUNNING:
		return GP_B_RUNNING;
	case GP_TS_RUNQ_PREEMPT:
		return GP_B_RUNQ_PREEMPT;
	case GP_TS_BLOCKED:
		return t->block_bucket;
	default:
		return GP_B_RUNQ_WAKE;
	}
}

/* The thread's timeline gets a segment for its state from ts. */
static void seg_begin(struct gp_model *m, struct gp_thread *t, uint64_t ts)
{
	if (m->timelines && timeline_push(&t->tl, ts, state_bucket(t, t->state), t->cpu))
		m->oom = true;
}

/* What the current segment turned out to be: a block's kind, a run's CPU. */
static void seg_settle(struct gp_thread *t)
{
	struct gp_seg *s = timeline_last(&t->tl);

	if (!s)
		return;
	s->bucket = state_bucket(t, t->state);
	s->cpu = t->cpu > 0 ? t->cpu : 0;
	if (s->bucket == GP_B_FUTEX) {
		s->uaddr = t->futex_uaddr;
		t->futex_seg = t->tl.n - 1;
	}
}

static struct gp_process *process_get(struct gp_model *m, uint32_t tgid, uint64_t ts)
{
	struct gp_process *p = model_process(m, tgid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p || hashmap_put(&m->proc_by_tgid, tgid, 0, p) ||
	    vec_push((void ***)&m->procs, &m->nprocs, &m->capprocs, p)) {
		hashmap_del(&m->proc_by_tgid, tgid, 0);
		free(p);
		m->oom = true;
		return NULL;
	}
	p->tgid = tgid;
	p->start_ts = ts;
	return p;
}

static struct gp_thread *thread_new(struct gp_model *m, uint32_t tid, uint32_t tgid, uint64_t ts,
				    enum gp_tstate state)
{
	struct gp_process *p = process_get(m, tgid, ts);
	struct gp_thread *t = calloc(1, sizeof(*t));

	if (!p || !t)
		goto oom;
	t->running_cpu = calloc(m->ncpus, sizeof(uint64_t));
	if (!t->running_cpu)
		goto oom;
	if (vec_push((void ***)&m->threads, &m->nthreads, &m->capthreads, t))
		goto oom;
	if (vec_push((void ***)&p->threads, &p->nthreads, &p->capthreads, t)) {
		m->nthreads--;
		goto oom;
	}
	/* A reused tid starts a new record; the old one stays in the vectors. */
	if (hashmap_put(&m->thread_by_tid, tid, 0, t)) {
		m->nthreads--;
		p->nthreads--;
		goto oom;
	}
	p->nlive++;
	t->tid = tid;
	t->tgid = tgid;
	t->proc = p;
	t->start_ts = t->since = ts;
	t->state = state;
	t->cpu = -1;
	seg_begin(m, t, ts);
	if (p->exited) {
		p->exited = false;
		p->end_ts = 0;
	}
	return t;
oom:
	if (t)
		free(t->running_cpu);
	free(t);
	m->oom = true;
	return NULL;
}

/* The thread for an event that names it, created on first sight in the given state. */
static struct gp_thread *thread_seen(struct gp_model *m, uint32_t tid, uint32_t tgid, uint64_t ts,
				     enum gp_tstate state)
{
	struct gp_thread *t = model_thread(m, tid);

	if (t && !t->dead)
		return t;
	if (!tid)
		return NULL; /* the idle task is not traced */
	return thread_new(m, tid, tgid, ts, state);
}

static void set_comm(char *dst, const char *src)
{
	memcpy(dst, src, GP_COMM_LEN);
	dst[GP_COMM_LEN - 1] = 0;
}

/* Time since the current state began, clamped at 0 when events arrive out of order. */
static uint64_t elapsed(struct gp_model *m, struct gp_thread *t, uint64_t ts)
{
	if (ts < t->since) {
		m->anomalies[GP_AN_BACKWARDS]++;
		return 0;
	}
	return ts - t->since;
}

static struct gp_lock *lock_get(struct gp_model *m, uint32_t tgid, uint64_t uaddr)
{
	struct gp_lock *l = model_lock(m, tgid, uaddr);

	if (l)
		return l;
	l = calloc(1, sizeof(*l));
	if (!l || hashmap_put(&m->lock_by_key, tgid, uaddr, l) ||
	    vec_push((void ***)&m->locks, &m->nlocks, &m->caplocks, l)) {
		hashmap_del(&m->lock_by_key, tgid, uaddr);
		free(l);
		m->oom = true;
		return NULL;
	}
	l->tgid = tgid;
	l->uaddr = uaddr;
	return l;
}

static void prof_add(struct gp_model *m, const struct gp_thread *t, enum gp_prof_kind kind,
		     uint32_t stack1, uint64_t weight)
{
	struct gp_prof_cell key = {.tid = t->tid, .kind = kind, .stack = stack1};

	if (weight && stackprof_add(&m->prof, &key, weight))
		m->oom = true;
}

static enum gp_prof_kind block_prof_kind(enum gp_bucket b)
{
	return b == GP_B_FUTEX ? GP_PK_FUTEX : b == GP_B_DWAIT ? GP_PK_DWAIT : GP_PK_SLEEP;
}

/*
 * The kernel starts charging a task when __schedule() begins picking it, a little before the
 * sched_switch tracepoint that reports the switch-in. When the runtime of an interval on CPU
 * exceeds the tracepoints' span, that excess was spent at the end of the preceding run-queue
 * wait: move it from there. Returns how much could be moved.
 */
static uint64_t thread_runq_trim(struct gp_thread *t, uint64_t excess)
{
	if (excess > t->wait_len)
		excess = t->wait_len;
	t->bucket[t->wait_bucket] -= excess;
	t->wait_len = 0;
	return excess;
}

/*
 * The run-queue wait after a block or a preemption weighs at the stack the thread left the CPU
 * in, every part of it: a second wakeup while runnable, or the end of the trace, closes a part
 * without ending the wait.
 */
static void runq_prof(struct gp_model *m, struct gp_thread *t, enum gp_prof_kind kind, uint64_t d,
		      bool ends)
{
	if (t->offcpu_stack)
		prof_add(m, t, kind, t->offcpu_stack, d);
	if (ends)
		t->offcpu_stack = 0;
}

/*
 * Close the thread's current interval at ts and move it to a new state. ran is the kernel's
 * runtime for an interval on CPU, RAN_UNKNOWN to charge the whole interval as running.
 */
#define RAN_UNKNOWN UINT64_MAX

static void thread_transition_ran(struct gp_model *m, struct gp_thread *t, uint64_t ts,
				  enum gp_tstate next, uint64_t ran)
{
	uint64_t d = elapsed(m, t, ts);

	switch (t->state) {
	case GP_TS_RUNNING:
		if (ran == RAN_UNKNOWN)
			ran = d;
		else if (ran > d)
			ran = d + thread_runq_trim(t, ran - d);
		t->bucket[GP_B_RUNNING] += ran;
		t->bucket[GP_B_SWITCHING] += d > ran ? d - ran : 0;
		if (t->cpu >= 0 && (unsigned)t->cpu < m->ncpus)
			t->running_cpu[t->cpu] += ran;
		break;
	case GP_TS_NEW:
	case GP_TS_RUNQ_WAKE:
		t->bucket[GP_B_RUNQ_WAKE] += d;
		t->wait_bucket = GP_B_RUNQ_WAKE;
		t->wait_len = d;
		runq_prof(m, t, GP_PK_RUNQ, d, next != GP_TS_RUNQ_WAKE);
		break;
	case GP_TS_RUNQ_PREEMPT:
		t->bucket[GP_B_RUNQ_PREEMPT] += d;
		t->wait_bucket = GP_B_RUNQ_PREEMPT;
		t->wait_len = d;
		runq_prof(m, t, GP_PK_PREEMPT, d, next != GP_TS_RUNQ_PREEMPT);
		break;
	case GP_TS_BLOCKED:
		t->wait_len = 0;
		t->bucket[t->block_bucket] += d;
		if (t->offcpu_stack)
			prof_add(m, t, block_prof_kind(t->block_bucket), t->offcpu_stack, d);
		if (t->block_bucket == GP_B_FUTEX) {
			struct gp_lock *l = lock_get(m, t->tgid, t->futex_uaddr);

			if (l)
				l->blocked_ns += d;
		}
		break;
	case GP_TS_DEAD:
		break;
	}
	if (ts > t->since)
		t->since = ts;
	if (next != t->state) {
		t->state = next;
		if (next != GP_TS_DEAD)
			seg_begin(m, t, ts);
	}
}

static void thread_transition(struct gp_model *m, struct gp_thread *t, uint64_t ts,
			      enum gp_tstate next)
{
	thread_transition_ran(m, t, ts, next, RAN_UNKNOWN);
}

static struct gp_wake_pair *pair_get(struct gp_model *m, uint32_t waker, uint32_t wakee)
{
	struct gp_wake_pair *p = hashmap_get(&m->pair_by_key, waker, wakee);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p || hashmap_put(&m->pair_by_key, waker, wakee, p) ||
	    vec_push((void ***)&m->pairs, &m->npairs, &m->cappairs, p)) {
		hashmap_del(&m->pair_by_key, waker, wakee);
		free(p);
		m->oom = true;
		return NULL;
	}
	p->waker = waker;
	p->wakee = wakee;
	return p;
}

/* Counted, not searched for: a process whose threads die in the order they were born would
 * otherwise cost quadratic time (200000 threads: 70 s). */
static void process_thread_died(struct gp_process *p, uint64_t ts)
{
	if (p->nlive && --p->nlive)
		return;
	p->exited = true;
	p->end_ts = ts;
}

/* End a block: the thread is runnable from ts, and its waker is recorded. */
static void thread_woken(struct gp_model *m, struct gp_thread *t, uint64_t ts, uint32_t waker)
{
	bool futex = t->block_bucket == GP_B_FUTEX;
	uint64_t blocked = elapsed(m, t, ts);
	struct gp_wake_pair *p;

	if (timeline_last(&t->tl))
		timeline_last(&t->tl)->waker = waker;
	thread_transition(m, t, ts, GP_TS_RUNQ_WAKE);
	t->wakeups++;
	t->last_waker = waker;
	if (futex) {
		t->futex_waker = waker;
		t->w2r_lock = lock_get(m, t->tgid, t->futex_uaddr);
		t->w2r_ts = ts;
	}
	p = pair_get(m, waker, t->tid);
	if (!p)
		return;
	p->count++;
	p->futex_count += futex;
	p->blocked_ns += blocked;
}

/*
 * A switch-out of a thread we did not see switch in. The kernel occasionally reports a task
 * switching out that it never reported switching in (seen on 6.18 with sched_switch itself, about
 * once per thousand switches under contention), so this is not always a lost event. The runtime
 * counter says how long it ran since its last switch-out: it went on CPU that long ago.
 */
static uint64_t switch_in_recover(struct gp_model *m, struct gp_thread *t, uint64_t ts,
				  uint64_t runtime, uint32_t cpu)
{
	uint64_t ran = 0, span = ts > t->since ? ts - t->since : 0;

	/* an attached thread's snapshot may predate a switch-in that ran before its mark */
	if (!t->attach_unsure)
		m->anomalies[GP_AN_NO_SWITCH_IN]++;
	if (t->kcsw_known && runtime > t->kruntime)
		ran = runtime - t->kruntime;
	if (ran > span)
		ran = span;
	t->cpu = cpu;
	thread_transition(m, t, ts - ran, GP_TS_RUNNING);
	seg_settle(t);
	t->last_switch_in = ts - ran;
	return ts - ran;
}

static void on_switch_out(struct gp_model *m, const struct gp_ev_switch *e)
{
	struct gp_thread *t = thread_seen(m, e->h.tid, e->h.tgid, e->h.ts, GP_TS_RUNNING);
	bool voluntary;
	uint64_t ran;

	if (!t)
		return;
	t->offcpu_stack = 0; /* a stack reference for this switch-out follows it */
	set_comm(t->comm, e->prev_comm);
	if (t->attach_unsure && t->cpu < 0)
		t->cpu = e->h.cpu; /* it was on this CPU when it was attached to */
	if (t->state != GP_TS_RUNNING)
		switch_in_recover(m, t, e->h.ts, e->prev_runtime, e->h.cpu);
	t->attach_unsure = false;
	ran = t->kcsw_known && e->prev_runtime >= t->kruntime ? e->prev_runtime - t->kruntime
							      : RAN_UNKNOWN;
	/* The kernel bumped exactly one of its counters for this switch; trust that over our
	 * reading of preempt/prev_state, which cannot see a signal-interrupted block. */
	if (t->kcsw_known)
		voluntary = e->prev_nvcsw != t->knvcsw;
	else
		voluntary = !e->preempt && e->prev_state != GP_TASK_RUNNING;
	t->kcsw_known = true;
	t->knvcsw = e->prev_nvcsw;
	t->knivcsw = e->prev_nivcsw;
	t->kruntime = e->prev_runtime;
	if (voluntary)
		t->nvcsw++;
	else
		t->nivcsw++;

	if (e->prev_state & GP_TASK_DEAD) {
		thread_transition_ran(m, t, e->h.ts, GP_TS_DEAD, ran);
		t->dead = true;
		t->end_ts = e->h.ts;
		process_thread_died(t->proc, e->h.ts);
		return;
	}
	if (e->preempt || e->prev_state == GP_TASK_RUNNING) {
		thread_transition_ran(m, t, e->h.ts, GP_TS_RUNQ_PREEMPT, ran);
		return;
	}
	thread_transition_ran(m, t, e->h.ts, GP_TS_BLOCKED, ran);
	if (t->in_futex)
		t->block_bucket = GP_B_FUTEX;
	else if ((e->prev_state & GP_TASK_UNINTERRUPTIBLE) && !(e->prev_state & GP_TASK_NOLOAD))
		t->block_bucket = GP_B_DWAIT;
	else
		t->block_bucket = GP_B_SLEEP;
	seg_settle(t);
}

/*
 * An attached thread's first switch-in says what the snapshot could not: not on a CPU since the
 * attach (a runnable one found in R), or woken before its mark (a blocked one switching in with
 * no wakeup after it). Either way it has been waiting for a CPU since the attach.
 */
static void attach_settle(struct gp_thread *t)
{
	if (t->state == GP_TS_RUNNING || (t->state == GP_TS_BLOCKED && !t->wake_ts)) {
		t->state = GP_TS_RUNQ_WAKE;
		seg_settle(t);
	}
	t->attach_unsure = false;
}

static void on_switch_in(struct gp_model *m, const struct gp_ev_switch *e)
{
	struct gp_thread *t = thread_seen(m, e->next_tid, e->next_tgid, e->h.ts, GP_TS_RUNQ_WAKE);

	if (!t)
		return;
	set_comm(t->comm, e->next_comm);
	if (e->next_wake_ts > t->wake_ts) {
		t->wake_ts = e->next_wake_ts;
		t->waker = e->next_waker_tid;
	}
	t->early_waker_stack = 0;
	if (t->attach_unsure)
		attach_settle(t);
	/*
	 * The switch-in applies the task's last wakeup. sched_waking fires in try_to_wake_up()
	 * before the waker synchronises with the wakee's CPU, so a wakeup can come while the wakee
	 * still runs, just before its switch-out reports it blocked: one after its last switch-in
	 * ended the block as it began. One from before its last switch-in is an old one: this
	 * block's wakeup was lost.
	 */
	if (t->state == GP_TS_BLOCKED && t->wake_ts > t->last_switch_in)
		thread_woken(m, t, t->wake_ts > t->since ? t->wake_ts : t->since, t->waker);
	if (t->state == GP_TS_BLOCKED)
		m->anomalies[GP_AN_NO_WAKEUP]++;
	else if (t->state == GP_TS_RUNNING)
		m->anomalies[GP_AN_NO_SWITCH_IN]++; /* its switch-out elsewhere was lost */
	thread_transition(m, t, e->h.ts, GP_TS_RUNNING);
	t->last_switch_in = e->h.ts;
	if (t->w2r_lock) {
		if (e->h.ts >= t->w2r_ts &&
		    u64vec_push(&t->w2r_lock->wake_to_run, e->h.ts - t->w2r_ts))
			m->oom = true;
		t->w2r_lock = NULL;
	}
	if (t->cpu >= 0 && t->cpu != (int)e->h.cpu)
		t->migrations++;
	t->cpu = e->h.cpu;
	seg_settle(t);
}

/* A wakeup record: kept until the switch-in, which applies it (see on_switch_in). */
static void on_waking(struct gp_model *m, const struct gp_ev_waking *e)
{
	struct gp_thread *t = thread_seen(m, e->target_tid, e->target_tgid, e->h.ts, GP_TS_BLOCKED);

	if (t && e->h.ts >= t->wake_ts) {
		t->wake_ts = e->h.ts;
		t->waker = e->h.tid;
	}
}

static void on_fork(struct gp_model *m, const struct gp_ev_fork *e)
{
	struct gp_thread *t;
	struct gp_process *parent;

	parent = process_get(m, e->h.tgid, e->h.ts);
	t = thread_new(m, e->child_tid, e->child_tgid, e->h.ts, GP_TS_NEW);
	if (!t || !parent)
		return;
	set_comm(t->comm, e->child_comm);
	t->parent_tid = e->h.tid;
	/* a new task's switch counters and runtime start at zero */
	t->kcsw_known = true;
	if (e->child_tgid != e->h.tgid && t->proc->nthreads == 1) {
		t->proc->parent_tgid = e->h.tgid;
		set_comm(t->proc->comm, e->child_comm);
		memcpy(t->proc->exe, parent->exe, sizeof(parent->exe));
	}
}

static void on_exec(struct gp_model *m, const struct gp_ev_exec *e)
{
	struct gp_thread *t = model_thread(m, e->old_tid);
	struct gp_process *p;

	/* A non-leader thread that execs takes over the leader's tid (de_thread). */
	if (t && e->old_tid != e->h.tid) {
		struct gp_thread *leader = model_thread(m, e->h.tid);

		if (leader && !leader->dead) {
			thread_transition(m, leader, e->h.ts, GP_TS_DEAD);
			leader->dead = true;
			if (leader->proc->nlive) /* the process lives on in the execing thread */
				leader->proc->nlive--;
			leader->end_ts = e->h.ts;
		}
		hashmap_del(&m->thread_by_tid, e->old_tid, 0);
		t->tid = e->h.tid;
		if (hashmap_put(&m->thread_by_tid, t->tid, 0, t))
			m->oom = true;
	}
	t = thread_seen(m, e->h.tid, e->h.tgid, e->h.ts, GP_TS_RUNNING);
	p = process_get(m, e->h.tgid, e->h.ts);
	if (!t || !p)
		return;
	set_comm(t->comm, e->comm);
	set_comm(p->comm, e->comm);
	memcpy(p->exe, e->filename, sizeof(p->exe));
	p->exe[sizeof(p->exe) - 1] = 0;
	p->execs++;
	p->exec_ts = e->h.ts;
}

static void on_exit_ev(struct gp_model *m, const struct gp_ev_exit *e)
{
	struct gp_thread *t = thread_seen(m, e->h.tid, e->h.tgid, e->h.ts, GP_TS_RUNNING);

	if (!t)
		return;
	set_comm(t->comm, e->comm);
	if (e->group_dead || e->h.tid == e->h.tgid) {
		t->proc->exit_code = e->exit_code;
		t->proc->exit_code_known = true;
	}
	if (e->group_dead && e->maxrss_kb)
		t->proc->maxrss_kb = e->maxrss_kb;
}

/* CPU time so far, the current interval on CPU included. */
static uint64_t thread_oncpu(const struct gp_thread *t, uint64_t ts)
{
	return t->bucket[GP_B_RUNNING] + t->bucket[GP_B_SWITCHING] +
	       (t->state == GP_TS_RUNNING && ts > t->since ? ts - t->since : 0);
}

/* Woken from a wait on a word, a thread that waits on it again having done next to nothing was
 * woken in vain: typically it lost the lock to a thread that took it first. */
#define FUTILE_ONCPU_NS 50000

/* The thread is inside a futex wait on uaddr from ts. */
static struct gp_lock *futex_wait_start(struct gp_model *m, struct gp_thread *t, uint64_t ts,
					uint64_t uaddr, uint32_t op, uint32_t sys, uint32_t val)
{
	struct gp_lock *l = lock_get(m, t->tgid, uaddr);
	const struct gp_thread *joined = val ? model_thread(m, val) : NULL;

	if (l)
		lock_wait_begin(l, ts);
	t->futex_join = joined && joined->tgid == t->tgid && joined != t && !joined->dead;
	t->futex_val = val;
	if (l && t->futex_join)
		l->join_waits++;
	t->in_futex = true;
	t->futex_uaddr = uaddr;
	t->futex_op = op;
	t->futex_sys = sys;
	t->futex_enter_ts = ts;
	t->futex_waker = 0;
	t->futex_stack = 0;
	t->futex_waker_stack = 0;
	/* futex_waitv's word is not known to the waker's side (0) */
	if (t->early_waker_stack && (t->early_waker_uaddr == uaddr || !t->early_waker_uaddr))
		t->futex_waker_stack = t->early_waker_stack;
	t->early_waker_stack = 0;
	return l;
}

static void on_futex_enter(struct gp_model *m, const struct gp_ev_futex_enter *e)
{
	struct gp_thread *t = thread_seen(m, e->h.tid, e->h.tgid, e->h.ts, GP_TS_RUNNING);
	struct gp_lock *l;

	if (!t)
		return;
	l = futex_wait_start(m, t, e->h.ts, e->uaddr, e->op, e->sys, e->val);
	if (l && t->woke && t->woke_uaddr == e->uaddr &&
	    thread_oncpu(t, e->h.ts) - t->woke_oncpu < FUTILE_ONCPU_NS)
		l->futile++;
	t->woke = false;
}

static void attach_process(struct gp_process *p, const struct gp_ev_attach *e)
{
	p->attached = true;
	if (e->h.tid == e->h.tgid)
		set_comm(p->comm, e->comm);
	if (!p->exe[0]) {
		memcpy(p->exe, e->exe, sizeof(p->exe));
		p->exe[sizeof(p->exe) - 1] = 0;
	}
}

/* Threads are attached to one by one: one found joining a thread attached after it. */
static void attach_joins(struct gp_model *m, const struct gp_thread *t)
{
	for (size_t i = 0; i < t->proc->nthreads; i++) {
		struct gp_thread *w = t->proc->threads[i];
		struct gp_lock *l;

		if (w == t || w->dead || !w->in_futex || w->futex_join || w->futex_val != t->tid)
			continue;
		w->futex_join = true;
		l = model_lock(m, w->tgid, w->futex_uaddr);
		if (l)
			l->join_waits++;
	}
}

/*
 * A thread that was running before tracing began, as found when it was marked: its life is
 * counted from here, and a futex wait it was blocked in counts from here too.
 */
static void on_attach(struct gp_model *m, const struct gp_ev_attach *e)
{
	bool runnable = e->state == GP_AS_RUNNABLE;
	struct gp_thread *t = model_thread(m, e->h.tid);
	struct gp_lock *l;

	if (t && !t->dead)
		return; /* forked since tracing began: followed from its start */
	t = thread_new(m, e->h.tid, e->h.tgid, e->h.ts, runnable ? GP_TS_RUNNING : GP_TS_BLOCKED);
	if (!t)
		return;
	t->attached = t->attach_unsure = true;
	attach_joins(m, t);
	if (timeline_last(&t->tl))
		timeline_last(&t->tl)->flags |= GP_SEG_AT_ATTACH;
	t->attach_k[0] = e->nvcsw;
	t->attach_k[1] = e->nivcsw;
	t->attach_k[2] = e->runtime;
	set_comm(t->comm, e->comm);
	attach_process(t->proc, e);
	if (runnable)
		return;
	t->block_bucket = e->in_futex		   ? GP_B_FUTEX
			  : e->state == GP_AS_DISK ? GP_B_DWAIT
						   : GP_B_SLEEP;
	if (e->in_futex) {
		l = futex_wait_start(m, t, e->h.ts, e->futex_uaddr, e->futex_op, e->futex_sys,
				     e->futex_val);
		if (l)
			l->at_attach++;
	}
	seg_settle(t);
}

/* A stack belongs to the futex wait its task (or, for a waker, its target) is in, or to the
 * block its task just switched out into. */
static void on_stackref(struct gp_model *m, const struct gp_ev_stackref *e)
{
	uint32_t tid = e->kind == GP_STK_WAKER ? e->target_tid : e->h.tid;
	struct gp_thread *t = model_thread(m, tid);

	if (t && e->kind == GP_STK_SAMPLE) {
		prof_add(m, t, GP_PK_CPU, e->stack_id + 1, 1);
		return;
	}
	if (t && e->kind == GP_STK_OFFCPU) {
		if (t->state == GP_TS_BLOCKED || t->state == GP_TS_RUNQ_PREEMPT)
			t->offcpu_stack = e->stack_id + 1;
		return;
	}

	/* the waker can run before the waiter's switch-out reports the wait (bpf on_waking) */
	if (t && !t->in_futex && e->kind == GP_STK_WAKER) {
		t->early_waker_stack = e->stack_id + 1;
		t->early_waker_uaddr = e->uaddr;
		return;
	}
	if (!t || !t->in_futex || t->futex_uaddr != e->uaddr)
		return;
	if (e->kind == GP_STK_FUTEX_WAIT) {
		t->futex_stack = e->stack_id + 1;
		/* taken at the switch-out that blocked: it is also where the thread sleeps */
		if (t->state == GP_TS_BLOCKED)
			t->offcpu_stack = e->stack_id + 1;
	} else if (e->kind == GP_STK_WAKER)
		t->futex_waker_stack = e->stack_id + 1;
}

/* What ended a wait: the thread that woke it, or why there was none. */
static uint32_t futex_ender(const struct gp_thread *t, int64_t ret)
{
	switch (futex_outcome(ret)) {
	case GP_WO_TIMEOUT:
		return GP_WAKER_TIMEOUT; /* the timer's wakeup runs in whatever task it interrupts */
	case GP_WO_INTR:
		return GP_WAKER_SIGNAL;
	case GP_WO_WOKEN:
		/* the outcome is known (it returned 0), its waker not (a switch-in the kernel did
		 * not report carried it): an ender of its own, so that enders add up to outcomes */
		return t->futex_waker ? t->futex_waker : GP_WAKER_UNKNOWN;
	case GP_WO_UNSEEN:
		return GP_WAKER_UNSEEN;
	case GP_WO_ONGOING:
		return GP_WAKER_ONGOING;
	default:
		return GP_WAKER_NONE;
	}
}

/* The lock view (waiter stack, the word as leaf) and the wake view (joined to the waker). */
static void prof_add_wait(struct gp_model *m, const struct gp_thread *t,
			  const struct gp_wait_end *w)
{
	struct gp_prof_cell key = {.tid = t->tid,
				   .kind = GP_PK_LOCKWAIT,
				   .stack = w->wait_stack,
				   .uaddr = t->futex_uaddr,
				   .op = t->futex_sys << 16 | (t->futex_op & 0xffff)};
	uint64_t dur = w->ts > w->enter_ts ? w->ts - w->enter_ts : 0;

	if (!dur)
		return;
	if (stackprof_add(&m->prof, &key, dur))
		m->oom = true;
	if (!waker_is_task(w->waker) || !w->waker_stack)
		return;
	key.kind = GP_PK_WAKE;
	key.stack2 = w->waker_stack;
	if (stackprof_add(&m->prof, &key, dur))
		m->oom = true;
}

/* The thread's wait ends at ts with ret (a futex return, or the model's GP_FUTEX_RET_*). */
static void futex_wait_end(struct gp_model *m, struct gp_thread *t, uint64_t ts, int64_t ret)
{
	struct gp_wait_end w;
	struct gp_lock *l;

	t->in_futex = false;
	/* set by on_gil only for a wait on its process's GIL */
	if (t->gil_holder &&
	    gilmem_wait_end(t->proc->gil, t->tid, t->gil_holder, t->futex_enter_ts, ts))
		m->oom = true;
	if (t->proc->gil && gilmem_word(t->proc->gil, t->futex_uaddr) &&
	    futex_outcome(ret) == GP_WO_WOKEN && waker_is_task(t->futex_waker) &&
	    gilmem_woken(t->proc->gil, t->tid, t->futex_waker, ts))
		m->oom = true;
	t->gil_holder = 0;
	l = lock_get(m, t->tgid, t->futex_uaddr);
	if (!l)
		return;
	w.tid = t->tid;
	w.enter_ts = t->futex_enter_ts;
	w.ts = ts;
	w.ret = ret;
	w.waker = futex_ender(t, ret);
	if (t->futex_seg < t->tl.n && t->tl.v[t->futex_seg].uaddr == t->futex_uaddr &&
	    !waker_is_task(w.waker))
		t->tl.v[t->futex_seg].waker = w.waker;
	w.wait_stack = t->futex_stack;
	w.waker_stack = t->futex_waker_stack;
	if (lock_wait_end(l, &w))
		m->oom = true;
	prof_add_wait(m, t, &w);
	t->woke = futex_outcome(ret) == GP_WO_WOKEN;
	t->woke_uaddr = t->futex_uaddr;
	t->woke_oncpu = thread_oncpu(t, ts);
}

static void on_futex_exit(struct gp_model *m, const struct gp_ev_futex_exit *e)
{
	struct gp_thread *t = model_thread(m, e->h.tid);
	uint64_t ts = e->h.ts;

	if (!t || !t->in_futex) {
		m->anomalies[GP_AN_FUTEX_NO_ENTER]++;
		return;
	}
	/* Sent late, at the switch-out after a switch-in the kernel did not report: that switch-in
	 * ended the wait, and the runtime dates it. */
	if (e->late_runtime && t->state != GP_TS_RUNNING)
		ts = switch_in_recover(m, t, ts, e->late_runtime, e->h.cpu);
	futex_wait_end(m, t, ts, e->ret);
}

/*
 * The interpreter's GIL as a thread of its process switches out. Its holder is believed only as
 * a thread of the same process: the value is the traced program's memory.
 */
static void on_gil(struct gp_model *m, const struct gp_ev_gil *e)
{
	struct gp_thread *t = model_thread(m, e->h.tid), *h;
	struct gp_process *p = t ? t->proc : NULL;
	uint32_t holder = 0;

	if (!p)
		return;
	if (!p->gil) {
		p->gil = calloc(1, sizeof(*p->gil));
		if (!p->gil) {
			m->oom = true;
			return;
		}
	}
	h = e->holder_tid ? model_thread(m, e->holder_tid) : NULL;
	if (h && h->tgid == t->tgid)
		holder = h->tid;
	if (gilmem_sample(p->gil, e, holder, holder ? h->last_switch_in : 0))
		m->oom = true;
	/* the wait it begins on the GIL's words (its enter came just before): who holds it */
	t->gil_holder = 0;
	if (t->in_futex && e->locked == 1 && holder != t->tid &&
	    gilmem_word(p->gil, t->futex_uaddr))
		t->gil_holder = holder;
}

int model_feed(struct gp_model *m, const union gp_event *e)
{
	uint32_t type = e->h.type;

	if (!m->events && !m->window)
		m->first_ts = e->h.ts;
	if (e->h.ts > m->last_ts)
		m->last_ts = e->h.ts;
	m->events++;
	if (type < GP_EV_TYPE_MAX)
		m->events_by_type[type]++;
	switch (type) {
	case GP_EV_SWITCH:
		if (e->sw.prev_traced)
			on_switch_out(m, &e->sw);
		if (e->sw.next_traced)
			on_switch_in(m, &e->sw);
		break;
	case GP_EV_WAKING:
	case GP_EV_WAKEUP_NEW:
		on_waking(m, &e->wk);
		break;
	case GP_EV_FORK:
		on_fork(m, &e->fork);
		break;
	case GP_EV_EXEC:
		on_exec(m, &e->exec);
		break;
	case GP_EV_EXIT:
		on_exit_ev(m, &e->exit);
		break;
	case GP_EV_GIL:
		on_gil(m, &e->gil);
		break;
	case GP_EV_FUTEX_ENTER:
		on_futex_enter(m, &e->fenter);
		break;
	case GP_EV_FUTEX_EXIT:
		on_futex_exit(m, &e->fexit);
		break;
	case GP_EV_STACKREF:
		on_stackref(m, &e->sref);
		break;
	case GP_EV_ATTACH:
		on_attach(m, &e->attach);
		break;
	}
	return m->oom ? -ENOMEM : 0;
}

/* For gilmem_close: holders are tids of the process's threads (on_gil checks them). */
static uint64_t thread_end_of(void *ctx, uint32_t tid)
{
	const struct gp_thread *t = model_thread(ctx, tid);

	return t ? t->end_ts : 0;
}

void model_finish(struct gp_model *m, uint64_t end_ts)
{
	size_t i;

	if (end_ts < m->last_ts)
		end_ts = m->last_ts;
	m->end_ts = end_ts;
	for (i = 0; i < m->nthreads; i++) {
		struct gp_thread *t = m->threads[i];

		if (t->dead)
			continue;
		thread_transition(m, t, end_ts, t->state);
		t->end_ts = end_ts;
		/* the time blocked in it is in the futex bucket: the lock's figures include it */
		if (t->in_futex)
			futex_wait_end(m, t, end_ts, GP_FUTEX_RET_ONGOING);
	}
	for (i = 0; i < m->nprocs; i++) {
		struct gp_process *p = m->procs[i];

		if (!p->exited)
			p->end_ts = end_ts;
		if (p->gil && gilmem_close(p->gil, thread_end_of, m))
			m->oom = true;
	}
}

uint64_t lock_percentile(struct gp_lock *l, double pct)
{
	return u64vec_percentile(&l->durations, pct);
}

/* The process of a carried thread, as it was: its name and origin, not what it did. */
static void carry_process(struct gp_process *dst, const struct gp_process *src)
{
	dst->parent_tgid = src->parent_tgid;
	memcpy(dst->comm, src->comm, sizeof(dst->comm));
	memcpy(dst->exe, src->exe, sizeof(dst->exe));
	dst->attached = true;
	dst->exit_code_known = src->exit_code_known;
	dst->exit_code = src->exit_code;
}

/*
 * A live thread of the window that ends at ts, as the next window starts it: in the same state,
 * with what its next events are read against (the kernel's counters, its pending wakeup, the
 * futex wait it is in, timed from ts as a wait found at an attach is).
 */
static void carry_thread(struct gp_model *n, const struct gp_thread *t, uint64_t ts)
{
	struct gp_thread *c = thread_new(n, t->tid, t->tgid, ts, t->state);
	struct gp_lock *l;

	if (!c)
		return;
	if (c->proc->nthreads == 1)
		carry_process(c->proc, t->proc);
	c->parent_tid = t->parent_tid;
	memcpy(c->comm, t->comm, sizeof(c->comm));
	c->attached = true;
	c->attach_unsure = t->attach_unsure;
	c->block_bucket = t->block_bucket;
	c->last_switch_in = t->last_switch_in;
	c->wait_bucket = t->wait_bucket;
	c->cpu = t->cpu;
	c->kcsw_known = t->kcsw_known;
	c->knvcsw = t->knvcsw;
	c->knivcsw = t->knivcsw;
	c->kruntime = t->kruntime;
	c->attach_k[0] = t->knvcsw;
	c->attach_k[1] = t->knivcsw;
	c->attach_k[2] = t->kruntime;
	c->early_waker_stack = t->early_waker_stack;
	c->early_waker_uaddr = t->early_waker_uaddr;
	c->offcpu_stack = t->offcpu_stack;
	c->woke = t->woke;
	c->woke_uaddr = t->woke_uaddr;
	/* the CPU time since that wakeup, counted against this window's buckets (mod 2^64) */
	c->woke_oncpu = t->woke_oncpu - thread_oncpu(t, ts);
	c->last_waker = t->last_waker;
	c->wake_ts = t->wake_ts;
	c->waker = t->waker;
	if (t->w2r_lock) {
		c->w2r_lock = lock_get(n, t->w2r_lock->tgid, t->w2r_lock->uaddr);
		c->w2r_ts = t->w2r_ts;
	}
	if (t->in_futex) {
		l = futex_wait_start(n, c, ts, t->futex_uaddr, t->futex_op, t->futex_sys, 0);
		c->futex_join = t->futex_join;
		c->futex_val = t->futex_val;
		if (l)
			l->at_attach++;
		if (l && c->futex_join)
			l->join_waits++;
		c->futex_waker = t->futex_waker;
		c->futex_stack = t->futex_stack;
		c->futex_waker_stack = t->futex_waker_stack;
	}
	seg_settle(c);
	if (timeline_last(&c->tl))
		timeline_last(&c->tl)->flags |= GP_SEG_AT_ATTACH;
}

struct gp_model *model_split(struct gp_model *m, uint64_t ts)
{
	struct gp_model *n = model_new(m->ncpus);
	size_t i;

	if (!n)
		return NULL;
	if (ts < m->last_ts)
		ts = m->last_ts;
	n->timelines = m->timelines;
	n->window = true;
	n->first_ts = n->last_ts = ts;
	for (i = 0; i < m->nthreads; i++)
		if (!m->threads[i]->dead)
			carry_thread(n, m->threads[i], ts);
	model_finish(m, ts);
	if (n->oom) {
		model_free(n);
		return NULL;
	}
	return n;
}

size_t model_forget_process(struct gp_model *m, uint32_t tgid, uint64_t ts)
{
	struct gp_process *p = model_process(m, tgid);
	size_t i, n = 0;

	if (!p)
		return 0;
	if (ts < m->last_ts)
		ts = m->last_ts;
	for (i = 0; i < p->nthreads; i++) {
		struct gp_thread *t = p->threads[i];

		if (t->dead)
			continue;
		if (t->in_futex)
			futex_wait_end(m, t, ts, GP_FUTEX_RET_UNSEEN);
		thread_transition(m, t, ts, GP_TS_DEAD);
		t->dead = true;
		t->end_ts = ts;
		process_thread_died(p, ts);
		n++;
	}
	return n;
}
