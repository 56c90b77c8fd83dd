// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "model/stackprof.h"
#include "util/vec.h"

void stackprof_init(struct gp_stackprof *p)
{
	p->cells = NULL;
	p->n = p->cap = 0;
	hashmap_init(&p->idx);
}

void stackprof_free(struct gp_stackprof *p)
{
	free(p->cells);
	hashmap_free(&p->idx);
	stackprof_init(p);
}

static uint64_t cell_hash(const struct gp_prof_cell *c)
{
	uint64_t h = ((uint64_t)c->tid << 32 | c->kind) * 0x9e3779b97f4a7c15ULL ^ hashmap_seed();

	h ^= ((uint64_t)c->stack << 32 | c->stack2) + 0x632be59bd9b4e019ULL + (h << 6) + (h >> 2);
	h ^= (c->uaddr ^ (uint64_t)c->op << 48) * 0xbf58476d1ce4e5b9ULL + (h << 6) + (h >> 2);
	return h;
}

static int cell_same(const struct gp_prof_cell *a, const struct gp_prof_cell *b)
{
	return a->tid == b->tid && a->kind == b->kind && a->stack == b->stack &&
	       a->stack2 == b->stack2 && a->uaddr == b->uaddr && a->op == b->op;
}

int stackprof_add(struct gp_stackprof *p, const struct gp_prof_cell *key, uint64_t weight)
{
	uint64_t h = cell_hash(key), k;
	uintptr_t v;

	for (k = 0; (v = (uintptr_t)hashmap_get(&p->idx, h, k)); k++) {
		if (cell_same(&p->cells[v - 1], key)) {
			p->cells[v - 1].weight += weight;
			p->cells[v - 1].count++;
			return 0;
		}
	}
	if (vec_reserve((void **)&p->cells, &p->cap, p->n, sizeof(*p->cells), 256))
		return -ENOMEM;
	if (hashmap_put(&p->idx, h, k, (void *)(uintptr_t)(p->n + 1)))
		return -ENOMEM;
	p->cells[p->n] = *key;
	p->cells[p->n].weight = weight;
	p->cells[p->n].count = 1;
	p->n++;
	return 0;
}
