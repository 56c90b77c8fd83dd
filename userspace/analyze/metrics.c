// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/metrics.h"
#include "util/vec.h"

void metrics_init(struct gp_metrics *mt, const struct gp_metrics_opts *o)
{
	memset(mt, 0, sizeof(*mt));
	mt->o = *o;
	hashmap_init(&mt->by_tgid);
	snprintf(mt->other.comm, sizeof(mt->other.comm), "%s", GP_METRICS_OTHER);
	snprintf(mt->other_comm.comm, sizeof(mt->other_comm.comm), "%s", GP_METRICS_OTHER);
}

static void proc_free(struct gp_mproc *p)
{
	if (!p)
		return;
	free(p->locks);
	free(p);
}

void metrics_free(struct gp_metrics *mt)
{
	for (size_t i = 0; i < mt->nprocs; i++)
		proc_free(mt->procs[i]);
	free(mt->procs);
	free(mt->other.locks);
	free(mt->comms);
	hashmap_free(&mt->by_tgid);
	memset(mt, 0, sizeof(*mt));
}

const struct gp_mproc *metrics_proc(const struct gp_metrics *mt, uint32_t tgid)
{
	return hashmap_get(&mt->by_tgid, tgid, 0);
}

uint64_t metrics_lock_wait(const struct gp_mproc *p)
{
	uint64_t ns = p->other.wait_ns;

	for (size_t i = 0; i < p->nlocks; i++)
		ns += p->locks[i].wait_ns;
	return ns;
}

/* The entry a process's figures go to: its own, made on first sight while there is room. */
static struct gp_mproc *proc_entry(struct gp_metrics *mt, const struct gp_wproc *wp, bool *fresh)
{
	struct gp_mproc *p = hashmap_get(&mt->by_tgid, wp->tgid, 0);

	*fresh = false;
	if (p && p != &mt->other && p->exited) {
		/* the pid was reused: the old process's series end here */
		p->tgid = 0; /* metrics_expire frees it */
		hashmap_del(&mt->by_tgid, wp->tgid, 0);
		p = NULL;
	}
	if (p)
		return p;
	*fresh = true;
	if (mt->nprocs >= mt->o.max_procs) {
		p = &mt->other;
		mt->other_used = true;
	} else {
		p = calloc(1, sizeof(*p));
		if (!p || vec_reserve((void **)&mt->procs, &mt->capprocs, mt->nprocs,
				      sizeof(*mt->procs), 16)) {
			free(p);
			return NULL;
		}
		p->tgid = wp->tgid;
		mt->procs[mt->nprocs++] = p;
	}
	if (hashmap_put(&mt->by_tgid, wp->tgid, 0, p))
		return NULL;
	return p;
}

/* The series a lock's figures go to: its own label if it has one or there is room for one. */
static struct gp_mlock *lock_entry(struct gp_metrics *mt, struct gp_mproc *p,
				   const struct gp_wlock *wl)
{
	size_t i;

	for (i = 0; i < p->nlocks; i++)
		if (!strcmp(p->locks[i].name, wl->name))
			return &p->locks[i];
	if (p == &mt->other || p->nlocks >= mt->o.top_locks || !wl->wait_ns)
		return &p->other;
	if (!p->locks) {
		p->locks = calloc(mt->o.top_locks, sizeof(*p->locks));
		if (!p->locks)
			return &p->other;
	}
	memcpy(p->locks[p->nlocks].name, wl->name, sizeof(wl->name));
	return &p->locks[p->nlocks++];
}

static struct gp_mcomm *comm_entry(struct gp_metrics *mt, const char *comm)
{
	size_t i;

	for (i = 0; i < mt->ncomms; i++)
		if (!strncmp(mt->comms[i].comm, comm, GP_COMM_LEN))
			return &mt->comms[i];
	if (mt->ncomms >= mt->o.max_comms ||
	    vec_reserve((void **)&mt->comms, &mt->capcomms, mt->ncomms, sizeof(*mt->comms), 16)) {
		mt->other_comm_used = true;
		return &mt->other_comm;
	}
	memset(&mt->comms[mt->ncomms], 0, sizeof(*mt->comms));
	memcpy(mt->comms[mt->ncomms].comm, comm, GP_COMM_LEN);
	mt->comms[mt->ncomms].comm[GP_COMM_LEN - 1] = 0;
	return &mt->comms[mt->ncomms++];
}

static void proc_add(struct gp_metrics *mt, struct gp_mproc *p, const struct gp_window *w,
		     const struct gp_wproc *wp)
{
	uint64_t lock_ns = 0;
	struct gp_mcomm *c;
	size_t i;

	if (p != &mt->other)
		memcpy(p->comm, wp->comm, sizeof(p->comm));
	for (i = 0; i < p->nlocks; i++)
		p->locks[i].last_wait_ns = 0;
	p->other.last_wait_ns = 0;
	p->running_ns += wp->running_ns;
	p->runq_ns += wp->runq_ns;
	p->gil_wait_ns += wp->gil_wait_ns;
	p->gil_held_ns += wp->gil_held_ns;
	p->has_gil = p->has_gil || wp->has_gil;
	p->last_running_ns = wp->running_ns;
	p->last_runq_ns = wp->runq_ns;
	p->last_gil_wait_ns = wp->gil_wait_ns;
	p->last_window_ns = w->end - w->start;
	p->threads = wp->threads;
	p->parallelism = window_parallelism(w, wp);
	p->seen_at = w->end;
	if (wp->exited && p != &mt->other) {
		p->exited = true;
		p->exited_at = w->end;
	}
	for (i = 0; i < wp->nlocks; i++) {
		struct gp_mlock *l = lock_entry(mt, p, &wp->locks[i]);

		l->wait_ns += wp->locks[i].wait_ns;
		l->last_wait_ns += wp->locks[i].wait_ns;
		l->acquisitions += wp->locks[i].acquisitions;
		lock_ns += wp->locks[i].wait_ns;
	}
	c = comm_entry(mt, wp->comm);
	c->running_ns += wp->running_ns;
	c->runq_ns += wp->runq_ns;
	c->lock_wait_ns += lock_ns;
	c->gil_wait_ns += wp->gil_wait_ns;
	c->gil_held_ns += wp->gil_held_ns;
}

int metrics_add(struct gp_metrics *mt, const struct gp_window *w)
{
	int err = 0;

	if (!mt->windows++)
		mt->first_ts = w->start;
	mt->last_ts = w->end;
	for (size_t i = 0; i < w->nprocs; i++) {
		const struct gp_wproc *wp = &w->procs[i];
		bool fresh;
		struct gp_mproc *p = proc_entry(mt, wp, &fresh);

		if (!p) {
			err = -ENOMEM;
			continue;
		}
		/* a process counts for its name once, when first seen */
		if (fresh)
			comm_entry(mt, wp->comm)->processes++;
		proc_add(mt, p, w, wp);
		/* one of the shared entry has nothing left to keep */
		if (p == &mt->other && wp->exited)
			hashmap_del(&mt->by_tgid, wp->tgid, 0);
	}
	return err;
}

void metrics_expire(struct gp_metrics *mt, uint64_t now)
{
	size_t i, k = 0;

	for (i = 0; i < mt->nprocs; i++) {
		struct gp_mproc *p = mt->procs[i];

		if (p->tgid && !(p->exited && now >= p->exited_at + mt->o.keep_exited_ns)) {
			mt->procs[k++] = p;
			continue;
		}
		if (p->tgid && hashmap_get(&mt->by_tgid, p->tgid, 0) == p)
			hashmap_del(&mt->by_tgid, p->tgid, 0);
		proc_free(p);
	}
	mt->nprocs = k;
}
