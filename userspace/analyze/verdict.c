// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/gilstats.h"
#include "analyze/verdict.h"
#include "stream/trace.h"

const char *advice_name(enum gp_advice a)
{
	static const char *const names[] = {
		[GP_ADV_NONE] = "none",
		[GP_ADV_GIL] = "gil",
		[GP_ADV_CONVOY] = "convoy",
		[GP_ADV_SHRINK] = "shrink",
	};

	return a <= GP_ADV_SHRINK ? names[a] : "none";
}

struct edge {
	uint64_t ts;
	int d; /* +1: a thread goes on a CPU, -1: off */
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->d - y->d; /* off before on at one instant */
}

static size_t running_edges(const struct gp_model *m, struct edge *e)
{
	size_t i, k, n = 0;

	for (i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];

		for (k = 0; k < t->tl.n; k++) {
			if (t->tl.v[k].bucket != GP_B_RUNNING)
				continue;
			e[n++] = (struct edge){t->tl.v[k].ts, 1};
			e[n++] = (struct edge){k + 1 < t->tl.n ? t->tl.v[k + 1].ts : t->end_ts, -1};
		}
	}
	return n;
}

/* How much of [start, end] k threads were running, from their timelines. */
static int parallelism_hist(const struct gp_model *m, uint64_t start, uint64_t end, uint64_t *hist)
{
	size_t i, n = 0;
	struct edge *e;
	uint64_t at = start;
	int running = 0;

	for (i = 0; i < m->nthreads; i++)
		for (size_t k = 0; k < m->threads[i]->tl.n; k++)
			n += m->threads[i]->tl.v[k].bucket == GP_B_RUNNING;
	e = malloc((2 * n + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	n = running_edges(m, e);
	if (n)
		qsort(e, n, sizeof(*e), edge_cmp);
	for (i = 0; i < n; i++) {
		uint64_t ts = e[i].ts < start ? start : e[i].ts > end ? end : e[i].ts;

		hist[running < GP_VERDICT_HIST ? running : GP_VERDICT_HIST - 1] += ts - at;
		at = ts;
		running += e[i].d;
		if (running < 0)
			running = 0;
	}
	hist[0] += end > at ? end - at : 0;
	free(e);
	return 0;
}

/* The CPUs the traced program could have had: what other tasks left of them. */
static double capacity_of(const struct gp_trace_stats *st, unsigned ncpus)
{
	uint64_t free_ns = 0, all = 0;
	unsigned c;

	for (c = 0; st && c < st->ncpus && c < GP_MAX_CPUS; c++) {
		free_ns += st->cpu[c].ns[GP_CPU_IDLE] + st->cpu[c].ns[GP_CPU_TRACED];
		all += st->cpu[c].ns[GP_CPU_IDLE] + st->cpu[c].ns[GP_CPU_TRACED] +
		       st->cpu[c].ns[GP_CPU_OTHER];
	}
	return all ? (double)ncpus * free_ns / all : ncpus;
}

/* The most-waited lock that threads waited on for one another. */
static const struct gp_lock_obj *serialising_lock(const struct gp_lock_objs *objs,
						  uint64_t lifetime)
{
	size_t i;

	for (i = 0; i < objs->nlocks; i++) {
		const struct gp_lock_obj *o = &objs->v[i];

		if (lifetime && (double)o->acquire_ns / lifetime < GP_VERDICT_MIN_SHARE)
			return NULL; /* sorted: no later one is more */
		/* one waiter is waiting for another thread's work, not taking turns with it */
		if (o->nholders && o->nwaiters >= 2)
			return o;
	}
	return NULL;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct gp_verdict_holder *x = a, *y = b;

	return x->ns != y->ns ? (x->ns < y->ns ? 1 : -1) : (x->tid > y->tid) - (x->tid < y->tid);
}

/* The top of all[n] into top[], sorted. */
static size_t holders_keep(struct gp_verdict_holder *all, size_t n, struct gp_verdict_holder *top)
{
	size_t i;

	if (n)
		qsort(all, n, sizeof(*all), holder_cmp);
	for (i = 0; i < n && i < GP_VERDICT_HOLDERS; i++)
		top[i] = all[i];
	return i;
}

static void holders_top(const struct gp_lock_obj *o, struct gp_verdict *v)
{
	struct gp_verdict_holder all[64];
	size_t i, n = 0;

	for (i = 0; i < o->nholders && n < 64; i++)
		all[n++] = (struct gp_verdict_holder){o->holders[i].tid, o->holders[i].ns};
	v->nholders = holders_keep(all, n, v->holders);
}

/* A CPython GIL's holders while others waited, as the interpreter recorded them. */
static void held_top(const struct gp_model *m, const struct gp_lock_obj *o, struct gp_verdict *v)
{
	const struct gp_process *p = gil_object(o) ? model_process(m, o->tgid) : NULL;
	const struct gp_gilmem *g = p ? p->gil : NULL;
	struct gp_verdict_holder all[64];
	size_t i, k, n = 0;

	if (!g || !g->samples)
		return;
	v->held_known = true;
	for (i = 0; i < g->np; i++) {
		for (k = 0; k < n && all[k].tid != g->p[i].holder; k++)
			;
		if (k == n && n == 64)
			continue;
		if (k == n)
			all[n++] = (struct gp_verdict_holder){g->p[i].holder, 0};
		all[k].ns += g->p[i].wait_ns;
		v->held_total_ns += g->p[i].wait_ns;
	}
	v->nheld = holders_keep(all, n, v->held);
}

/*
 * What to do: CPU-bound Python threads taking turns on a GIL want processes or a free-threaded
 * build; a lock whose waiters were mostly woken only to lose it again is a convoy (short holds,
 * each hand-off a wakeup); otherwise its critical sections are what to shrink.
 */
static enum gp_advice advice_for(const struct gp_verdict *v, const struct gp_lock_obj *o)
{
	if (gil_object(o))
		return GP_ADV_GIL;
	if (v->retry_share > 0.3 && o->acquisitions &&
	    v->wake_to_run_p50 * 4 > o->acquire_ns / o->acquisitions)
		return GP_ADV_CONVOY;
	return GP_ADV_SHRINK;
}

static double waiters_share(const struct gp_model *m, const struct gp_lock_obj *o)
{
	uint64_t life = 0;
	size_t i;

	for (i = 0; i < o->nwaiters; i++) {
		const struct gp_thread *t = model_thread(m, o->waiters[i]);

		life += t ? thread_lifetime(t) : 0;
	}
	return life ? (double)o->acquire_ns / life : 0;
}

static int verdict_lock(const struct gp_model *m, struct gp_verdict *v, const struct gp_lock_obj *o)
{
	struct gp_whatif_span *spans = calloc(o->nacqs + 1, sizeof(*spans));
	struct gp_whatif_lock wl = {spans, o->nacqs};
	double capacity = v->whatif.capacity, predicted;
	size_t i;
	int err;

	if (!spans)
		return -ENOMEM;
	for (i = 0; i < o->nacqs; i++) /* in the acquisitions' order: by tid, then start */
		spans[i] =
			(struct gp_whatif_span){o->acqs[i].tid, o->acqs[i].start, o->acqs[i].end};
	v->lock = o;
	v->lock_share = waiters_share(m, o);
	v->release_word = o->words[0];
	v->retry_share = o->waits ? (double)o->retries / o->waits : 0;
	v->wake_to_run_p50 = u64vec_percentile((struct gp_u64vec *)&o->words[0]->wake_to_run, 50);
	holders_top(o, v);
	held_top(m, o, v);
	err = whatif_run(m, capacity, &wl, &v->whatif);
	free(spans);
	if (err)
		return err == -ENODATA ? 0 : err;
	/* a replay that took no time (a damaged recording's events) predicts nothing */
	if (!(v->whatif.speedup > 0) || v->wall_ns / v->whatif.speedup >= 0x1p64)
		return 0;
	v->predicted = true;
	v->predicted_speedup = v->whatif.speedup;
	/* a recording's times near 2^64 round past it as a double (make fuzz) */
	predicted = v->wall_ns / v->predicted_speedup;
	v->predicted_wall_ns = predicted < 0x1p64 ? (uint64_t)predicted : UINT64_MAX;
	v->advice = advice_for(v, o);
	return 0;
}

int verdict_build(const struct gp_model *m, const struct gp_trace_stats *stats, uint64_t start,
		  uint64_t end, const struct gp_lock_objs *objs, struct gp_verdict *v)
{
	const struct gp_lock_obj *o;
	struct gp_totals tot;
	int err;

	memset(v, 0, sizeof(*v));
	totals_of_model(&tot, m);
	v->wall_ns = end > start ? end - start : 0;
	v->cpu_ns = tot.bucket[GP_B_RUNNING];
	v->lifetime_ns = tot.lifetime;
	v->ncpus = m->ncpus;
	v->parallelism = analysis_parallelism(&tot, v->wall_ns);
	v->whatif.capacity = capacity_of(stats, m->ncpus);
	err = parallelism_hist(m, start, end, v->hist);
	o = err ? NULL : serialising_lock(objs, v->lifetime_ns);
	return err ? err : o ? verdict_lock(m, v, o) : 0;
}
