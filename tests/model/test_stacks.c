// SPDX-License-Identifier: GPL-2.0
/* The stack table: one id per distinct stack, and undoing the newest (a reader's damaged chunk). */
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <stdlib.h>
#include "model/stacks.h"

static void leak_check(void)
{
	/* Criterion ignores a worker's exit status once its test passed: a leak must crash it */
	if (__lsan_do_recoverable_leak_check())
		abort();
}

TestSuite(stacks, .fini = leak_check);

static uint32_t intern(struct gp_stacks *s, uint32_t tgid, uint64_t pc)
{
	uint64_t user[2] = {pc, 0x401000}, kernel[1] = {0xffffffff81000000ULL};
	uint32_t id;

	cr_assert_eq(stacks_intern(s, tgid, user, 2, kernel, 1, &id), 0);
	return id;
}

Test(stacks, truncate_forgets_the_newest)
{
	struct gp_stacks *s = stacks_new();
	uint32_t i;

	cr_assert_not_null(s);
	for (i = 0; i < 300; i++) /* past the first growth of the table and its index */
		cr_assert_eq(intern(s, 1, 0x500000 + i), i);
	cr_assert_eq(intern(s, 2, 0x500000), 300, "another process: another stack");
	cr_assert_eq(intern(s, 1, 0x500007), 7, "a repeat has its first id");
	stacks_truncate(s, 5);
	cr_assert_eq(stacks_count(s), 5);
	cr_assert_null(stacks_get(s, 5));
	cr_assert_eq(intern(s, 1, 0x500004), 4, "kept");
	cr_assert_eq(intern(s, 1, 0x500007), 5, "forgotten, so new again");
	cr_assert_eq(intern(s, 2, 0x500000), 6);
	cr_assert_eq(stacks_get(s, 6)->tgid, 2);
	stacks_truncate(s, 0);
	cr_assert_eq(intern(s, 1, 0x500004), 0);
	stacks_truncate(s, 9); /* beyond the end: nothing */
	cr_assert_eq(stacks_count(s), 1);
	stacks_free(s);
}
