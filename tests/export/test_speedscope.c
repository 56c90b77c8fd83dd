// SPDX-License-Identifier: GPL-2.0
/* speedscope's file: one profile per thread, threads of one name told apart by their tid. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export/export_speedscope.h"
#include "testutil.h"

static char *speedscope_of(const struct gp_profile *p)
{
	struct prof_err pe = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cr_assert_eq(speedscope_write(p, "test", f, &pe), 0, "%s", pe.msg);
	fclose(f);
	return text;
}

Test(speedscope, a_profile_per_thread_named_by_name_and_tid)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pframe run[] = {
		{"worker", GP_FK_COMM}, {"main", GP_FK_USER}, {"spin", GP_FK_USER}};
	struct gp_pframe wait[] = {{"worker", GP_FK_COMM}, {"main", GP_FK_USER}};
	struct gp_pframe other[] = {{"x", GP_FK_COMM}, {"main", GP_FK_USER}};
	struct gp_ptags w1 = {.pid = 10, .tid = 11, .thread = "worker"}, w2 = w1;
	struct prof_err pe = {0};
	char *text, *a, *b, *c;

	w2.tid = 12;
	cr_assert_eq(profile_add_tagged(p, run, NULL, 3, &w1, GP_SK_CPU, 30, 3, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, wait, NULL, 2, &w2, GP_SK_SLEEP, 5, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, run, NULL, 3, &w2, GP_SK_CPU, 7, 1, &pe), 0);
	cr_assert_eq(profile_add(p, other, 2, GP_SK_CPU, 2, 1, &pe), 0);
	text = speedscope_of(p);
	a = strstr(text, "{\"type\":\"sampled\",\"name\":\"worker (11)\",\"unit\":\"nanoseconds\","
			 "\"startValue\":0,\"endValue\":30,\"samples\":[[1,2]],\"weights\":[30]}");
	b = strstr(text,
		   "{\"type\":\"sampled\",\"name\":\"worker (12)\",\"unit\":\"nanoseconds\","
		   "\"startValue\":0,\"endValue\":12,\"samples\":[[1],[1,2]],\"weights\":[5,7]}");
	c = strstr(text, "\"name\":\"x\",\"unit\":\"nanoseconds\",\"startValue\":0,\"endValue\":2");
	cr_assert(a && b && c && a < b && b < c, "%s", text);
	free(text);
	profile_free(p);
}
