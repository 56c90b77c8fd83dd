// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>

#include "util/sorted.h"

/* sorted_bound() against a walk, with runs of equal keys and a key that is not the first member. */
Test(sorted, bound)
{
	struct rec {
		uint32_t pad;
		uint64_t key;
	} r[40];
	size_t lo, hi;

	for (size_t i = 0; i < 40; i++)
		r[i] = (struct rec){.pad = (uint32_t)i, .key = 10 * (i / 3)};
	for (uint64_t key = 0; key <= 150; key++) {
		for (size_t n = 0; n <= 40; n += 7) {
			for (lo = 0; lo < n && r[lo].key < key; lo++)
				;
			for (hi = lo; hi < n && r[hi].key == key; hi++)
				;
			cr_assert_eq(sorted_bound(r, n, sizeof(*r), offsetof(struct rec, key), key,
						  false),
				     lo, "key %lu, n %zu", (unsigned long)key, n);
			cr_assert_eq(sorted_bound(r, n, sizeof(*r), offsetof(struct rec, key), key,
						  true),
				     hi, "key %lu, n %zu", (unsigned long)key, n);
		}
	}
}
