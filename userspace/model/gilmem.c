// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/gilmem.h"
#include "util/vec.h"

/* A process has few threads that touch its GIL: a linear search is the cheap one. */
static struct gp_gilmem_thread *thread_get(struct gp_gilmem *g, uint32_t tid)
{
	for (size_t i = 0; i < g->nt; i++)
		if (g->t[i].tid == tid)
			return &g->t[i];
	if (vec_reserve((void **)&g->t, &g->capt, g->nt, sizeof(*g->t), 8))
		return NULL;
	memset(&g->t[g->nt], 0, sizeof(g->t[0]));
	g->t[g->nt].tid = tid;
	return &g->t[g->nt++];
}

const struct gp_gilmem_thread *gilmem_thread(const struct gp_gilmem *g, uint32_t tid)
{
	for (size_t i = 0; g && i < g->nt; i++)
		if (g->t[i].tid == tid)
			return &g->t[i];
	return NULL;
}

bool gilmem_word(const struct gp_gilmem *g, uint64_t uaddr)
{
	return g && g->gil && uaddr >= g->gil && uaddr - g->gil < GP_GIL_STRUCT_SIZE;
}

static int credit(struct gp_gilmem *g, uint32_t holder, uint64_t ns)
{
	struct gp_gilmem_thread *h = thread_get(g, holder);

	if (!h)
		return -ENOMEM;
	h->held_ns += ns;
	g->held_ns += ns;
	return 0;
}

/* [from, to) as the last sample saw the GIL: its holder's, free, or nobody's for sure. */
static int span_as_last(struct gp_gilmem *g, uint64_t from, uint64_t to)
{
	uint64_t dt = to > from ? to - from : 0;

	if (g->last_locked && g->last_holder)
		return credit(g, g->last_holder, dt);
	if (g->last_locked)
		g->unknown_ns += dt; /* a holder the model does not know */
	else
		g->free_ns += dt;
	return 0;
}

/*
 * When holder, which the new sample names, took the GIL since the last one: a thread takes it
 * as it runs, so when it went on a CPU (ran: its last switch-in, as a wait for the GIL ends),
 * if that was in between; if it has run since before the last sample, which saw the GIL free,
 * at once. It ran through to the new sample, or its switch-out would be a sample between. 0:
 * not known (another held it at the last sample and it is not known when that one let go).
 */
static uint64_t taken_at(const struct gp_gilmem *g, uint32_t holder, uint64_t ran, uint64_t ts)
{
	const struct gp_gilmem_thread *h = holder ? gilmem_thread(g, holder) : NULL;

	if (!holder || !ran || ran > ts || (h && h->out_ts > ran))
		return 0;
	if (ran > g->last_ts)
		return ran;
	return g->last_locked ? 0 : g->last_ts;
}

/*
 * The time since the last sample, by what the two samples saw. One hand-off between them (to
 * holder, the new sample's last_holder: the thread that took it) is dated by taken_at(): before
 * it, the GIL was as the last sample saw it; after it holder's, or nobody's for sure when the new
 * sample sees it free again (holder let it go at a time not known). Any other change of holder
 * between two samples leaves the time between them nobody's for sure.
 */
static int span(struct gp_gilmem *g, uint64_t ts, uint64_t sn, uint32_t holder, bool locked,
		uint64_t ran)
{
	uint64_t acq;

	if (sn == g->last_sn)
		return span_as_last(g, g->last_ts, ts);
	acq = sn == g->last_sn + 1 ? taken_at(g, holder, ran, ts) : 0;
	if (!acq) {
		g->unknown_ns += ts > g->last_ts ? ts - g->last_ts : 0;
		return 0;
	}
	if (span_as_last(g, g->last_ts, acq))
		return -ENOMEM;
	if (locked)
		return credit(g, holder, ts - acq);
	g->unknown_ns += ts - acq;
	return 0;
}

int gilmem_sample(struct gp_gilmem *g, const struct gp_ev_gil *e, uint32_t holder,
		  uint64_t holder_ran)
{
	bool locked = e->locked == 1, exiting = e->runnable == GP_GIL_AT_EXIT;
	/* a thread lets the GIL go as it ends: read at its exit, it held it until then */
	bool held_here = locked || (exiting && holder && holder == e->h.tid);
	struct gp_gilmem_thread *t;
	uint64_t from;

	g->samples++;
	/* another image (an exec) has its GIL elsewhere: a run of samples starts again */
	if (g->gil != e->gil) {
		g->gil = e->gil;
		g->have_last = false;
	}
	if (g->have_last) {
		if (span(g, e->h.ts, e->switch_number, holder, held_here, holder_ran))
			return -ENOMEM;
		/* a holder change is one increment; a smaller value is another struct's or a lie */
		if (e->switch_number > g->last_sn)
			g->handoffs += e->switch_number - g->last_sn;
	}
	/*
	 * The first sample comes only once userspace has located the GIL, which can be after a
	 * thread took it: the holder took it as it went on a CPU (see taken_at), and had it since.
	 */
	from = e->h.ts;
	if (!g->have_last && held_here && holder && holder_ran && holder_ran < e->h.ts) {
		if (credit(g, holder, e->h.ts - holder_ran))
			return -ENOMEM;
		from = holder_ran;
	}
	if (!g->have_first) {
		g->have_first = true;
		g->first_switch = e->switch_number;
		g->first_ts = from;
	}
	g->have_last = true;
	g->ntk = 0; /* what this sample sees supersedes the hand-offs guessed before it */
	g->last_ts = e->h.ts;
	g->last_sn = g->last_switch = e->switch_number;
	g->last_holder = holder;
	g->last_locked = locked;
	t = thread_get(g, e->h.tid);
	if (!t)
		return -ENOMEM;
	t->out_ts = e->h.ts;
	if (locked && holder == e->h.tid && !exiting) {
		t->holding_outs++;
		t->preempted_holding += e->runnable != 0;
	}
	return 0;
}

int gilmem_woken(struct gp_gilmem *g, uint32_t tid, uint32_t from, uint64_t ts)
{
	if (!g->have_last || ts < g->last_ts)
		return 0;
	if (vec_reserve((void **)&g->tk, &g->captk, g->ntk, sizeof(*g->tk), 8))
		return -ENOMEM;
	g->tk[g->ntk++] = (struct gp_gilmem_take){tid, from, ts};
	return 0;
}

int gilmem_close(struct gp_gilmem *g, gp_gilmem_end_fn end_of, void *ctx)
{
	/* the holder, or (free at the last sample) the thread that let it go last */
	uint32_t holder = g->last_locked ? g->last_holder : 0, gone = g->last_holder;
	uint64_t from = g->last_ts, end;

	if (!g->have_last || !gone)
		return 0;
	/* in time order: the model passes them as the waits end */
	for (size_t i = 0; i < g->ntk; i++) {
		const struct gp_gilmem_take *k = &g->tk[i];

		if (k->from != (holder ? holder : gone) || k->tid == holder || k->ts < from)
			continue;
		if (holder && credit(g, holder, k->ts - from))
			return -ENOMEM;
		if (!holder)
			g->free_ns += k->ts - from;
		holder = k->tid;
		from = k->ts;
	}
	g->ntk = 0;
	if (!holder)
		return 0;
	end = end_of(ctx, holder);
	if (end > from && credit(g, holder, end - from))
		return -ENOMEM;
	g->last_ts = end > from ? end : from;
	g->last_holder = holder;
	g->last_locked = false;
	return 0;
}

int gilmem_wait_end(struct gp_gilmem *g, uint32_t waiter, uint32_t holder, uint64_t start,
		    uint64_t end)
{
	struct gp_gilmem_pair *p = NULL;

	if (!holder)
		return 0;
	for (size_t i = 0; i < g->np && !p; i++)
		if (g->p[i].waiter == waiter && g->p[i].holder == holder)
			p = &g->p[i];
	if (!p) {
		if (vec_reserve((void **)&g->p, &g->capp, g->np, sizeof(*g->p), 8))
			return -ENOMEM;
		p = &g->p[g->np++];
		*p = (struct gp_gilmem_pair){.waiter = waiter, .holder = holder};
	}
	p->waits++;
	p->wait_ns += end > start ? end - start : 0;
	return 0;
}

void gilmem_free(struct gp_gilmem *g)
{
	if (!g)
		return;
	free(g->t);
	free(g->p);
	free(g->tk);
	free(g);
}
