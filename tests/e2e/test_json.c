// SPDX-License-Identifier: GPL-2.0
/* The JSON report: UTF-8 whatever bytes the traced program's names hold, and valid against
 * doc/gilprof-report.schema.json (e2e_gilprof_run checks every report it reads). */
#include "e2e.h"

/* The whole file is well-formed UTF-8: what a strict JSON parser first asks. */
static void utf8_whole(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "iconv -f UTF-8 -t UTF-8 %s >/dev/null 2>&1", path);
	cr_assert_eq(system(cmd), 0, "%s is not UTF-8", path);
}

Test(json, names_that_are_not_utf8_are_escaped, .timeout = 120)
{
	char json[128], speedscope[128];
	struct json_object *procs, *threads;
	struct e2e_run *r;
	size_t i, n;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "badname.json");
	e2e_tmpname(speedscope, sizeof(speedscope), "badname.speedscope.json");
	r = e2e_gilprof_run(json,
			    (const char *[]){"run", "--no-status", "-o", "/dev/null", "--json",
					     json, "--speedscope", speedscope, "--view", "lock",
					     "--", e2e_bin("tests/e2e/badname"), "3", "100", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(r->json);
	utf8_whole(json);
	utf8_whole(speedscope);
	procs = jget(r->json, "processes");
	cr_assert_eq(json_object_array_length(procs), 1);
	threads = jget(json_object_array_get_idx(procs, 0), "threads");
	n = json_object_array_length(threads);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(
		json_object_get_string(jget(json_object_array_get_idx(threads, 0), "comm")),
		"bad\\xff");
	for (i = 1; i < n; i++)
		cr_assert_str_eq(
			json_object_get_string(jget(json_object_array_get_idx(threads, i), "comm")),
			"w\\xc3(\\xfe", "thread %zu", i);
	unlink(json);
	unlink(speedscope);
	e2e_free(r);
}
