/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Binary search of arrays of structs sorted by an address: symbols, address ranges and variables
 * by their start. Inline because symbolization asks it once for every frame of every stack.
 */
#ifndef GP_SORTED_H
#define GP_SORTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The index where key goes among the n elements of size bytes at base, each keyed by the uint64_t
 * at byte offset key_off and sorted by it: before the elements equal to key (the first one not
 * below it), or with after set, after them (the first one above it). Walking down from the latter
 * visits the elements at or below key, nearest first.
 */
static inline size_t sorted_bound(const void *base, size_t n, size_t size, size_t key_off,
				  uint64_t key, bool after)
{
	size_t lo = 0, hi = n, mid;
	uint64_t k;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&k, (const char *)base + mid * size + key_off, sizeof(k));
		if (k < key || (after && k == key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#endif /* GP_SORTED_H */
