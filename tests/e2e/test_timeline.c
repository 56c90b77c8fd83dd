// SPDX-License-Identifier: GPL-2.0
/*
 * The timeline outputs of real runs: the --trace file checked as a viewer reads it, each thread's
 * slices adding up to its lifetime in the JSON report; and the --html page opened in headless
 * Chromium (tools/browser/check-html.cjs): no console error, no request, the locks named, the
 * timeline drawn, zoom, pan, hover and the flame graph's view switch working. Its screenshot is
 * kept as build/tests/e2e/timeline.png to be looked at.
 */
#include <sys/stat.h>
#include "e2e.h"
#include "trace_check.h"

/* A scratch directory as root (the outputs are opened as the invoking user otherwise). */
static void tl_scratch(char *dir, size_t len)
{
	e2e_require_root();
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	snprintf(dir, len, "/tmp/gilprof-e2e-tl-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void tl_rmdir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* two_locks: six threads on two locks, joins, wakeups between threads. */
static struct e2e_run *tl_run(const char *opt, const char *out, const char *json)
{
	/* 1500 turns each: with 300, cold_lock's two threads did not always meet on a loaded
	 * machine, and the page had no cold_lock to name */
	return e2e_gilprof_run(json,
			       (const char *[]){"run", "--no-status", opt, out, "--json", json,
						"-o", "/dev/null", "--",
						e2e_bin("tests/e2e/two_locks"), "6", "1500", NULL});
}

/* Every thread of the report is a track whose slices tile its lifetime (1 us a slice at most). */
static void tl_lifetimes(const struct tc_result *res, struct json_object *report)
{
	struct json_object *procs = jget(report, "processes");
	size_t i, k, n = 0;

	for (i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *p = json_object_array_get_idx(procs, i),
				   *th = jget(p, "threads");

		for (k = 0; k < json_object_array_length(th); k++, n++) {
			struct json_object *t = json_object_array_get_idx(th, k);
			const struct tc_track *tr = tc_find(res, jint(p, "pid"), jint(t, "tid"));
			double life = (double)jint(t, "lifetime_ns");

			cr_assert_not_null(tr, "thread %lld has no track",
					   (long long)jint(t, "tid"));
			cr_assert_leq(fabs(tr->total_us * 1000 - life), 1000.0 * tr->n,
				      "thread %lld: slices %.3f us, lifetime %.0f ns",
				      (long long)jint(t, "tid"), tr->total_us, life);
		}
	}
	cr_assert_eq(n, (size_t)jint(report, "totals.threads"));
}

Test(timeline, the_trace_is_well_formed_and_tiles_every_lifetime, .timeout = 120)
{
	char dir[64], trace[96], json[96];
	struct tc_result res;
	struct json_object *t;
	struct e2e_run *r;
	int64_t ncpus;

	tl_scratch(dir, sizeof(dir));
	snprintf(trace, sizeof(trace), "%s/trace.json", dir);
	snprintf(json, sizeof(json), "%s/report.json", dir);
	r = tl_run("--trace", trace, json);
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_not_null(r->json);
	t = json_object_from_file(trace);
	cr_assert_not_null(t, "%s is not JSON", trace);
	cr_assert_eq(trace_check(t, &res), 0, "%s", res.err);
	tl_lifetimes(&res, r->json);
	cr_assert_gt(res.flows, 0, "no wakeups between the threads");
	ncpus = jint(r->json, "trace.ncpus");
	for (int64_t c = 0; c < ncpus; c++)
		cr_assert_not_null(tc_find(&res, 4194305, 4194306 + c), "no track for cpu%lld",
				   (long long)c);
	cr_assert_not_null(strstr(json_object_to_json_string(t), "\"hot_lock\""),
			   "no lock wait named by its lock");
	tc_free(&res);
	json_object_put(t);
	e2e_free(r);
	tl_rmdir(dir);
}

/* What the browser test needs, installed if missing: NULL, or why it cannot be had. */
static const char *tl_browser(char *modules, size_t len)
{
	char cmd[3 * 8192];

	snprintf(modules, len, "%s", e2e_bin("browser"));
	if (access("/usr/bin/chromium", X_OK) || system("command -v node >/dev/null 2>&1")) {
		snprintf(cmd, sizeof(cmd), "'%s' >&2", e2e_bin("../tools/deps.sh"));
		if (system(cmd))
			return "tools/deps.sh could not install chromium or nodejs (apt)";
		if (access("/usr/bin/chromium", X_OK))
			return "/usr/bin/chromium is missing after tools/deps.sh";
		if (system("command -v node >/dev/null 2>&1"))
			return "node is missing after tools/deps.sh";
	}
	snprintf(cmd, sizeof(cmd), "'%s' '%s' >&2", e2e_bin("../tools/browser/install.sh"),
		 modules);
	if (system(cmd))
		return "tools/browser/install.sh could not install playwright-core from the npm "
		       "registry";
	snprintf(modules + strlen(modules), len - strlen(modules), "/node_modules");
	return NULL;
}

/* node check-html.cjs: its one JSON line of findings, and its exit status. */
static struct json_object *tl_check_html(const char *modules, const char *page, const char *shot,
					 int *status)
{
	static char out[1 << 16];
	char cmd[16384];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "node '%s' '%s' '%s' '%s' hot_lock cold_lock",
		 e2e_bin("../tools/browser/check-html.cjs"), modules, page, shot);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	*status = pclose(p);
	return json_tokener_parse(out);
}

Test(timeline, the_page_works_in_chromium, .timeout = 300)
{
	char dir[64], page[96], json[96], modules[8192], shot[8192];
	struct json_object *f;
	struct e2e_run *r;
	const char *why;
	int status;

	tl_scratch(dir, sizeof(dir));
	why = tl_browser(modules, sizeof(modules));
	if (why) {
		tl_rmdir(dir);
		cr_skip_test("the HTML report's browser test: %s", why);
	}
	snprintf(page, sizeof(page), "%s/page.html", dir);
	snprintf(json, sizeof(json), "%s/report.json", dir);
	r = tl_run("--html", page, json);
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	snprintf(shot, sizeof(shot), "%s", e2e_bin("tests/e2e/timeline.png"));
	f = tl_check_html(modules, page, shot, &status);
	cr_assert_not_null(f, "check-html.cjs printed no findings (status %d)", status);
	cr_assert_eq(json_object_array_length(jget(f, "failures")), 0, "%s",
		     json_object_to_json_string(jget(f, "failures")));
	cr_assert_eq(status, 0);
	cr_assert_eq(json_object_array_length(jget(f, "requests")), 0, "requests");
	cr_assert_gt(jint(f, "ink"), 1000, "a blank timeline");
	cr_assert_eq(jint(f, "lanes"), jint(r->json, "totals.threads"));
	/* run --html takes profile stacks: every view is there */
	cr_assert_eq(json_object_array_length(jget(f, "views")), 5);
	cr_log_info("page %lld bytes, drawn at %.0f ms, screenshot %s", (long long)jint(f, "bytes"),
		    jdbl(f, "firstPaintMs"), shot);
	json_object_put(f);
	e2e_free(r);
	tl_rmdir(dir);
}
