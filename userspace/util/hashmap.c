// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include "util/hashmap.h"

/*
 * Keys come from recordings and traced programs: a hash anyone can invert lets a file put every
 * key in one probe run (or hash chain), and a report then takes quadratic time. A secret per
 * process keeps that from being planned; nothing depends on the order the hash gives.
 */
static uint64_t hash_seed;

__attribute__((constructor)) static void hashmap_seed_init(void)
{
	struct timespec ts;

	if (getrandom(&hash_seed, sizeof(hash_seed), GRND_NONBLOCK) == sizeof(hash_seed))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* no entropy yet: better than none */
	hash_seed = (uint64_t)(uintptr_t)&ts ^ (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec;
}

uint64_t hashmap_seed(void)
{
	return hash_seed;
}

static uint64_t hkey_hash(uint64_t a, uint64_t b)
{
	/* splitmix64 finaliser over both words: tids and addresses cluster in low bits */
	uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6)) ^ hash_seed;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void hashmap_init(struct gp_hashmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void hashmap_free(struct gp_hashmap *m)
{
	free(m->slots);
	hashmap_init(m);
}

static struct gp_hslot *hashmap_find(const struct gp_hashmap *m, uint64_t a, uint64_t b)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hkey_hash(a, b) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct gp_hslot *s = &m->slots[i];

		if (!s->val || (s->key.a == a && s->key.b == b))
			return s;
	}
}

void *hashmap_get(const struct gp_hashmap *m, uint64_t a, uint64_t b)
{
	struct gp_hslot *s = hashmap_find(m, a, b);

	return s ? s->val : NULL;
}

static int hashmap_grow(struct gp_hashmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, i;
	struct gp_hashmap n = {calloc(ncap, sizeof(struct gp_hslot)), ncap, 0};

	if (!n.slots)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].val)
			*hashmap_find(&n, m->slots[i].key.a, m->slots[i].key.b) = m->slots[i];
	}
	n.len = m->len;
	free(m->slots);
	*m = n;
	return 0;
}

int hashmap_put(struct gp_hashmap *m, uint64_t a, uint64_t b, void *val)
{
	struct gp_hslot *s;

	if ((m->len + 1) * 4 > m->cap * 3 && hashmap_grow(m))
		return -ENOMEM;
	s = hashmap_find(m, a, b);
	if (!s->val)
		m->len++;
	s->key.a = a;
	s->key.b = b;
	s->val = val;
	return 0;
}

void *hashmap_del(struct gp_hashmap *m, uint64_t a, uint64_t b)
{
	struct gp_hslot *s = hashmap_find(m, a, b);
	size_t i, j;
	void *val;

	if (!s || !s->val)
		return NULL;
	val = s->val;
	s->val = NULL;
	m->len--;
	/* Re-insert the rest of the probe run so lookups past the hole still find their keys. */
	i = s - m->slots;
	for (j = (i + 1) & (m->cap - 1); m->slots[j].val; j = (j + 1) & (m->cap - 1)) {
		struct gp_hslot moved = m->slots[j];

		m->slots[j].val = NULL;
		*hashmap_find(m, moved.key.a, moved.key.b) = moved;
	}
	return val;
}

int hashmap_next(const struct gp_hashmap *m, size_t *pos, struct gp_hkey *key, void **val)
{
	for (; *pos < m->cap; (*pos)++) {
		if (m->slots[*pos].val) {
			if (key)
				*key = m->slots[*pos].key;
			*val = m->slots[(*pos)++].val;
			return 1;
		}
	}
	return 0;
}
