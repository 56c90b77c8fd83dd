// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/analysis.h"

void totals_add_thread(struct gp_totals *tot, const struct gp_thread *t, unsigned ncpus)
{
	unsigned c;
	int b;

	tot->nthreads++;
	tot->lifetime += thread_lifetime(t);
	for (b = 0; b < GP_B_COUNT; b++)
		tot->bucket[b] += t->bucket[b];
	for (c = 0; c < ncpus && c < GP_MAX_CPUS; c++)
		tot->running_cpu[c] += t->running_cpu[c];
	tot->nvcsw += t->nvcsw;
	tot->nivcsw += t->nivcsw;
	tot->migrations += t->migrations;
	tot->wakeups += t->wakeups;
}

void totals_of_process(struct gp_totals *tot, const struct gp_process *p, unsigned ncpus)
{
	size_t i;

	memset(tot, 0, sizeof(*tot));
	for (i = 0; i < p->nthreads; i++)
		totals_add_thread(tot, p->threads[i], ncpus);
}

void totals_of_model(struct gp_totals *tot, const struct gp_model *m)
{
	size_t i;

	memset(tot, 0, sizeof(*tot));
	for (i = 0; i < m->nthreads; i++)
		totals_add_thread(tot, m->threads[i], m->ncpus);
}

struct gp_closure analysis_closure(const struct gp_model *m)
{
	struct gp_closure c = {0};
	size_t i;

	for (i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];
		uint64_t life = thread_lifetime(t), acc = thread_accounted(t);
		uint64_t err = life > acc ? life - acc : acc - life;
		double rel = life ? (double)err / life : 0;

		c.threads++;
		if (err > c.max_abs_err_ns || rel > c.max_rel_err) {
			if (err > c.max_abs_err_ns)
				c.max_abs_err_ns = err;
			if (rel > c.max_rel_err)
				c.max_rel_err = rel;
			c.worst_tid = t->tid;
		}
	}
	return c;
}

static int lock_cmp(const void *a, const void *b)
{
	const struct gp_lock *x = *(const struct gp_lock *const *)a;
	const struct gp_lock *y = *(const struct gp_lock *const *)b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	if (x->waits != y->waits)
		return x->waits < y->waits ? 1 : -1;
	return x->uaddr < y->uaddr ? -1 : x->uaddr > y->uaddr;
}

static void **sorted_copy(void *const *v, size_t n, int (*cmp)(const void *, const void *))
{
	void **out;

	if (!n)
		return NULL;
	out = malloc(n * sizeof(*out));
	if (!out)
		return NULL;
	memcpy(out, v, n * sizeof(*out));
	qsort(out, n, sizeof(*out), cmp);
	return out;
}

struct gp_lock **analysis_locks_by_wait(const struct gp_model *m, size_t *n)
{
	struct gp_lock **out =
		(struct gp_lock **)sorted_copy((void *const *)m->locks, m->nlocks, lock_cmp);

	*n = out ? m->nlocks : 0;
	return out;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct gp_wake_pair *x = *(const struct gp_wake_pair *const *)a;
	const struct gp_wake_pair *y = *(const struct gp_wake_pair *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->waker != y->waker)
		return x->waker < y->waker ? -1 : 1;
	return x->wakee < y->wakee ? -1 : x->wakee > y->wakee;
}

struct gp_wake_pair **analysis_pairs_by_count(const struct gp_model *m, size_t *n)
{
	struct gp_wake_pair **out =
		(struct gp_wake_pair **)sorted_copy((void *const *)m->pairs, m->npairs, pair_cmp);

	*n = out ? m->npairs : 0;
	return out;
}

void analysis_oncpu_spans(const struct gp_model *m, uint64_t *per_cpu)
{
	size_t i, k;

	memset(per_cpu, 0, m->ncpus * sizeof(*per_cpu));
	for (i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];

		for (k = 0; k < t->tl.n; k++) {
			const struct gp_seg *s = &t->tl.v[k];

			if (s->bucket == GP_B_RUNNING && s->cpu < m->ncpus)
				per_cpu[s->cpu] +=
					(k + 1 < t->tl.n ? t->tl.v[k + 1].ts : t->end_ts) - s->ts;
		}
	}
}

double analysis_parallelism(const struct gp_totals *tot, uint64_t wall_ns)
{
	return wall_ns ? (double)tot->bucket[GP_B_RUNNING] / wall_ns : 0;
}

bool lock_filter_match(const char *filter, uint64_t uaddr, const char *name)
{
	size_t base = strcspn(name, "+.");
	char *end;
	unsigned long long a;

	if (!strncmp(filter, "0x", 2)) {
		a = strtoull(filter, &end, 16);
		if (!*end)
			return a == uaddr;
	}
	return !strcmp(filter, name) || (strlen(filter) == base && !strncmp(filter, name, base));
}
