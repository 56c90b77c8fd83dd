// SPDX-License-Identifier: GPL-2.0
/* Analysis over small models: lock objects grouped by symbol, --lock matching, closure. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "analyze/analysis.h"

#define P 100

/* Words 0x1000..0x10ff are the object "gil", 0x2000 is "counter_lock", the rest unnamed. */
static int fake_namer(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	if (uaddr >= 0x1000 && uaddr < 0x1100) {
		if (uaddr == 0x1000)
			snprintf(buf, len, "gil");
		else
			snprintf(buf, len, "gil+0x%llx", (unsigned long long)(uaddr - 0x1000));
		return 0;
	}
	if (uaddr == 0x2000) {
		snprintf(buf, len, "counter_lock");
		return 0;
	}
	snprintf(buf, len, "[heap]+0x%llx", (unsigned long long)uaddr);
	return 1;
}

static void wait_on(struct gp_model *m, uint32_t tid, uint64_t uaddr, uint64_t at, uint64_t dur,
		    int64_t ret)
{
	union gp_event e = {0};

	e.h.tgid = P;
	e.h.tid = tid;
	e.h.ts = at;
	e.h.type = GP_EV_FUTEX_ENTER;
	e.fenter.uaddr = uaddr;
	cr_assert_eq(model_feed(m, &e), 0);
	memset(&e, 0, sizeof(e));
	e.h.tgid = P;
	e.h.tid = tid;
	e.h.ts = at + dur;
	e.h.type = GP_EV_FUTEX_EXIT;
	e.fexit.ret = ret;
	cr_assert_eq(model_feed(m, &e), 0);
}

Test(analysis, words_of_one_symbol_form_one_lock_object)
{
	struct gp_model *m = model_new(2);
	struct gp_lock_group *g;
	size_t n;

	wait_on(m, 1, 0x1050, 0, 5000, -110); /* gil+0x50, timed out */
	wait_on(m, 2, 0x1054, 10000, 7000, 0); /* gil+0x54 */
	wait_on(m, 2, 0x1000, 20000, 1000, 0); /* gil */
	wait_on(m, 3, 0x2000, 30000, 4000, 0); /* counter_lock */
	wait_on(m, 3, 0x9000, 40000, 100, 0); /* unnamed */
	model_finish(m, 50000);
	g = analysis_lock_groups(m, fake_namer, NULL, &n);
	cr_assert_not_null(g);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(g[0].name, "gil");
	cr_assert_eq(g[0].nwords, 3);
	cr_assert_eq(g[0].waits, 3);
	cr_assert_eq(g[0].timeouts, 1);
	cr_assert_eq(g[0].wait_ns, 13000);
	cr_assert_eq(g[0].nwaiters, 2, "threads 1 and 2, each counted once");
	cr_assert_str_eq(g[1].name, "counter_lock");
	cr_assert_eq(g[1].wait_ns, 4000);
	cr_assert_str_eq(g[2].name, "[heap]+0x9000", "an unnamed word is its own object");
	lock_groups_free(g, n);
	model_free(m);
}

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
