// SPDX-License-Identifier: GPL-2.0
/* Analysis over small models: --lock matching, parallelism. (Lock objects: test_verdict.c.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "analyze/analysis.h"

Test(analysis, lock_filter_matches_address_word_object)
{
	cr_assert(lock_filter_match("0x1050", 0x1050, "gil+0x50"));
	cr_assert_not(lock_filter_match("0x1054", 0x1050, "gil+0x50"));
	cr_assert(lock_filter_match("gil+0x50", 0x1050, "gil+0x50"));
	cr_assert(lock_filter_match("gil", 0x1050, "gil+0x50"));
	cr_assert(lock_filter_match("gil", 0x1050, "gil.cond"));
	cr_assert_not(lock_filter_match("gi", 0x1050, "gil+0x50"));
	cr_assert_not(lock_filter_match("gil+0x5", 0x1050, "gil+0x50"));
	cr_assert(lock_filter_match("CPython GIL (cond)", 0xa5b8f0, "CPython GIL (cond)"));
	cr_assert_not(lock_filter_match("counter_lock", 0x2000, "gil"));
}

Test(analysis, parallelism_is_running_over_wall)
{
	struct gp_totals t = {0};

	t.bucket[GP_B_RUNNING] = 3000;
	cr_assert_float_eq(analysis_parallelism(&t, 2000), 1.5, 1e-12);
	cr_assert_float_eq(analysis_parallelism(&t, 0), 0.0, 1e-12);
}
