// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/whatif.h"
#include "model/lockstat.h"
#include "util/hashmap.h"
#include "util/vec.h"

enum item_kind { IT_CPU, IT_WAIT };

/* Where a thread is in its sequence: item k, off ns of CPU into it. */
struct marker {
	long thread; /* index into the replay's threads; -1: none (a fixed length or start) */
	size_t k;
	uint64_t off;
};

struct item {
	enum item_kind kind;
	uint64_t len; /* CPU: work; a fixed wait: its length */
	uint64_t orig; /* its start in the recording */
	struct marker dep; /* a wait that ends when another thread gets there */
};

enum rstate { RS_NEW, RS_RUN, RS_WAIT, RS_DONE };

struct rthread {
	const struct gp_thread *t;
	struct item *v;
	size_t n, cap;
	struct marker start; /* forked by a traced thread: when it gets there */
	uint64_t start_at; /* else from the trace's start */
	/* replay state */
	enum rstate st;
	size_t cur;
	double done, until; /* CPU done in the current item; a fixed wait's end */
};

struct replay {
	struct rthread *th;
	size_t n;
	struct gp_hashmap by_tid; /* tid -> index + 1 (a reused tid: its last thread) */
	uint64_t t0;
	const struct gp_whatif_lock *lock; /* removed, or NULL */
	uint64_t removed_ns, forced;
};

static uint64_t seg_end(const struct gp_thread *t, size_t i)
{
	return i + 1 < t->tl.n ? t->tl.v[i + 1].ts : t->end_ts;
}

/* The first span of tid's in the lock, or n. */
static size_t spans_of(const struct gp_whatif_lock *l, uint32_t tid)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l->spans[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is segment s, starting at ts, inside one of the thread's removed spans (from *k on)? */
static bool seg_removed(const struct gp_whatif_lock *l, uint32_t tid, size_t *k, uint64_t ts)
{
	while (*k < l->n && l->spans[*k].tid == tid && l->spans[*k].end <= ts)
		(*k)++;
	return *k < l->n && l->spans[*k].tid == tid && l->spans[*k].start <= ts;
}

static long thread_index(const struct replay *r, uint32_t tid)
{
	if (!waker_is_task(tid))
		return -1;
	return (long)(uintptr_t)hashmap_get(&r->by_tid, tid, 0) - 1;
}

static int item_push(struct rthread *rt, enum item_kind kind, uint64_t len, uint64_t orig)
{
	if (vec_reserve((void **)&rt->v, &rt->cap, rt->n, sizeof(*rt->v), 32))
		return -ENOMEM;
	rt->v[rt->n++] = (struct item){.kind = kind, .len = len, .orig = orig, .dep.thread = -1};
	return 0;
}

/*
 * A thread's items: its runs as CPU work, its blocks as waits. Run-queue time after a preemption
 * is the replay's to make from the CPUs' capacity; after a wakeup it stays as recorded, a fixed
 * delay: a woken thread often waits behind its waker on the waker's CPU while another is free,
 * which capacity does not tell (a hot mutex's convoy is mostly that). The removed lock's waits go,
 * the latencies inside them with them; so does a last block that only the end of tracing ended.
 */
static int items_build(struct replay *r, struct rthread *rt)
{
	const struct gp_thread *t = rt->t;
	size_t i, k = r->lock ? spans_of(r->lock, t->tid) : 0;
	int err = 0;

	for (i = 0; i < t->tl.n && !err; i++) {
		const struct gp_seg *s = &t->tl.v[i];
		uint64_t len = seg_end(t, i) - s->ts;

		if (r->lock && seg_removed(r->lock, t->tid, &k, s->ts))
			r->removed_ns += len;
		else if (s->bucket == GP_B_RUNNING || s->bucket == GP_B_SWITCHING)
			err = item_push(rt, IT_CPU, len, s->ts);
		else if (s->bucket == GP_B_RUNQ_WAKE && i > 0)
			err = item_push(rt, IT_WAIT, len, s->ts);
		else if (s->bucket == GP_B_RUNQ_WAKE || s->bucket == GP_B_RUNQ_PREEMPT)
			continue;
		else if (i + 1 < t->tl.n || waker_is_task(s->waker))
			err = item_push(rt, IT_WAIT, len, s->ts);
	}
	return err;
}

/* Where thread w was in its items at recorded time ts. */
static struct marker marker_at(const struct replay *r, long w, uint64_t ts)
{
	const struct rthread *rt = &r->th[w];
	size_t lo = 0, hi = rt->n;
	struct marker mk = {.thread = w};

	while (lo < hi) { /* the first item starting after ts */
		size_t mid = (lo + hi) / 2;

		if (rt->v[mid].orig <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	mk.k = lo;
	if (lo > 0 && rt->v[lo - 1].kind == IT_CPU && ts - rt->v[lo - 1].orig < rt->v[lo - 1].len) {
		mk.k = lo - 1;
		mk.off = ts - rt->v[lo - 1].orig;
	}
	return mk;
}

/* Waits another traced thread ended become dependencies on its progress. */
static void deps_link(struct replay *r, struct rthread *rt)
{
	const struct gp_thread *t = rt->t;
	size_t i, k = 0;

	for (i = 0; i < t->tl.n; i++) {
		const struct gp_seg *s = &t->tl.v[i];
		long w;

		while (k < rt->n && rt->v[k].orig < s->ts)
			k++;
		if (k == rt->n || rt->v[k].orig != s->ts || rt->v[k].kind != IT_WAIT ||
		    s->bucket == GP_B_RUNQ_WAKE)
			continue;
		w = thread_index(r, s->waker);
		if (w >= 0 && &r->th[w] != rt)
			rt->v[k].dep = marker_at(r, w, seg_end(t, i));
	}
	if (t->parent_tid && (rt->start.thread = thread_index(r, t->parent_tid)) >= 0)
		rt->start = marker_at(r, rt->start.thread, t->start_ts);
	rt->start_at = t->start_ts > r->t0 ? t->start_ts - r->t0 : 0;
}

static bool reached(const struct replay *r, const struct marker *mk)
{
	const struct rthread *w = &r->th[mk->thread];

	return w->st == RS_DONE || w->cur > mk->k ||
	       (w->cur == mk->k && w->st != RS_NEW &&
		(w->v[w->cur].kind != IT_CPU || w->done + 0.5 >= (double)mk->off));
}

/* Move to item k (or the end): a CPU item runs, a wait waits. */
static void item_enter(struct rthread *rt, size_t k, double now)
{
	rt->cur = k;
	rt->done = 0;
	if (k >= rt->n) {
		rt->st = RS_DONE;
		rt->until = now;
		return;
	}
	rt->st = rt->v[k].kind == IT_CPU ? RS_RUN : RS_WAIT;
	rt->until = now + (double)rt->v[k].len;
}

/* Start what may start and end the waits whose time or dependency came; true if any did. */
static bool replay_settle(struct replay *r, double now)
{
	bool any = false;
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct rthread *rt = &r->th[i];
		bool go = false;

		if (rt->st == RS_NEW)
			go = rt->start.thread >= 0 ? reached(r, &rt->start)
						   : now + 0.5 >= (double)rt->start_at;
		else if (rt->st == RS_WAIT)
			go = rt->v[rt->cur].dep.thread >= 0 ? reached(r, &rt->v[rt->cur].dep)
							    : now + 0.5 >= rt->until;
		if (go) {
			item_enter(rt, rt->st == RS_NEW ? 0 : rt->cur + 1, now);
			any = true;
		}
	}
	return any;
}

/* Time until a marker on a running thread is reached, at that thread's rate. */
static double marker_eta(const struct replay *r, const struct marker *mk, double rate)
{
	const struct rthread *w = &r->th[mk->thread];

	if (w->st != RS_RUN || w->cur != mk->k || w->done >= (double)mk->off)
		return INFINITY;
	return ((double)mk->off - w->done) / rate;
}

static double next_event(const struct replay *r, double now, double rate)
{
	double dt = INFINITY;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct rthread *rt = &r->th[i];
		const struct marker *mk = NULL;

		if (rt->st == RS_RUN)
			dt = fmin(dt, ((double)rt->v[rt->cur].len - rt->done) / rate);
		else if (rt->st == RS_NEW)
			mk = &rt->start;
		else if (rt->st == RS_WAIT)
			mk = &rt->v[rt->cur].dep;
		if (!mk)
			continue;
		if (mk->thread >= 0)
			dt = fmin(dt, marker_eta(r, mk, rate));
		else
			dt = fmin(dt, (rt->st == RS_NEW ? (double)rt->start_at : rt->until) - now);
	}
	return dt;
}

/* Nothing can move: a dependency the replay cannot honour (a cycle); release the oldest. */
static void replay_force(struct replay *r, double now)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct rthread *rt = &r->th[i];

		if (rt->st == RS_WAIT || rt->st == RS_NEW) {
			item_enter(rt, rt->st == RS_NEW ? 0 : rt->cur + 1, now);
			r->forced++;
			return;
		}
	}
}

static double replay_run(struct replay *r, double capacity)
{
	double now = 0, end = 0, dt, rate;
	size_t i, running, left = r->n;

	while (left) {
		while (replay_settle(r, now))
			;
		for (i = 0, running = 0, left = 0; i < r->n; i++) {
			running += r->th[i].st == RS_RUN;
			left += r->th[i].st != RS_DONE;
		}
		if (!left)
			break;
		rate = running ? fmin(1.0, capacity / running) : 1.0;
		dt = next_event(r, now, rate);
		if (!isfinite(dt)) {
			replay_force(r, now);
			continue;
		}
		dt = fmax(dt, 0);
		now += dt;
		for (i = 0; i < r->n; i++) {
			struct rthread *rt = &r->th[i];

			if (rt->st == RS_RUN && (rt->done += dt * rate) + 0.5 >= rt->v[rt->cur].len)
				item_enter(rt, rt->cur + 1, now);
		}
	}
	for (i = 0; i < r->n; i++)
		end = fmax(end, r->th[i].until);
	return end;
}

static void replay_free(struct replay *r)
{
	size_t i;

	for (i = 0; r->th && i < r->n; i++)
		free(r->th[i].v);
	free(r->th);
	hashmap_free(&r->by_tid);
}

/* One replay of m, without lock's waits when lock is not NULL: its length in ns. */
static int replay_once(const struct gp_model *m, double capacity, const struct gp_whatif_lock *lock,
		       uint64_t *len, struct gp_whatif *w)
{
	struct replay r = {.lock = lock, .n = m->nthreads, .t0 = m->first_ts};
	size_t i;
	int err = 0;

	hashmap_init(&r.by_tid);
	r.th = calloc(m->nthreads ? m->nthreads : 1, sizeof(*r.th));
	if (!r.th)
		return -ENOMEM;
	for (i = 0; i < r.n && !err; i++) {
		r.th[i].t = m->threads[i];
		r.th[i].start.thread = -1;
		err = hashmap_put(&r.by_tid, m->threads[i]->tid, 0, (void *)(uintptr_t)(i + 1));
	}
	for (i = 0; i < r.n && !err; i++)
		err = items_build(&r, &r.th[i]);
	for (i = 0; i < r.n && !err; i++)
		deps_link(&r, &r.th[i]);
	if (!err) {
		*len = (uint64_t)llround(replay_run(&r, capacity));
		w->forced += r.forced;
		if (lock)
			w->removed_ns = r.removed_ns;
	}
	replay_free(&r);
	return err;
}

int whatif_run(const struct gp_model *m, double capacity, const struct gp_whatif_lock *lock,
	       struct gp_whatif *w)
{
	size_t i;
	int err;

	memset(w, 0, sizeof(*w));
	w->capacity = capacity > 0 ? capacity : 1;
	for (i = 0; i < m->nthreads && !m->threads[i]->tl.n; i++)
		;
	if (!m->nthreads || i == m->nthreads)
		return -ENODATA;
	err = replay_once(m, w->capacity, NULL, &w->base_ns, w);
	if (!err && lock)
		err = replay_once(m, w->capacity, lock, &w->without_ns, w);
	if (!err && !lock)
		w->without_ns = w->base_ns;
	w->speedup = w->without_ns ? (double)w->base_ns / w->without_ns : 1;
	return err;
}
