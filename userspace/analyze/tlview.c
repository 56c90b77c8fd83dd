// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/tlview.h"
#include "util/vec.h"

static const char *const state_names[GP_TL_STATES] = {
	[GP_TL_RUN] = "running",
	[GP_TL_RUNQ_WAKE] = "run queue (woken)",
	[GP_TL_RUNQ_PREEMPT] = "run queue (preempted)",
	[GP_TL_LOCK] = "lock wait",
	[GP_TL_SLEEP] = "sleep",
	[GP_TL_DWAIT] = "D (blocked)",
};

/* The lock wait colour is for a word no object holds; objects have the palette below. */
static const uint32_t state_rgb[GP_TL_STATES] = {
	[GP_TL_RUN] = 0x2ca02c,	 [GP_TL_RUNQ_WAKE] = 0xffd23f, [GP_TL_RUNQ_PREEMPT] = 0xff8c1a,
	[GP_TL_LOCK] = 0xc0392b, [GP_TL_SLEEP] = 0xaec7e8,     [GP_TL_DWAIT] = 0x5c5c8a,
};

/* Lock colours: none of them green, yellow, orange or light blue, the colours of the states. */
static const uint32_t lock_rgb[] = {
	0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x17becf, 0x4b0082,
	0x7f7f7f, 0x1f3a93, 0xff1493, 0x800000, 0x2f4f4f, 0x008080,
};

#define NLOCK_RGB (sizeof(lock_rgb) / sizeof(lock_rgb[0]))

const char *tlview_state_name(enum gp_tl_state s)
{
	return s < GP_TL_STATES ? state_names[s] : "?";
}

uint32_t tlview_state_rgb(enum gp_tl_state s)
{
	return s < GP_TL_STATES ? state_rgb[s] : 0;
}

static enum gp_tl_state tlview_bucket_state(unsigned bucket)
{
	switch (bucket) {
	case GP_B_RUNQ_WAKE:
		return GP_TL_RUNQ_WAKE;
	case GP_B_RUNQ_PREEMPT:
		return GP_TL_RUNQ_PREEMPT;
	case GP_B_FUTEX:
		return GP_TL_LOCK;
	case GP_B_SLEEP:
		return GP_TL_SLEEP;
	case GP_B_DWAIT:
		return GP_TL_DWAIT;
	default:
		return GP_TL_RUN;
	}
}

long tlview_lane(const struct gp_tlview *v, uint32_t tid)
{
	return (long)(uintptr_t)hashmap_get(&v->lane_by_tid, tid, 0) - 1;
}

void tlview_seg(const struct gp_tlview *v, size_t lane, size_t k, struct gp_tl_seg *s)
{
	const struct gp_thread *t = v->lanes[lane];
	const struct gp_seg *g = &t->tl.v[k];
	long w;

	*s = (struct gp_tl_seg){
		.start = g->ts,
		.end = k + 1 < t->tl.n ? t->tl.v[k + 1].ts : t->end_ts,
		.state = tlview_bucket_state(g->bucket),
		.cpu = g->cpu,
		.word = -1,
		.lock = -1,
		.waker = g->waker,
		.waker_lane = -1,
		.at_attach = g->flags & GP_SEG_AT_ATTACH,
	};
	if (s->end < s->start)
		s->end = s->start;
	if (s->state == GP_TL_LOCK) {
		s->uaddr = g->uaddr;
		w = (long)(uintptr_t)hashmap_get(&v->word_by_key, t->tgid, g->uaddr) - 1;
		s->word = w;
		s->lock = w < 0 ? -1 : (long)v->words[w].lock;
	}
	if (tlview_state_blocked(s->state) && waker_is_task(s->waker) && s->waker != t->tid)
		s->waker_lane = tlview_lane(v, s->waker);
}

static int tlview_lanes(const struct gp_model *m, struct gp_tlview *v)
{
	size_t i, k;

	v->lanes = calloc(m->nthreads ? m->nthreads : 1, sizeof(*v->lanes));
	if (!v->lanes)
		return -ENOMEM;
	for (i = 0; i < m->nprocs; i++) {
		for (k = 0; k < m->procs[i]->nthreads && v->nlanes < m->nthreads; k++) {
			const struct gp_thread *t = m->procs[i]->threads[k];

			v->lanes[v->nlanes++] = t;
			if (hashmap_put(&v->lane_by_tid, t->tid, 0, (void *)(uintptr_t)v->nlanes))
				return -ENOMEM;
		}
	}
	return 0;
}

/* An object of one word is named as the text report names it: as its word, call site and all. */
static int tlview_locks(const struct gp_report *r, struct gp_tlview *v)
{
	const struct gp_lock_objs *o = &r->objs;
	size_t i, k, nw = 0, capw = 0;

	v->locks = calloc(o->n ? o->n : 1, sizeof(*v->locks));
	if (!v->locks)
		return -ENOMEM;
	for (i = 0; i < o->n; i++) {
		struct gp_tl_lock *l = &v->locks[v->nlocks++];

		l->tgid = o->v[i].tgid;
		l->obj = &o->v[i];
		l->join = o->v[i].join;
		l->rgb = lock_rgb[i % NLOCK_RGB];
		if (o->v[i].nwords == 1)
			report_lock_name(r, o->v[i].words[0], l->name, sizeof(l->name));
		else
			snprintf(l->name, sizeof(l->name), "%s", o->v[i].name);
		for (k = 0; k < o->v[i].nwords; k++) {
			const struct gp_lock *w = o->v[i].words[k];

			if (vec_reserve((void **)&v->words, &capw, nw, sizeof(*v->words), 16))
				return -ENOMEM;
			v->words[nw] =
				(struct gp_tl_word){.tgid = w->tgid, .uaddr = w->uaddr, .lock = i};
			report_lock_name(r, w, v->words[nw].name, sizeof(v->words[nw].name));
			v->nwords = ++nw;
			if (hashmap_put(&v->word_by_key, w->tgid, w->uaddr, (void *)(uintptr_t)nw))
				return -ENOMEM;
		}
	}
	return 0;
}

static int tlview_run_push(struct gp_tl_cpu *c, uint64_t start, uint64_t end, uint32_t lane)
{
	if (vec_reserve((void **)&c->v, &c->cap, c->n, sizeof(*c->v), 256))
		return -ENOMEM;
	c->v[c->n++] = (struct gp_tl_run){start, end, lane};
	return 0;
}

static int tlview_run_cmp(const void *a, const void *b)
{
	const struct gp_tl_run *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->lane < y->lane ? -1 : x->lane > y->lane;
}

/*
 * Two threads on one CPU at once are a switch the kernel did not report: the later switch-in is
 * the evidence, so the earlier run ends there.
 */
static void tlview_cpu_settle(struct gp_tl_cpu *c)
{
	size_t i, n = 0;

	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), tlview_run_cmp);
	for (i = 0; i < c->n; i++) {
		if (n && c->v[n - 1].end > c->v[i].start)
			c->v[n - 1].end = c->v[i].start;
		if (n && c->v[n - 1].end == c->v[n - 1].start)
			n--;
		c->v[n++] = c->v[i];
	}
	c->n = n;
}

static int tlview_cpus(struct gp_tlview *v)
{
	struct gp_tl_seg s;
	size_t l, k;

	v->cpus = calloc(v->ncpus ? v->ncpus : 1, sizeof(*v->cpus));
	if (!v->cpus)
		return -ENOMEM;
	for (l = 0; l < v->nlanes; l++) {
		for (k = 0; k < tlview_nsegs(v, l); k++) {
			tlview_seg(v, l, k, &s);
			if (s.state == GP_TL_RUN && s.cpu < v->ncpus && s.end > s.start &&
			    tlview_run_push(&v->cpus[s.cpu], s.start, s.end, l))
				return -ENOMEM;
		}
	}
	for (k = 0; k < v->ncpus; k++)
		tlview_cpu_settle(&v->cpus[k]);
	return 0;
}

int tlview_build(const struct gp_report *r, struct gp_tlview *v)
{
	const struct gp_model *m = r->model;
	int err;

	memset(v, 0, sizeof(*v));
	v->start = r->start_ts;
	v->end = r->end_ts > r->start_ts ? r->end_ts : r->start_ts;
	v->ncpus = m->ncpus < GP_MAX_CPUS ? m->ncpus : GP_MAX_CPUS;
	hashmap_init(&v->lane_by_tid);
	hashmap_init(&v->word_by_key);
	err = tlview_lanes(m, v);
	if (!err)
		err = tlview_locks(r, v);
	if (!err)
		err = tlview_cpus(v);
	if (err)
		tlview_free(v);
	return err;
}

void tlview_free(struct gp_tlview *v)
{
	unsigned c;

	for (c = 0; v->cpus && c < v->ncpus; c++)
		free(v->cpus[c].v);
	free(v->cpus);
	free(v->lanes);
	free(v->locks);
	free(v->words);
	hashmap_free(&v->lane_by_tid);
	hashmap_free(&v->word_by_key);
	memset(v, 0, sizeof(*v));
}

/* Time per lane within one column of one CPU: few lanes meet in a column, so a list will do. */
struct tlview_acc {
	struct gp_tl_run *v; /* start unused, end = time in the column */
	size_t n, cap;
};

static int tlview_acc_add(struct tlview_acc *a, uint32_t lane, uint64_t ns)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (a->v[i].lane == lane) {
			a->v[i].end += ns;
			return 0;
		}
	}
	if (vec_reserve((void **)&a->v, &a->cap, a->n, sizeof(*a->v), 8))
		return -ENOMEM;
	a->v[a->n++] = (struct gp_tl_run){0, ns, lane};
	return 0;
}

/* The lane that ran longest (the first lane on a tie, so that the strip is deterministic). */
static long tlview_acc_top(const struct tlview_acc *a, uint64_t *total)
{
	long top = -1;
	size_t i;

	*total = 0;
	for (i = 0; i < a->n; i++) {
		*total += a->v[i].end;
		if (top < 0 || a->v[i].end > a->v[top].end ||
		    (a->v[i].end == a->v[top].end && a->v[i].lane < a->v[top].lane))
			top = (long)i;
	}
	return top < 0 ? -1 : (long)a->v[top].lane;
}

/* One CPU's row of the strip; adds its running time per column to busy_ns. */
static int tlview_strip_cpu(const struct gp_tlview *v, const struct gp_tl_cpu *c, unsigned width,
			    long *lane, uint64_t *busy_ns)
{
	uint64_t span = v->end - v->start, lo, hi, total;
	struct tlview_acc a = {0};
	size_t j = 0, k;
	unsigned col;
	long top;

	for (col = 0; col < width; col++) {
		lo = v->start + span * col / width;
		hi = v->start + span * (col + 1) / width;
		while (j < c->n && c->v[j].end <= lo)
			j++;
		a.n = 0;
		for (k = j; k < c->n && c->v[k].start < hi; k++) {
			uint64_t s = c->v[k].start > lo ? c->v[k].start : lo;
			uint64_t e = c->v[k].end < hi ? c->v[k].end : hi;

			if (e > s && tlview_acc_add(&a, c->v[k].lane, e - s)) {
				free(a.v);
				return -ENOMEM;
			}
		}
		top = tlview_acc_top(&a, &total);
		lane[col] = hi > lo && 2 * total >= hi - lo ? top : -1;
		busy_ns[col] += total;
	}
	free(a.v);
	return 0;
}

int tlview_strip(const struct gp_tlview *v, unsigned width, long *lane, double *busy)
{
	uint64_t *busy_ns = calloc(width ? width : 1, sizeof(*busy_ns)), span = v->end - v->start;
	unsigned c, col;

	if (!busy_ns)
		return -ENOMEM;
	for (c = 0; c < v->ncpus; c++) {
		if (tlview_strip_cpu(v, &v->cpus[c], width, lane + (size_t)c * width, busy_ns)) {
			free(busy_ns);
			return -ENOMEM;
		}
	}
	for (col = 0; col < width; col++) {
		uint64_t len = span * (col + 1) / width - span * col / width;

		busy[col] = len ? (double)busy_ns[col] / len : 0;
	}
	free(busy_ns);
	return 0;
}
