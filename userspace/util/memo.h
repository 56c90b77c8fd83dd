/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A lossy memo from short keys (two words and a tag) to a 64-bit value: a direct-mapped table in
 * which a new key takes the slot of the one before it. It is for a lookup repeated tens of
 * millions of times over a few thousand keys, where a hash table's hashing of bytes, probing and
 * comparing cost more than the work behind them: a memo lookup is a multiply and one cache line.
 * A miss costs the caller its slow path only, so keys that collide, by chance or by design, cost
 * no more than that. Inline because the folded reader asks it once for every frame.
 */
#ifndef GP_MEMO_H
#define GP_MEMO_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct gp_memo_key {
	uint64_t a, b;
	uint32_t tag; /* the caller's (a length, flags), never 0: that marks an empty slot */
};

struct gp_memo_slot {
	uint64_t a, b, val;
	uint32_t tag;
};

struct gp_memo {
	struct gp_memo_slot *slots;
	unsigned shift; /* 64 - log2 of the number of slots */
};

/* 2^bits slots (bits in 1..32) of 32 bytes. 0 or -ENOMEM. */
static inline int memo_init(struct gp_memo *m, unsigned bits)
{
	m->slots = calloc((size_t)1 << bits, sizeof(*m->slots));
	m->shift = 64 - bits;
	return m->slots ? 0 : -ENOMEM;
}

static inline void memo_free(struct gp_memo *m)
{
	free(m->slots);
	m->slots = NULL;
}

/* The top bits of a product depend on every bit of its factor. */
static inline struct gp_memo_slot *memo_slot(const struct gp_memo *m, const struct gp_memo_key *k)
{
	uint64_t h = ((k->a ^ k->tag) * 0x9e3779b97f4a7c15ULL ^ k->b) * 0xbf58476d1ce4e5b9ULL;

	return &m->slots[h >> m->shift];
}

/* True with *val if key was put and not displaced since. */
static inline bool memo_get(const struct gp_memo *m, const struct gp_memo_key *k, uint64_t *val)
{
	const struct gp_memo_slot *s = memo_slot(m, k);

	if ((s->a ^ k->a) | (s->b ^ k->b) | (s->tag ^ k->tag))
		return false;
	*val = s->val;
	return true;
}

/* The key takes its slot from whichever key had it. */
static inline void memo_put(struct gp_memo *m, const struct gp_memo_key *k, uint64_t val)
{
	*memo_slot(m, k) = (struct gp_memo_slot){.a = k->a, .b = k->b, .val = val, .tag = k->tag};
}

#endif /* GP_MEMO_H */
