// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "model/event.h"
#include "model/lockstat.h"
#include "util/vec.h"

int u64vec_push(struct gp_u64vec *vec, uint64_t x)
{
	if (vec_reserve((void **)&vec->v, &vec->cap, vec->n, sizeof(*vec->v), 64))
		return -ENOMEM;
	vec->v[vec->n++] = x;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t u64vec_percentile(struct gp_u64vec *vec, double pct)
{
	size_t rank;

	if (!vec->n)
		return 0;
	if (vec->nsorted != vec->n) {
		qsort(vec->v, vec->n, sizeof(uint64_t), u64_cmp);
		vec->nsorted = vec->n;
	}
	rank = (size_t)(pct / 100.0 * vec->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > vec->n)
		rank = vec->n;
	return vec->v[rank - 1];
}

void u64vec_free(struct gp_u64vec *vec)
{
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->cap = vec->nsorted = 0;
}

enum gp_wait_outcome futex_outcome(int64_t ret)
{
	switch (ret) {
	case 0:
		return GP_WO_WOKEN;
	case -ETIMEDOUT:
		return GP_WO_TIMEOUT;
	case -EAGAIN:
		return GP_WO_AGAIN;
	case -EINTR:
	case -512: /* ERESTARTSYS and its kin: a signal, seen before the kernel translates it */
	case -513:
	case -514:
	case -516:
		return GP_WO_INTR;
	case GP_FUTEX_RET_UNSEEN:
		return GP_WO_UNSEEN;
	case GP_FUTEX_RET_ONGOING:
		return GP_WO_ONGOING;
	default:
		/* futex_waitv returns the index of the word that woke it */
		return ret > 0 ? GP_WO_WOKEN : GP_WO_OTHER;
	}
}

const char *waker_label(uint32_t waker)
{
	switch (waker) {
	case GP_WAKER_TIMEOUT:
		return "timeout";
	case GP_WAKER_SIGNAL:
		return "signal";
	case GP_WAKER_NONE:
		return "no sleep";
	case GP_WAKER_UNSEEN:
		return "unseen";
	case GP_WAKER_UNKNOWN:
		return "unknown waker";
	case GP_WAKER_ONGOING:
		return "still waiting";
	case GP_WAKER_IRQ:
		return "interrupt";
	case GP_WAKER_TIMER:
		return "timer";
	}
	return NULL;
}

static void depth_advance(struct gp_lock *l, uint64_t ts)
{
	if (ts > l->depth_since) {
		l->depth_area += (uint64_t)l->depth * (ts - l->depth_since);
		l->depth_since = ts;
	}
}

void lock_wait_begin(struct gp_lock *l, uint64_t ts)
{
	if (!l->first_ts)
		l->first_ts = l->depth_since = ts;
	depth_advance(l, ts);
	if (++l->depth > l->max_depth)
		l->max_depth = l->depth;
}

/*
 * A lock's waiters, pairs and stacks are searched in line while there are few, as most locks have
 * a handful and a hash table each would cost them more than the search. Past LINE_MAX they are
 * indexed: a program (or a recording) can give one lock a hundred thousand waiters, and a search
 * in line at each wait then takes quadratic time.
 */
#define LINE_MAX 16

typedef void (*entry_key_fn)(const void *v, size_t i, uint64_t *a, uint64_t *b);

/* The position of key (a, b) in idx, -1 if absent; -2 when not indexed: search in line. */
static long idx_find(const struct gp_hashmap *idx, uint64_t a, uint64_t b)
{
	return idx->len ? (long)(uintptr_t)hashmap_get(idx, a, b) - 1 : -2;
}

/* Entry n - 1 of v, of key (a, b), was appended: index it, or all once past LINE_MAX. */
static int idx_added(struct gp_hashmap *idx, const void *v, size_t n, uint64_t a, uint64_t b,
		     entry_key_fn key)
{
	size_t i;

	if (n <= LINE_MAX)
		return 0;
	if (idx->len)
		return hashmap_put(idx, a, b, (void *)(uintptr_t)n);
	for (i = 0; i < n; i++) {
		key(v, i, &a, &b);
		if (hashmap_put(idx, a, b, (void *)(uintptr_t)(i + 1)))
			return -ENOMEM;
	}
	return 0;
}

static void waiter_key(const void *v, size_t i, uint64_t *a, uint64_t *b)
{
	*a = ((const uint32_t *)v)[i];
	*b = 0;
}

static int waiter_add(struct gp_lock *l, uint32_t tid)
{
	long at = idx_find(&l->waiters_idx, tid, 0);
	size_t i;

	for (i = 0; at == -2 && i < l->nwaiters; i++) {
		if (l->waiters[i] == tid)
			at = i;
	}
	if (at >= 0)
		return 0;
	if (vec_reserve((void **)&l->waiters, &l->capwaiters, l->nwaiters, sizeof(*l->waiters), 8))
		return -ENOMEM;
	l->waiters[l->nwaiters++] = tid;
	return idx_added(&l->waiters_idx, l->waiters, l->nwaiters, tid, 0, waiter_key);
}

static void pair_key(const void *v, size_t i, uint64_t *a, uint64_t *b)
{
	*a = ((const struct gp_lock_pair *)v)[i].waiter;
	*b = ((const struct gp_lock_pair *)v)[i].waker;
}

static int pair_add(struct gp_lock *l, uint32_t waiter, uint32_t waker, uint64_t dur)
{
	long at = idx_find(&l->pairs_idx, waiter, waker);
	struct gp_lock_pair *p;
	size_t i;

	for (i = 0; at == -2 && i < l->npairs; i++) {
		if (l->pairs[i].waiter == waiter && l->pairs[i].waker == waker)
			at = i;
	}
	if (at < 0) {
		if (vec_reserve((void **)&l->pairs, &l->cappairs, l->npairs, sizeof(*l->pairs), 8))
			return -ENOMEM;
		at = l->npairs;
		l->pairs[l->npairs++] = (struct gp_lock_pair){waiter, waker, 0, 0};
		if (idx_added(&l->pairs_idx, l->pairs, l->npairs, waiter, waker, pair_key))
			return -ENOMEM;
	}
	p = &l->pairs[at];
	p->count++;
	p->wait_ns += dur;
	return 0;
}

static void stack_key(const void *v, size_t i, uint64_t *a, uint64_t *b)
{
	*a = ((const struct gp_lock_stack *)v)[i].stack;
	*b = 0;
}

static int stack_add(struct gp_lock_stacks *st, uint32_t id1, uint64_t ns)
{
	long at;
	size_t i;

	if (!id1)
		return 0;
	at = idx_find(&st->idx, id1 - 1, 0);
	for (i = 0; at == -2 && i < st->n; i++) {
		if (st->v[i].stack == id1 - 1)
			at = i;
	}
	if (at < 0) {
		if (vec_reserve((void **)&st->v, &st->cap, st->n, sizeof(*st->v), 8))
			return -ENOMEM;
		at = st->n;
		st->v[st->n++] = (struct gp_lock_stack){id1 - 1, 0, 0};
		if (idx_added(&st->idx, st->v, st->n, id1 - 1, 0, stack_key))
			return -ENOMEM;
	}
	st->v[at].count++;
	st->v[at].ns += ns;
	return 0;
}

int lock_wait_end(struct gp_lock *l, const struct gp_wait_end *w)
{
	uint64_t dur = w->ts > w->enter_ts ? w->ts - w->enter_ts : 0;
	enum gp_wait_outcome o = futex_outcome(w->ret);
	bool by_thread = o == GP_WO_WOKEN && waker_is_task(w->waker);

	depth_advance(l, w->ts);
	if (l->depth)
		l->depth--;
	l->last_ts = w->ts;
	l->waits++;
	l->outcome[o]++;
	l->wait_ns += dur;
	if (dur > l->max_ns)
		l->max_ns = dur;
	if (by_thread && w->waker != w->tid)
		l->handoffs++;
	if (!l->first_stack)
		l->first_stack = w->wait_stack;
	if (u64vec_push(&l->durations, dur) || waiter_add(l, w->tid) ||
	    pair_add(l, w->tid, w->waker, dur) || stack_add(&l->wait_stacks, w->wait_stack, dur) ||
	    stack_add(&l->release_stacks, by_thread ? w->waker_stack : 0, dur))
		return -ENOMEM;
	return 0;
}

static int lstack_cmp(const void *a, const void *b)
{
	const struct gp_lock_stack *x = *(const struct gp_lock_stack *const *)a;
	const struct gp_lock_stack *y = *(const struct gp_lock_stack *const *)b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

struct gp_lock_stack **lock_stacks_sorted(const struct gp_lock_stacks *st, size_t *n)
{
	struct gp_lock_stack **out;
	size_t i;

	*n = 0;
	if (!st->n || !(out = malloc(st->n * sizeof(*out))))
		return NULL;
	for (i = 0; i < st->n; i++)
		out[i] = &st->v[i];
	qsort(out, st->n, sizeof(*out), lstack_cmp);
	*n = st->n;
	return out;
}

double lock_mean_depth(const struct gp_lock *l)
{
	return l->last_ts > l->first_ts ? (double)l->depth_area / (l->last_ts - l->first_ts) : 0;
}

void lock_free(struct gp_lock *l)
{
	if (!l)
		return;
	u64vec_free(&l->durations);
	u64vec_free(&l->wake_to_run);
	free(l->waiters);
	free(l->pairs);
	free(l->wait_stacks.v);
	free(l->release_stacks.v);
	hashmap_free(&l->waiters_idx);
	hashmap_free(&l->pairs_idx);
	hashmap_free(&l->wait_stacks.idx);
	hashmap_free(&l->release_stacks.idx);
	free(l);
}

static int pair_cmp(const void *a, const void *b)
{
	const struct gp_lock_pair *x = *(const struct gp_lock_pair *const *)a;
	const struct gp_lock_pair *y = *(const struct gp_lock_pair *const *)b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	return x->waiter != y->waiter ? (x->waiter < y->waiter ? -1 : 1)
				      : (x->waker < y->waker ? -1 : x->waker > y->waker);
}

struct gp_lock_pair **lock_pairs_sorted(const struct gp_lock *l, size_t *n)
{
	struct gp_lock_pair **out;
	size_t i;

	*n = 0;
	if (!l->npairs || !(out = malloc(l->npairs * sizeof(*out))))
		return NULL;
	for (i = 0; i < l->npairs; i++)
		out[i] = &l->pairs[i];
	qsort(out, l->npairs, sizeof(*out), pair_cmp);
	*n = l->npairs;
	return out;
}
