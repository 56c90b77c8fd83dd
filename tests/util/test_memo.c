// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <stdint.h>

#include "util/memo.h"

Test(memo, finds_what_was_put_and_only_that)
{
	struct gp_memo m;
	struct gp_memo_key k = {.a = 0x6e69616d, .b = 0, .tag = 4}, other;
	uint64_t v = 0;

	cr_assert_eq(memo_init(&m, 8), 0);
	cr_assert_not(memo_get(&m, &k, &v), "an empty memo has nothing");
	other = (struct gp_memo_key){.tag = 1};
	cr_assert_not(memo_get(&m, &other, &v), "not even a key of zero words");
	memo_put(&m, &k, 42);
	cr_assert(memo_get(&m, &k, &v));
	cr_assert_eq(v, 42);
	other = k;
	other.tag = 4 | 1 << 5;
	cr_assert_not(memo_get(&m, &other, &v), "the tag is part of the key");
	other = k;
	other.b = 1;
	cr_assert_not(memo_get(&m, &other, &v));
	memo_put(&m, &k, 43);
	cr_assert(memo_get(&m, &k, &v));
	cr_assert_eq(v, 43, "a put replaces");
	memo_free(&m);
}

/* Lossy: of two keys of one slot the last put stays, and the other misses, never wrongly hits. */
Test(memo, a_key_of_the_same_slot_displaces)
{
	struct gp_memo m;
	struct gp_memo_key k = {.a = 1, .tag = 1}, c = k;
	uint64_t v;

	cr_assert_eq(memo_init(&m, 2), 0);
	for (c.a = 2; memo_slot(&m, &c) != memo_slot(&m, &k); c.a++)
		;
	memo_put(&m, &k, 1);
	memo_put(&m, &c, 2);
	cr_assert_not(memo_get(&m, &k, &v));
	cr_assert(memo_get(&m, &c, &v));
	cr_assert_eq(v, 2);
	memo_free(&m);
}
