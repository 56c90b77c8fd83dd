/* SPDX-License-Identifier: GPL-2.0 */
/* Open-addressing hash map from a pair of u64 keys to a pointer, with insertion-order iteration
 * left to callers (they keep their own arrays when order matters). */
#ifndef GP_HASHMAP_H
#define GP_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct gp_hkey {
	uint64_t a, b;
};

struct gp_hslot {
	struct gp_hkey key;
	void *val; /* NULL marks an empty slot */
};

struct gp_hashmap {
	struct gp_hslot *slots;
	size_t cap; /* power of two */
	size_t len;
};

/* The secret that keys every hash of this process, for tables that chain on a hash of their
 * own (stacks, profile cells): the same for the whole run, another for the next. */
uint64_t hashmap_seed(void);

void hashmap_init(struct gp_hashmap *m);
void hashmap_free(struct gp_hashmap *m);
void *hashmap_get(const struct gp_hashmap *m, uint64_t a, uint64_t b);
/* Insert or replace; val must not be NULL. Returns 0 or -ENOMEM. */
int hashmap_put(struct gp_hashmap *m, uint64_t a, uint64_t b, void *val);
/* Remove a key; returns its value or NULL. */
void *hashmap_del(struct gp_hashmap *m, uint64_t a, uint64_t b);

/* Iterate: for (size_t i = 0; hashmap_next(m, &i, &k, &v);) */
int hashmap_next(const struct gp_hashmap *m, size_t *pos, struct gp_hkey *key, void **val);

#endif
