// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/gilstats.h"
#include "util/vec.h"

bool gil_object(const struct gp_lock_obj *o)
{
	return !strncmp(o->name, "CPython GIL", 11) || !strcmp(o->name, "gil");
}

static int tid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * The threads the GIL concerns: those that waited for it, those that released it and those the
 * interpreter saw hold it.
 */
static int gil_threads(struct gp_gil_stats *g)
{
	const struct gp_lock_obj *o = g->gil;
	size_t nm = g->mem ? g->mem->nt : 0, n = o->nacqs + o->nreleases + nm, i, k = 0;
	uint32_t *tids = malloc((n + 1) * sizeof(*tids));

	if (!tids)
		return -ENOMEM;
	for (i = 0; i < o->nacqs; i++)
		tids[k++] = o->acqs[i].tid;
	for (i = 0; i < o->nreleases; i++)
		tids[k++] = o->releases[i].tid;
	for (i = 0; i < nm; i++)
		tids[k++] = g->mem->t[i].tid;
	qsort(tids, k, sizeof(*tids), tid_cmp);
	g->t = calloc(k + 1, sizeof(*g->t));
	for (i = 0; g->t && i < k; i++)
		if (!g->n || g->t[g->n - 1].tid != tids[i])
			g->t[g->n++].tid = tids[i];
	free(tids);
	return g->t ? 0 : -ENOMEM;
}

static int thread_acqs(const struct gp_lock_obj *o, struct gp_gil_thread *gt)
{
	for (size_t i = lock_obj_acqs_of(o, gt->tid); i < o->nacqs && o->acqs[i].tid == gt->tid;
	     i++) {
		const struct gp_acq *a = &o->acqs[i];

		gt->acquisitions++;
		gt->waited_ns += a->end - a->start;
		gt->drop_requests += a->timeouts;
		gt->handoffs += waker_is_task(a->ender) && a->ender != gt->tid;
		if (a->after_block) {
			gt->after_io++;
			if (u64vec_push(&gt->after_io_ns, a->end - a->start))
				return -ENOMEM;
		}
	}
	return 0;
}

/* Is uaddr one of the GIL's switch_cond words? Waking its waiter is what a thread does when it
 * has just taken the GIL (take_gil signals the dropper it waited on), not a release. */
static bool switch_word(const struct gp_lock_obj *o, const uint64_t *sw, size_t nsw, uint64_t uaddr)
{
	(void)o;
	for (size_t i = 0; i < nsw; i++)
		if (sw[i] == uaddr)
			return true;
	return false;
}

/* The GIL's switch_cond words, by their names (at most a few: a condvar's two). */
static size_t switch_words(const struct gp_lock_obj *o, gp_namer_fn name, void *ctx, uint64_t *sw,
			   size_t max)
{
	char buf[160];
	size_t n = 0;

	for (size_t i = 0; name && i < o->nwords && n < max; i++)
		if (name(ctx, o->words[i]->tgid, o->words[i]->uaddr, buf, sizeof(buf)) >= 0 &&
		    strstr(buf, "switch_cond"))
			sw[n++] = o->words[i]->uaddr;
	return n;
}

/* Its waits on the GIL's switch_cond: each is a forced switch it was made to wait out. */
static void thread_forced(const struct gp_lock_obj *o, const uint64_t *sw, size_t nsw,
			  struct gp_gil_thread *gt)
{
	for (size_t i = 0; i < o->nwords; i++) {
		const struct gp_lock *l = o->words[i];

		if (!switch_word(o, sw, nsw, l->uaddr))
			continue;
		for (size_t k = 0; k < l->npairs; k++)
			if (l->pairs[k].waiter == gt->tid)
				gt->forced_switches += l->pairs[k].count;
	}
}

/* Moments the thread starts or stops holding the GIL. */
struct hold_ev {
	uint64_t ts;
	int kind; /* HOLD_* */
};

enum { HOLD_STOP, HOLD_RELEASE, HOLD_RESUME, HOLD_START };

static int hold_ev_cmp(const void *a, const void *b)
{
	const struct hold_ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->kind - y->kind;
}

static bool gil_word(const struct gp_lock_obj *o, uint64_t uaddr)
{
	for (size_t i = 0; i < o->nwords; i++)
		if (o->words[i]->uaddr == uaddr)
			return true;
	return false;
}

static size_t hold_events(const struct gp_lock_obj *o, const uint64_t *sw, size_t nsw,
			  const struct gp_thread *t, struct hold_ev *ev)
{
	size_t n = 0, i = lock_obj_releases_after(o, t->tid, 0);

	for (; i < o->nreleases && o->releases[i].tid == t->tid; i++)
		if (!switch_word(o, sw, nsw, o->releases[i].uaddr))
			ev[n++] = (struct hold_ev){o->releases[i].ts, HOLD_RELEASE};
	for (i = lock_obj_acqs_of(o, t->tid); i < o->nacqs && o->acqs[i].tid == t->tid; i++) {
		ev[n++] = (struct hold_ev){o->acqs[i].start, HOLD_STOP};
		ev[n++] = (struct hold_ev){o->acqs[i].end, HOLD_START};
	}
	/* CPython blocks (I/O, a sleep, a lock of the program's, a join) only with the GIL
	 * released, and retakes it after */
	for (i = 0; i < t->tl.n; i++) {
		const struct gp_seg *sg = &t->tl.v[i];

		if (sg->bucket != GP_B_SLEEP && sg->bucket != GP_B_DWAIT &&
		    (sg->bucket != GP_B_FUTEX || gil_word(o, sg->uaddr)))
			continue;
		ev[n++] = (struct hold_ev){t->tl.v[i].ts, HOLD_STOP};
		if (i + 1 < t->tl.n)
			ev[n++] = (struct hold_ev){t->tl.v[i + 1].ts, HOLD_RESUME};
	}
	ev[n++] = (struct hold_ev){t->end_ts, HOLD_STOP};
	return n;
}

/*
 * Held intervals from the events in time order. A wait's end starts one (START); its start, a
 * block or the thread's end stops it. A release while not holding means the thread had retaken
 * the GIL without waiting, which leaves no trace: it is counted from when the thread could
 * have (its start, its previous release, the end of its last block), so a thread that never
 * waits, but releases it to others, is counted as holding it in between, less nothing: the
 * others' short holds in those gaps are the error.
 */
static int thread_held(const struct gp_lock_obj *o, const uint64_t *sw, size_t nsw,
		       const struct gp_thread *t, struct gp_gil_thread *gt)
{
	struct hold_ev *ev = malloc((2 * o->nacqs + o->nreleases + 2 * t->tl.n + 1) * sizeof(*ev));
	uint64_t since = 0, resume = t->start_ts;
	bool holding = false, can_retake = true;
	size_t n, i;

	if (!ev)
		return -ENOMEM;
	n = hold_events(o, sw, nsw, t, ev);
	qsort(ev, n, sizeof(*ev), hold_ev_cmp);
	for (i = 0; i < n; i++) {
		switch (ev[i].kind) {
		case HOLD_START:
			if (!holding)
				since = ev[i].ts;
			holding = true;
			break;
		case HOLD_RESUME:
			resume = ev[i].ts;
			can_retake = true;
			break;
		case HOLD_RELEASE:
			if (holding)
				gt->held_ns += ev[i].ts - since;
			else if (can_retake && ev[i].ts > resume)
				gt->held_ns += ev[i].ts - resume;
			holding = false;
			resume = ev[i].ts;
			can_retake = true;
			break;
		default: /* HOLD_STOP */
			if (holding)
				gt->held_ns += ev[i].ts - since;
			holding = can_retake = false;
		}
	}
	free(ev);
	return 0;
}

int gil_stats_build(const struct gp_model *m, const struct gp_lock_objs *objs, gp_namer_fn name,
		    void *ctx, struct gp_gil_stats *out)
{
	const struct gp_process *p;
	uint64_t sw[8];
	size_t i, nsw;
	int err;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < objs->nlocks && !gil_object(&objs->v[i]); i++)
		;
	if (i == objs->nlocks)
		return 0;
	out->gil = &objs->v[i];
	p = model_process(m, out->gil->tgid);
	out->mem = p && p->gil && p->gil->samples ? p->gil : NULL;
	nsw = switch_words(out->gil, name, ctx, sw, sizeof(sw) / sizeof(sw[0]));
	err = gil_threads(out);
	for (i = 0; !err && i < out->n; i++) {
		struct gp_gil_thread *gt = &out->t[i];
		const struct gp_thread *t = model_thread(m, gt->tid);
		const struct gp_gilmem_thread *mt = gilmem_thread(out->mem, gt->tid);

		if (mt) {
			gt->mem_held_ns = mt->held_ns;
			gt->holding_outs = mt->holding_outs;
			gt->preempted_holding = mt->preempted_holding;
		}
		err = thread_acqs(out->gil, gt);
		thread_forced(out->gil, sw, nsw, gt);
		if (!err && t)
			err = thread_held(out->gil, sw, nsw, t, gt);
	}
	if (err)
		gil_stats_free(out);
	return err;
}

void gil_stats_free(struct gp_gil_stats *g)
{
	for (size_t i = 0; g->t && i < g->n; i++)
		u64vec_free(&g->t[i].after_io_ns);
	free(g->t);
	memset(g, 0, sizeof(*g));
}
