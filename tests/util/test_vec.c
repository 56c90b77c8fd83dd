// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "util/vec.h"

Test(vec, grows_by_doubling_from_first)
{
	uint32_t *v = NULL;
	size_t cap = 0, n;

	for (n = 0; n < 100; n++) {
		cr_assert_eq(vec_reserve((void **)&v, &cap, n, sizeof(*v), 4), 0);
		v[n] = n;
	}
	cr_assert_eq(cap, 128, "4, 8, ..., 128");
	for (n = 0; n < 100; n++)
		cr_assert_eq(v[n], n);
	free(v);
}

Test(vec, no_growth_while_there_is_room)
{
	uint64_t *v = NULL, *before;
	size_t cap = 0;

	cr_assert_eq(vec_reserve((void **)&v, &cap, 0, sizeof(*v), 8), 0);
	before = v;
	cr_assert_eq(vec_reserve((void **)&v, &cap, 7, sizeof(*v), 8), 0);
	cr_assert_eq(v, before);
	cr_assert_eq(cap, 8);
	free(v);
}

Test(vec, refuses_sizes_that_overflow)
{
	void *v = NULL;
	size_t cap = SIZE_MAX / 16 + 1;

	cr_assert_eq(vec_reserve(&v, &cap, cap, 16, 8), -ENOMEM);
	cr_assert_null(v);
}
