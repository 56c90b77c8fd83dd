// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/lockobj.h"
#include "util/hashmap.h"
#include "util/vec.h"

#define GIL_LABEL "CPython GIL"

void lock_object_key(const char *name, int rc, char *key, size_t len)
{
	size_t n = strlen(name);

	if (!strncmp(name, GIL_LABEL, strlen(GIL_LABEL)))
		n = strlen(GIL_LABEL);
	else if (rc == 0)
		n = strcspn(name, "+. ");
	snprintf(key, len, "%.*s", (int)n, name);
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Objects by (tgid, name) and words by (tgid, uaddr), both to an index + 1 into v. */
struct objs_builder {
	struct gp_lock_objs *o;
	const struct gp_model *m;
	size_t cap;
	struct gp_hashmap by_name, by_word;
};

static long obj_find(struct objs_builder *b, uint32_t tgid, const char *key)
{
	uintptr_t i = (uintptr_t)hashmap_get(&b->by_name, tgid, name_hash(key));
	size_t k;

	if (i && !strcmp(b->o->v[i - 1].name, key))
		return (long)i - 1;
	if (!i)
		return -1;
	for (k = 0; k < b->o->n; k++) /* a hash collision: rare enough to search */
		if (b->o->v[k].tgid == tgid && !strcmp(b->o->v[k].name, key))
			return (long)k;
	return -1;
}

static int obj_add_word(struct objs_builder *b, struct gp_lock *l, const char *key)
{
	struct gp_lock_objs *o = b->o;
	long i = obj_find(b, l->tgid, key);
	struct gp_lock_obj *ob;

	if (i < 0) {
		if (vec_reserve((void **)&o->v, &b->cap, o->n, sizeof(*o->v), 16))
			return -ENOMEM;
		i = (long)o->n++;
		ob = &o->v[i];
		memset(ob, 0, sizeof(*ob));
		ob->tgid = l->tgid;
		snprintf(ob->name, sizeof(ob->name), "%s", key);
		ob->join = true;
		if (!hashmap_get(&b->by_name, l->tgid, name_hash(key)) &&
		    hashmap_put(&b->by_name, l->tgid, name_hash(key), (void *)(uintptr_t)(i + 1)))
			return -ENOMEM;
	}
	ob = &o->v[i];
	if (vec_reserve((void **)&ob->words, &ob->capwords, ob->nwords, sizeof(*ob->words), 4))
		return -ENOMEM;
	ob->words[ob->nwords++] = l;
	ob->waits += l->waits;
	ob->timeouts += l->outcome[GP_WO_TIMEOUT];
	ob->ongoing += l->outcome[GP_WO_ONGOING];
	ob->at_attach += l->at_attach;
	ob->join = ob->join && l->waits && l->join_waits >= l->waits;
	return hashmap_put(&b->by_word, l->tgid, l->uaddr, (void *)(uintptr_t)(i + 1));
}

static long word_obj(const struct objs_builder *b, uint32_t tgid, uint64_t uaddr)
{
	return (long)(uintptr_t)hashmap_get(&b->by_word, tgid, uaddr) - 1;
}

static uint64_t seg_end(const struct gp_thread *t, size_t i)
{
	return i + 1 < t->tl.n ? t->tl.v[i + 1].ts : t->end_ts;
}

/* Every release of an object, by whom: the ends of the waits its waiters were woken from. */
static int releases_collect(struct objs_builder *b, const struct gp_model *m)
{
	size_t i, k;

	for (i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];

		for (k = 0; k < t->tl.n; k++) {
			const struct gp_seg *s = &t->tl.v[k];
			long ob = s->bucket == GP_B_FUTEX ? word_obj(b, t->tgid, s->uaddr) : -1;
			struct gp_lock_obj *o;

			if (ob < 0 || !waker_is_task(s->waker) || s->waker == t->tid)
				continue;
			o = &b->o->v[ob];
			if (vec_reserve((void **)&o->releases, &o->capreleases, o->nreleases,
					sizeof(*o->releases), 16))
				return -ENOMEM;
			o->releases[o->nreleases++] =
				(struct gp_release){s->waker, seg_end(t, k), s->uaddr};
		}
	}
	return 0;
}

static int release_cmp(const void *a, const void *b)
{
	const struct gp_release *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static void releases_sort(struct gp_lock_objs *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].nreleases)
			qsort(o->v[i].releases, o->v[i].nreleases, sizeof(*o->v[i].releases),
			      release_cmp);
}

size_t lock_obj_releases_after(const struct gp_lock_obj *o, uint32_t tid, uint64_t after)
{
	size_t lo = 0, hi = o->nreleases;

	while (lo < hi) { /* the first of tid's releases later than after */
		size_t mid = (lo + hi) / 2;
		const struct gp_release *r = &o->releases[mid];

		if (r->tid < tid || (r->tid == tid && r->ts <= after))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t lock_obj_acqs_of(const struct gp_lock_obj *o, uint32_t tid)
{
	size_t lo = 0, hi = o->nacqs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (o->acqs[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Did tid release object ob in (after, upto]? */
static bool released(const struct objs_builder *b, uint32_t tid, long ob, uint64_t after,
		     uint64_t upto)
{
	const struct gp_lock_obj *o = &b->o->v[ob];
	size_t k = lock_obj_releases_after(o, tid, after);

	return k < o->nreleases && o->releases[k].tid == tid && o->releases[k].ts <= upto;
}

/* One thread's open acquisition: a chain of waits on one object. */
struct chain {
	long ob; /* -1: none open */
	uint64_t start, end; /* first wait's start; back on a CPU after the last */
	uint64_t last_wait_end, cpu_since; /* the last wait's end, and CPU since */
	uint32_t ender; /* what ended the last wait */
	uint32_t waits, timeouts;
	bool after_block; /* blocked elsewhere right before its first wait */
};

static int holder_add(struct gp_lock_obj *o, uint32_t tid, uint64_t ns)
{
	size_t i;

	for (i = 0; i < o->nholders && o->holders[i].tid != tid; i++)
		;
	if (i == o->nholders) {
		if (vec_reserve((void **)&o->holders, &o->capholders, o->nholders,
				sizeof(*o->holders), 4))
			return -ENOMEM;
		o->holders[o->nholders++] = (struct gp_obj_holder){.tid = tid};
	}
	o->holders[i].count++;
	o->holders[i].ns += ns;
	return 0;
}

static int waiter_add(struct gp_lock_obj *o, uint32_t tid)
{
	size_t i;

	for (i = 0; i < o->nwaiters; i++)
		if (o->waiters[i] == tid)
			return 0;
	if (vec_reserve((void **)&o->waiters, &o->capwaiters, o->nwaiters, sizeof(*o->waiters), 4))
		return -ENOMEM;
	o->waiters[o->nwaiters++] = tid;
	return 0;
}

/* Did the thread that released it end right after, as a thread releasing a join does? */
static bool released_at_exit(const struct gp_model *m, uint32_t ender, uint64_t wake)
{
	const struct gp_thread *r = waker_is_task(ender) ? model_thread(m, ender) : NULL;

	return r && r->dead && r->end_ts >= wake && r->end_ts - wake < GP_ACQ_EXIT_NS;
}

static int chain_close(struct objs_builder *b, const struct gp_thread *t, struct chain *c)
{
	struct gp_lock_obj *o;
	uint64_t d;

	if (c->ob < 0)
		return 0;
	o = &b->o->v[c->ob];
	d = c->end > c->start ? c->end - c->start : 0;
	c->ob = -1;
	o->acquisitions++;
	o->acquire_ns += d;
	o->exit_released += released_at_exit(b->m, c->ender, c->last_wait_end);
	if (vec_reserve((void **)&o->acqs, &o->capacqs, o->nacqs, sizeof(*o->acqs), 16))
		return -ENOMEM;
	o->acqs[o->nacqs++] = (struct gp_acq){t->tid,	c->ender,    c->start,	    c->end,
					      c->waits, c->timeouts, c->after_block};
	if (u64vec_push(&o->durations, d) || waiter_add(o, t->tid))
		return -ENOMEM;
	return waker_is_task(c->ender) ? holder_add(o, c->ender, d) : 0;
}

/* The end of wait k: the thread's next start on a CPU, or the wait's own end without one. */
static uint64_t wait_return(const struct gp_thread *t, size_t k)
{
	size_t j;

	for (j = k + 1; j < t->tl.n && t->tl.v[j].bucket == GP_B_RUNQ_WAKE; j++)
		;
	return j < t->tl.n && t->tl.v[j].bucket == GP_B_RUNNING ? t->tl.v[j].ts : seg_end(t, k);
}

static int thread_chains(struct objs_builder *b, const struct gp_thread *t)
{
	struct chain c = {.ob = -1};
	bool blocked = false; /* in or just out of a block elsewhere (I/O, a sleep) */
	size_t k;
	int err = 0;

	for (k = 0; k < t->tl.n && !err; k++) {
		const struct gp_seg *s = &t->tl.v[k];
		long ob;

		if (s->bucket == GP_B_RUNNING) {
			c.cpu_since += seg_end(t, k) - s->ts;
			continue;
		}
		if (s->bucket != GP_B_FUTEX) {
			if (s->bucket == GP_B_SLEEP || s->bucket == GP_B_DWAIT) {
				err = chain_close(b, t, &c);
				blocked = true;
			}
			continue;
		}
		ob = word_obj(b, t->tgid, s->uaddr);
		if (ob < 0)
			continue;
		/* a retry: same object, not let in, no release of it by this thread between */
		if (c.ob != ob || c.cpu_since >= GP_ACQ_RETRY_CPU_NS ||
		    released(b, t->tid, ob, c.last_wait_end, s->ts)) {
			err = chain_close(b, t, &c);
			c = (struct chain){.ob = ob, .start = s->ts, .after_block = blocked};
		} else {
			b->o->v[ob].retries++;
		}
		blocked = false;
		c.waits++;
		c.timeouts += s->waker == GP_WAKER_TIMEOUT;
		b->o->v[ob].sleep_ns += seg_end(t, k) - s->ts;
		c.last_wait_end = seg_end(t, k);
		c.end = wait_return(t, k);
		c.cpu_since = 0;
		c.ender = s->waker;
	}
	return err ? err : chain_close(b, t, &c);
}

static int obj_cmp(const void *a, const void *b)
{
	const struct gp_lock_obj *x = a, *y = b;

	if (x->join != y->join)
		return x->join ? 1 : -1;
	if (x->acquire_ns != y->acquire_ns)
		return x->acquire_ns < y->acquire_ns ? 1 : -1;
	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int acq_cmp(const void *a, const void *b)
{
	const struct gp_acq *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int word_cmp(const void *a, const void *b)
{
	const struct gp_lock *x = *(struct gp_lock *const *)a, *y = *(struct gp_lock *const *)b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	return x->uaddr < y->uaddr ? -1 : x->uaddr > y->uaddr;
}

static void objs_finish(struct gp_lock_objs *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		struct gp_lock_obj *ob = &o->v[i];

		/* every acquisition ended by a thread's exit: a join, whatever the word */
		if (ob->acquisitions && ob->exit_released == ob->acquisitions)
			ob->join = true;
	}
	if (o->n)
		qsort(o->v, o->n, sizeof(*o->v), obj_cmp);
	for (i = 0; i < o->n; i++) {
		qsort(o->v[i].words, o->v[i].nwords, sizeof(*o->v[i].words), word_cmp);
		if (o->v[i].nacqs)
			qsort(o->v[i].acqs, o->v[i].nacqs, sizeof(*o->v[i].acqs), acq_cmp);
		if (!o->v[i].join) {
			o->nlocks++;
			o->acquire_ns += o->v[i].acquire_ns;
		}
	}
}

static void builder_free(struct objs_builder *b)
{
	hashmap_free(&b->by_name);
	hashmap_free(&b->by_word);
}

int lock_objs_build(const struct gp_model *m, gp_namer_fn name, void *ctx, struct gp_lock_objs *out)
{
	struct objs_builder b = {.o = out, .m = m};
	char buf[160], key[128];
	size_t i;
	int err = 0, rc;

	memset(out, 0, sizeof(*out));
	hashmap_init(&b.by_name);
	hashmap_init(&b.by_word);
	for (i = 0; i < m->nlocks && !err; i++) {
		buf[0] = 0;
		rc = name ? name(ctx, m->locks[i]->tgid, m->locks[i]->uaddr, buf, sizeof(buf)) : -1;
		if (rc < 0)
			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)m->locks[i]->uaddr);
		lock_object_key(buf, rc, key, sizeof(key));
		err = obj_add_word(&b, m->locks[i], key);
	}
	if (!err)
		err = releases_collect(&b, m);
	if (!err)
		releases_sort(out);
	for (i = 0; i < m->nthreads && !err; i++)
		err = thread_chains(&b, m->threads[i]);
	builder_free(&b);
	if (err) {
		lock_objs_free(out);
		return err;
	}
	objs_finish(out);
	return 0;
}

void lock_objs_free(struct gp_lock_objs *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		free(o->v[i].words);
		free(o->v[i].waiters);
		free(o->v[i].holders);
		free(o->v[i].acqs);
		free(o->v[i].releases);
		u64vec_free(&o->v[i].durations);
	}
	free(o->v);
	memset(o, 0, sizeof(*o));
}
