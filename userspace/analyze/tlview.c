// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
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

/* One CPU's row of the strip (lane per column, -1 for none); adds its running time to busy_ns. */
static int tlview_strip_cpu(const struct gp_tl_cpu *c, uint64_t start, uint64_t end, unsigned width,
			    long *lane, uint64_t *busy_ns)
{
	uint64_t span = end - start, lo, hi, total;
	struct tlview_acc a = {0};
	size_t j = 0, k;
	unsigned col;
	long top;

	for (col = 0; col < width; col++) {
		lo = start + (uint64_t)((unsigned __int128)span * col / width);
		hi = start + (uint64_t)((unsigned __int128)span * (col + 1) / width);
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

static const char strip_letters[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
#define STRIP_NLETTERS (sizeof(strip_letters) - 1)

/* Letters for the lanes that show, in lane order; the rows written from lane. */
static int tlview_strip_letters(const struct gp_tlview *v, const long *lane, struct gp_tl_strip *s)
{
	char *letter = calloc(v->nlanes + 1, 1);
	size_t i, ncells = (size_t)s->ncpus * s->width;

	if (!letter)
		return -ENOMEM;
	for (i = 0; i < ncells; i++)
		if (lane[i] >= 0)
			letter[lane[i]] = 1;
	for (i = 0; i < v->nlanes; i++) {
		if (!letter[i])
			continue;
		if (s->nthreads == STRIP_NLETTERS) {
			letter[i] = '+';
			s->nother++;
			continue;
		}
		letter[i] = strip_letters[s->nthreads];
		s->threads[s->nthreads].letter = letter[i];
		s->threads[s->nthreads].tid = v->lanes[i]->tid;
		snprintf(s->threads[s->nthreads].comm, sizeof(s->threads[0].comm), "%s",
			 v->lanes[i]->comm);
		s->nthreads++;
	}
	for (i = 0; i < ncells; i++)
		s->rows[i / s->width * (s->width + 1) + i % s->width] =
			lane[i] < 0 ? '.' : letter[lane[i]];
	free(letter);
	return 0;
}

int tlview_strip(const struct gp_tlview *v, uint64_t start, uint64_t end, unsigned width,
		 struct gp_tl_strip *s)
{
	size_t ncells = (size_t)v->ncpus * width;
	uint64_t *busy_ns = NULL;
	long *lane = NULL;
	unsigned c, col;
	int err = -ENOMEM;

	memset(s, 0, sizeof(*s));
	if (!width || end <= start)
		return -EINVAL;
	s->ncpus = v->ncpus;
	s->width = width;
	s->rows = calloc((size_t)v->ncpus * (width + 1) + 1, 1);
	s->busy = calloc(width, sizeof(*s->busy));
	s->threads = calloc(STRIP_NLETTERS, sizeof(*s->threads));
	busy_ns = calloc(width, sizeof(*busy_ns));
	lane = calloc(ncells + 1, sizeof(*lane));
	if (!s->rows || !s->busy || !s->threads || !busy_ns || !lane)
		goto out;
	for (c = 0; c < v->ncpus; c++)
		if (tlview_strip_cpu(&v->cpus[c], start, end, width, lane + (size_t)c * width,
				     busy_ns))
			goto out;
	for (col = 0; col < width; col++) {
		uint64_t lo = (unsigned __int128)(end - start) * col / width;
		uint64_t len = (unsigned __int128)(end - start) * (col + 1) / width - lo;

		s->busy[col] = len ? (double)busy_ns[col] / len : 0;
	}
	err = tlview_strip_letters(v, lane, s);
out:
	free(busy_ns);
	free(lane);
	if (err)
		tlview_strip_free(s);
	return err;
}

void tlview_strip_free(struct gp_tl_strip *s)
{
	free(s->rows);
	free(s->busy);
	free(s->threads);
	memset(s, 0, sizeof(*s));
}
