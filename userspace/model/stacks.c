// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util/hashmap.h"
#include "model/stacks.h"
#include "util/vec.h"

struct gp_stacks {
	struct gp_stack_rec *recs;
	size_t n, cap;
	/* (hash, collision index) -> id + 1: equal hashes chain through increasing indexes */
	struct gp_hashmap by_hash;
};

struct gp_stacks *stacks_new(void)
{
	struct gp_stacks *s = calloc(1, sizeof(*s));

	if (s)
		hashmap_init(&s->by_hash);
	return s;
}

void stacks_free(struct gp_stacks *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->recs[i].user); /* kernel frames share the allocation */
	free(s->recs);
	hashmap_free(&s->by_hash);
	free(s);
}

static uint64_t frames_hash(uint32_t tgid, const uint64_t *f, uint32_t n, uint64_t h)
{
	uint32_t i;

	h ^= tgid * 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < n; i++) {
		h ^= f[i] + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
		h *= 0xff51afd7ed558ccdULL;
	}
	return h ^ (h >> 29);
}

static int rec_equal(const struct gp_stack_rec *r, uint32_t tgid, const uint64_t *user,
		     uint32_t nuser, const uint64_t *kernel, uint32_t nkernel)
{
	return r->tgid == tgid && r->nuser == nuser && r->nkernel == nkernel &&
	       !memcmp(r->user, user, nuser * sizeof(uint64_t)) &&
	       !memcmp(r->kernel, kernel, nkernel * sizeof(uint64_t));
}

static int rec_add(struct gp_stacks *s, uint32_t tgid, const uint64_t *user, uint32_t nuser,
		   const uint64_t *kernel, uint32_t nkernel)
{
	struct gp_stack_rec *r;
	uint64_t *frames;

	if (vec_reserve((void **)&s->recs, &s->cap, s->n, sizeof(*s->recs), 256))
		return -ENOMEM;
	frames = malloc((nuser + nkernel + 1) * sizeof(uint64_t));
	if (!frames)
		return -ENOMEM;
	memcpy(frames, user, nuser * sizeof(uint64_t));
	memcpy(frames + nuser, kernel, nkernel * sizeof(uint64_t));
	r = &s->recs[s->n];
	r->tgid = tgid;
	r->nuser = nuser;
	r->nkernel = nkernel;
	r->user = frames;
	r->kernel = frames + nuser;
	return 0;
}

static uint64_t rec_hash(uint32_t tgid, const uint64_t *user, uint32_t nuser,
			 const uint64_t *kernel, uint32_t nkernel)
{
	uint64_t h = frames_hash(tgid, user, nuser, nuser ^ hashmap_seed());

	return frames_hash(tgid, kernel, nkernel, h);
}

int stacks_intern(struct gp_stacks *s, uint32_t tgid, const uint64_t *user, uint32_t nuser,
		  const uint64_t *kernel, uint32_t nkernel, uint32_t *id)
{
	uint64_t h = rec_hash(tgid, user, nuser, kernel, nkernel);
	uintptr_t v;
	uint64_t k;

	for (k = 0; (v = (uintptr_t)hashmap_get(&s->by_hash, h, k)); k++) {
		if (rec_equal(&s->recs[v - 1], tgid, user, nuser, kernel, nkernel)) {
			*id = v - 1;
			return 0;
		}
	}
	if (rec_add(s, tgid, user, nuser, kernel, nkernel))
		return -ENOMEM;
	if (hashmap_put(&s->by_hash, h, k, (void *)(uintptr_t)(s->n + 1))) {
		free(s->recs[s->n].user);
		return -ENOMEM;
	}
	*id = s->n++;
	return 0;
}

void stacks_truncate(struct gp_stacks *s, size_t n)
{
	while (s->n > n) {
		struct gp_stack_rec *r = &s->recs[--s->n];
		uint64_t h = rec_hash(r->tgid, r->user, r->nuser, r->kernel, r->nkernel), k;
		uintptr_t v;

		/* the newest stack of a hash ends its chain, so no later index is left behind */
		for (k = 0; (v = (uintptr_t)hashmap_get(&s->by_hash, h, k)); k++) {
			if (v == s->n + 1) {
				hashmap_del(&s->by_hash, h, k);
				break;
			}
		}
		free(r->user);
	}
}

const struct gp_stack_rec *stacks_get(const struct gp_stacks *s, uint32_t id)
{
	return id < s->n ? &s->recs[id] : NULL;
}

size_t stacks_count(const struct gp_stacks *s)
{
	return s->n;
}
