// SPDX-License-Identifier: GPL-2.0
/* gilprof monitor's --trigger rules: what parses, the one-line errors, and when a rule fires. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "analyze/trigger.h"

#define MS 1000000ULL

static struct gp_trigger t;
static char err[256];

Test(trigger, rules_that_parse)
{
	cr_assert_eq(trigger_parse("gil_wait>0.5", &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(t.fig, GP_TF_GIL_WAIT);
	cr_assert_eq(t.op, GP_TO_GT);
	cr_assert_float_eq(t.bound, 0.5, 1e-12);
	cr_assert_eq(trigger_parse(" lock_wait >= 30% ", &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(t.op, GP_TO_GE);
	cr_assert_float_eq(t.bound, 0.3, 1e-12);
	cr_assert_eq(trigger_parse("runqueue<=0.2", &t, err, sizeof(err)), 0);
	cr_assert_eq(t.op, GP_TO_LE);
	cr_assert_eq(trigger_parse("running<1", &t, err, sizeof(err)), 0);
	cr_assert_eq(t.op, GP_TO_LT);
	cr_assert_eq(trigger_parse("parallelism<1.5", &t, err, sizeof(err)), 0);
	cr_assert_float_eq(t.bound, 1.5, 1e-12);
	cr_assert_str_eq(t.text, "parallelism<1.5");
}

static void bad(const char *rule, const char *says)
{
	cr_assert_eq(trigger_parse(rule, &t, err, sizeof(err)), -EINVAL, "'%s' parsed", rule);
	cr_assert_not_null(strstr(err, says), "'%s': %s", rule, err);
	cr_assert_null(strchr(err, '\n'), "one line");
}

Test(trigger, errors_say_what_is_wrong)
{
	bad("", "empty rule");
	bad("gil_wai>0.5", "unknown figure 'gil_wai'");
	bad(">0.5", "unknown figure");
	bad("gil_wait 0.5", "a comparison");
	bad("gil_wait=0.5", "a comparison");
	bad("gil_wait>", "is not a number");
	bad("gil_wait>abc", "is not a number");
	bad("gil_wait>nan", "is not a number");
	bad("gil_wait>1.5", "share of time");
	bad("gil_wait>-0.1", "share of time");
	bad("gil_wait>0.5 and more", "unexpected 'and more'");
	bad("parallelism>50%", "unexpected '%'");
}

Test(trigger, fires_on_the_share_of_active_time)
{
	struct gp_wlock l = {.wait_ns = 400 * MS};
	struct gp_wproc p = {.tgid = 1,
			     .running_ns = 500 * MS,
			     .runq_ns = 100 * MS,
			     .gil_wait_ns = 400 * MS,
			     .lifetime_ns = 3000 * MS,
			     .locks = &l,
			     .nlocks = 1};
	struct gp_window w = {0, 1000 * MS, &p, 1};

	cr_assert_eq(trigger_parse("gil_wait>0.39", &t, err, sizeof(err)), 0);
	/* 400 ms of 1 s active (running, runnable, acquiring); the joining main thread's time not */
	cr_assert_float_eq(trigger_value(&t, &w, &p), 0.4, 1e-9);
	cr_assert(trigger_fires(&t, &w, &p));
	cr_assert_eq(trigger_parse("gil_wait>0.4", &t, err, sizeof(err)), 0);
	cr_assert(!trigger_fires(&t, &w, &p));
	cr_assert_eq(trigger_parse("runqueue>=10%", &t, err, sizeof(err)), 0);
	cr_assert(trigger_fires(&t, &w, &p));
	cr_assert_eq(trigger_parse("parallelism<0.6", &t, err, sizeof(err)), 0);
	cr_assert(trigger_fires(&t, &w, &p));
	cr_assert_eq(trigger_parse("parallelism<0.5", &t, err, sizeof(err)), 0);
	cr_assert(!trigger_fires(&t, &w, &p));
	p.running_ns = p.runq_ns = p.gil_wait_ns = l.wait_ns = 0;
	cr_assert_eq(trigger_parse("running<0.5", &t, err, sizeof(err)), 0);
	cr_assert(!trigger_fires(&t, &w, &p), "a process with no active time fires nothing");
}
