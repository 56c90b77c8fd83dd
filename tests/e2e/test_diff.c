// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof diff on real recordings: countdown with two threads under its GIL, then without it.
 * The diff's figures must be the very figures `gilprof report --json` gives for each recording.
 */
#include <sys/stat.h>
#include "e2e.h"

#define COUNT "50000000" /* about 1 s with the GIL on 2 CPUs, half that without */

static void record(const char *path, const char *count, const char *no_gil)
{
	const char *countdown = e2e_bin("workloads/countdown");
	struct e2e_run *r = e2e_gilprof_run(
		NULL, (const char *[]){"record", "--no-status", "-o", path, "--", countdown,
				       "--threads", "2", "--count", count, no_gil, NULL});

	cr_assert_eq(r->status, 0, "record %s: exit %d: %s", path, r->status, r->err);
	e2e_free(r);
}

static struct json_object *report_json(const char *rec, const char *json)
{
	struct e2e_run *r = e2e_gilprof_run(
		json, (const char *[]){"report", rec, "-o", "/dev/null", "--json", json, NULL});
	struct json_object *j = r->json;

	cr_assert_eq(r->status, 0, "report %s: %s", rec, r->err);
	cr_assert_not_null(j, "report %s wrote no JSON", rec);
	r->json = NULL;
	e2e_free(r);
	unlink(json);
	return j;
}

static double report_parallelism(struct json_object *report)
{
	return (double)jint(report, "totals.running_ns") / jint(report, "trace.duration_ns");
}

/*
 * Both runs, recorded again until the one without a GIL had more than one CPU (parallelism 1.25
 * or more, so at least 20% faster than one thread at a time): other programs on a shared
 * machine can take the CPUs (with sched autogroup, one busy program in another session leaves
 * us one CPU of two), and then it cannot be faster than with the GIL. The report of NEW.
 */
static struct json_object *record_both(const char *a, const char *b, const char *jb)
{
	struct json_object *j = NULL;
	int i;

	for (i = 0; i < 8; i++) {
		if (j) {
			json_object_put(j);
			sleep(10);
		}
		record(a, COUNT, NULL);
		record(b, COUNT, "--no-gil");
		j = report_json(b, jb);
		if (report_parallelism(j) >= 1.25)
			return j;
	}
	cr_assert_fail("countdown --no-gil never had two CPUs (parallelism %.2f): machine busy?",
		       report_parallelism(j));
	return NULL;
}

/* Total wait over the report's futex words of one object ("gil": gil.cond, gil.mutex, ...). */
static int64_t report_object_wait(struct json_object *report, const char *object)
{
	struct json_object *locks = jget(report, "locks");
	size_t i, n = strlen(object);
	int64_t sum = 0;

	for (i = 0; i < json_object_array_length(locks); i++) {
		struct json_object *l = json_object_array_get_idx(locks, i);
		const char *name = json_object_get_string(jget(l, "name"));

		if (json_object_get_boolean(jget(l, "named_by_symbol")) &&
		    !strncmp(name, object, n) && (!name[n] || name[n] == '.' || name[n] == '+'))
			sum += jint(l, "wait_total_ns");
	}
	return sum;
}

static struct json_object *diff_lock(struct json_object *diff, const char *name)
{
	struct json_object *locks = jget(diff, "locks");
	size_t i;

	for (i = 0; i < json_object_array_length(locks); i++) {
		struct json_object *l = json_object_array_get_idx(locks, i);

		if (!strcmp(json_object_get_string(jget(l, "name")), name))
			return l;
	}
	return NULL;
}

static void same_figures(struct json_object *diff, const char *side, struct json_object *report)
{
	char key[64];

	snprintf(key, sizeof(key), "%s.wall_ns", side);
	cr_assert_eq(jint(diff, key), jint(report, "trace.duration_ns"), "%s", key);
	snprintf(key, sizeof(key), "%s.cpu_ns", side);
	cr_assert_eq(jint(diff, key), jint(report, "totals.running_ns"), "%s", key);
	snprintf(key, sizeof(key), "%s.states_ns.lock_wait", side);
	cr_assert_eq(jint(diff, key), jint(report, "totals.futex_wait_ns"), "%s", key);
	snprintf(key, sizeof(key), "%s.lifetime_ns", side);
	cr_assert_eq(jint(diff, key), jint(report, "totals.lifetime_ns"), "%s", key);
}

static double share(struct json_object *diff, const char *state, const char *side)
{
	struct json_object *shares = jget(diff, "shares");
	size_t i;

	for (i = 0; i < json_object_array_length(shares); i++) {
		struct json_object *s = json_object_array_get_idx(shares, i);

		if (!strcmp(json_object_get_string(jget(s, "state")), state))
			return jdbl(s, side);
	}
	cr_assert_fail("no share of %s", state);
	return 0;
}

Test(diff, gil_off_is_faster_and_every_figure_is_the_reports, .timeout = 300)
{
	char a[128], b[128], ja[128], jb[128], jd[128];
	struct json_object *ra, *rb, *gil, *none = (void *)1;
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(a, sizeof(a), "gil.data");
	e2e_tmpname(b, sizeof(b), "nogil.data");
	e2e_tmpname(ja, sizeof(ja), "gil.json");
	e2e_tmpname(jb, sizeof(jb), "nogil.json");
	e2e_tmpname(jd, sizeof(jd), "diff.json");
	rb = record_both(a, b, jb);
	ra = report_json(a, ja);
	r = e2e_gilprof_run(jd, (const char *[]){"diff", a, b, "--json", jd, NULL});
	cr_assert_eq(r->status, 0, "diff: %s", r->err);
	cr_assert_not_null(r->json, "diff wrote no JSON");
	cr_assert_str_eq(json_object_get_string(jget(r->json, "schema")), "gilprof-diff/1");

	same_figures(r->json, "base", ra);
	same_figures(r->json, "new", rb);
	gil = diff_lock(r->json, "gil");
	cr_assert_not_null(gil, "no gil row:\n%s", r->out);
	cr_assert_gt(jint(gil, "base.wait_ns"), 0);
	cr_assert_eq(jint(gil, "base.wait_ns"), report_object_wait(ra, "gil"));
	cr_assert(json_object_object_get_ex(gil, "new", &none) && !none, "no GIL, no wait on it");
	cr_assert_eq(report_object_wait(rb, "gil"), 0);
	cr_assert_lt(share(r->json, "lock_wait", "new_pct"),
		     share(r->json, "lock_wait", "base_pct"), "lock wait share fell:\n%s", r->out);

	cr_assert_not_null(strstr(r->out, "\nwhat changed"), "%s", r->out);
	cr_assert_not_null(strstr(strstr(r->out, "\nwhat changed"), "x faster)"),
			   "the statement says faster:\n%s", r->out);
	cr_assert_not_null(strstr(r->out, "gil no longer waited on"), "%s", r->out);
	cr_assert_not_null(strstr(r->out, "\n  worker-0 "), "%s", r->out);
	cr_assert_not_null(strstr(r->out, "\n  worker-1 "), "%s", r->out);

	json_object_put(ra);
	json_object_put(rb);
	e2e_free(r);
	unlink(a);
	unlink(b);
	unlink(jd);
}

Test(diff, a_cut_recording_is_diffed_as_incomplete, .timeout = 60)
{
	char a[128];
	struct e2e_run *r;
	struct stat st;

	e2e_require_root();
	e2e_tmpname(a, sizeof(a), "cut.data");
	record(a, "10000000", NULL);
	/* without the end of its last chunk: all that came before is intact */
	cr_assert_eq(stat(a, &st), 0);
	cr_assert_eq(truncate(a, st.st_size - 8), 0);
	r = e2e_gilprof_run(NULL, (const char *[]){"diff", a, a, "--top-locks", "0", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(strstr(r->err, "warning"), "recording_load warns: %s", r->err);
	cr_assert_not_null(strstr(r->out, "BASE ("), "%s", r->out);
	cr_assert_not_null(strstr(r->out, "is incomplete: the recording is damaged or cut short"),
			   "%s", r->out);
	cr_assert_not_null(strstr(r->out, "[incomplete recording]"), "%s", r->out);
	e2e_free(r);
	unlink(a);
}

static void expect_error(const char *const args[], int status, const char *needle)
{
	struct e2e_run *r = e2e_gilprof_run(NULL, args);

	cr_assert_eq(r->status, status, "exit %d, expected %d; stderr: %s", r->status, status,
		     r->err);
	cr_assert_not_null(strstr(r->err, needle), "stderr lacks '%s': %s", needle, r->err);
	cr_assert_eq(e2e_lines(r->err), 1, "one line expected: %s", r->err);
	cr_assert_eq(r->out[0], 0, "nothing on stdout: %s", r->out);
	e2e_free(r);
}

Test(diff, one_recording_is_a_usage_error)
{
	expect_error((const char *[]){"diff", "a.data", NULL}, 2, "needs two recordings");
}

Test(diff, three_recordings_are_a_usage_error)
{
	expect_error((const char *[]){"diff", "a.data", "b.data", "c.data", NULL}, 2,
		     "('c.data' is extra)");
}

Test(diff, a_missing_recording_cannot_be_read)
{
	expect_error((const char *[]){"diff", "/nonexistent/a.data", "/nonexistent/b.data", NULL},
		     1, "cannot read /nonexistent/a.data");
}

Test(diff, a_bad_option_value_is_a_usage_error)
{
	expect_error((const char *[]){"diff", "--top-threads", "many", "a", "b", NULL}, 2,
		     "--top-threads needs a whole number");
}
