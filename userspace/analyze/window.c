// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/gilstats.h"
#include "analyze/window.h"

/* Threads that came into the window inside a wait on one of o's words: their first acquisition
 * there began in the window before. */
static uint64_t carried_acqs(const struct gp_model *m, const struct gp_lock_obj *o)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];
		const struct gp_seg *s = t->tl.n ? &t->tl.v[0] : NULL;

		if (t->tgid != o->tgid || !s || s->bucket != GP_B_FUTEX ||
		    !(s->flags & GP_SEG_AT_ATTACH))
			continue;
		for (size_t k = 0; k < o->nwords; k++)
			n += o->words[k]->uaddr == s->uaddr;
	}
	return n;
}

/*
 * A join by its waits: each waited for a thread of the process to exit (pthread_join). The
 * report's other sign of a join, every acquisition released by a thread that then ended, says
 * nothing in a window: the last one of a program has its last acquisitions released so.
 */
static bool join_object(const struct gp_lock_obj *o)
{
	for (size_t k = 0; k < o->nwords; k++)
		if (!o->words[k]->waits || o->words[k]->join_waits < o->words[k]->waits)
			return false;
	return o->nwords > 0;
}

static int proc_locks(const struct gp_model *m, const struct gp_lock_objs *objs, struct gp_wproc *p)
{
	size_t i, n = 0;

	for (i = 0; i < objs->n; i++)
		n += objs->v[i].tgid == p->tgid;
	p->locks = calloc(n ? n : 1, sizeof(*p->locks));
	if (!p->locks)
		return -ENOMEM;
	/* objs are sorted by acquisition time, so the process's come out in that order too
	 * (those the report calls joins after the others) */
	for (i = 0; i < objs->n; i++) {
		const struct gp_lock_obj *o = &objs->v[i];
		struct gp_wlock *l;
		uint64_t carried;

		if (o->tgid != p->tgid || join_object(o))
			continue;
		l = &p->locks[p->nlocks++];
		memcpy(l->name, o->name, sizeof(l->name));
		l->wait_ns = o->acquire_ns;
		carried = carried_acqs(m, o);
		l->acquisitions = o->acquisitions > carried ? o->acquisitions - carried : 0;
		l->gil = gil_object(o);
	}
	return 0;
}

/* The process's most-waited GIL, alone, through the report's GIL figures. */
static int proc_gil(const struct gp_model *m, const struct gp_lock_objs *objs, gp_namer_fn name,
		    void *ctx, struct gp_wproc *p)
{
	struct gp_lock_objs one = {0};
	struct gp_gil_stats g;
	size_t i;
	int err;

	for (i = 0; i < objs->nlocks; i++)
		if (objs->v[i].tgid == p->tgid && gil_object(&objs->v[i]))
			break;
	if (i == objs->nlocks)
		return 0;
	one.v = (struct gp_lock_obj *)&objs->v[i];
	one.n = one.nlocks = 1;
	err = gil_stats_build(m, &one, name, ctx, &g);
	if (err)
		return err;
	p->has_gil = true;
	for (i = 0; i < g.n; i++) {
		p->gil_wait_ns += g.t[i].waited_ns;
		p->gil_held_ns += g.t[i].held_ns;
	}
	gil_stats_free(&g);
	return 0;
}

static void proc_times(const struct gp_process *pr, struct gp_wproc *p)
{
	for (size_t i = 0; i < pr->nthreads; i++) {
		const struct gp_thread *t = pr->threads[i];

		p->running_ns += t->bucket[GP_B_RUNNING];
		p->runq_ns += t->bucket[GP_B_RUNQ_WAKE] + t->bucket[GP_B_RUNQ_PREEMPT];
		p->lifetime_ns += thread_lifetime(t);
	}
}

int window_build(const struct gp_model *m, const struct gp_lock_objs *objs, gp_namer_fn name,
		 void *ctx, struct gp_window *w)
{
	int err = 0;

	memset(w, 0, sizeof(*w));
	w->start = m->first_ts;
	w->end = m->end_ts;
	w->procs = calloc(m->nprocs ? m->nprocs : 1, sizeof(*w->procs));
	if (!w->procs)
		return -ENOMEM;
	for (size_t i = 0; i < m->nprocs && !err; i++) {
		const struct gp_process *pr = m->procs[i];
		struct gp_wproc *p = &w->procs[w->nprocs++];

		p->tgid = pr->tgid;
		memcpy(p->comm, pr->comm, sizeof(p->comm));
		/* first seen at a switch, before its fork, exec or attach named it */
		if (!p->comm[0] && pr->nthreads)
			memcpy(p->comm, pr->threads[0]->comm, sizeof(p->comm));
		p->exited = pr->exited;
		p->threads = pr->nlive;
		proc_times(pr, p);
		err = proc_locks(m, objs, p);
		if (!err)
			err = proc_gil(m, objs, name, ctx, p);
	}
	if (err)
		window_free(w);
	return err;
}

void window_free(struct gp_window *w)
{
	for (size_t i = 0; w->procs && i < w->nprocs; i++)
		free(w->procs[i].locks);
	free(w->procs);
	memset(w, 0, sizeof(*w));
}

double window_parallelism(const struct gp_window *w, const struct gp_wproc *p)
{
	return w->end > w->start ? (double)p->running_ns / (double)(w->end - w->start) : 0;
}
