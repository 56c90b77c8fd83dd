// SPDX-License-Identifier: GPL-2.0
/* Stacks and profile outputs end to end: DWARF unwinding through glibc, files real tools read. */
#include <ctype.h>
#include "e2e.h"

struct profiled {
	struct e2e_run *r;
	char json[128], folded[128], svg[128], pprof[128];
};

static void profiled_run(struct profiled *p, const char *call_graph, const char *view)
{
	e2e_require_root();
	e2e_tmpname(p->json, sizeof(p->json), "prof.json");
	e2e_tmpname(p->folded, sizeof(p->folded), "prof.folded");
	e2e_tmpname(p->svg, sizeof(p->svg), "prof.svg");
	e2e_tmpname(p->pprof, sizeof(p->pprof), "prof.pb.gz");
	p->r = e2e_gilprof_run(
		p->json, (const char *[]){"run", "--call-graph", call_graph, "--view", view,
					  "--json", p->json, "--folded", p->folded, "--flamegraph",
					  p->svg, "--pprof", p->pprof, "--",
					  e2e_bin("tests/e2e/contend_nofp"), "4", "300", NULL});
	cr_assert_eq(p->r->status, 0, "%s", p->r->err);
	cr_assert_not_null(p->r->json);
}

static void profiled_free(struct profiled *p)
{
	unlink(p->json);
	unlink(p->folded);
	unlink(p->svg);
	unlink(p->pprof);
	e2e_free(p->r);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8 << 20];
	size_t n;

	cr_assert_not_null(f, "%s was not written", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The line of the folded lock view with the most weight whose frames contain all of needles,
 * in this order; its weight, or 0. */
static uint64_t folded_find(const char *text, const char *const *needles)
{
	const char *line = text;
	uint64_t best = 0;

	while (*line) {
		const char *end = strchr(line, '\n'), *at = line, *sp;
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[8192];
		int i;

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		for (i = 0; needles[i] && (at = strstr(at, needles[i])); i++)
			at += strlen(needles[i]);
		sp = strrchr(buf, ' ');
		if (!needles[i] && sp && strtoull(sp + 1, NULL, 10) > best)
			best = strtoull(sp + 1, NULL, 10);
		line += len + (end ? 1 : 0);
	}
	return best;
}

/*
 * glibc has no frame pointers: only DWARF unwinding finds worker under pthread_mutex_lock, and the
 * thread's entry above it (main for the main thread, start_thread for the others). Which threads
 * block is up to the scheduler: glibc lets the releasing thread take the lock straight back, so the
 * main thread may finish its loop without ever sleeping in it; either entry proves the unwind.
 */
Test(profiles, dwarf_unwinds_through_glibc_to_the_worker, .timeout = 120)
{
	static const char *const from_main[] = {";main+",  ";worker+",	   ";pthread_mutex_lock+",
						";futex(", ";table_lock ", NULL};
	static const char *const from_thread[] = {";start_thread+",	  ";worker+",
						  ";pthread_mutex_lock+", ";futex(",
						  ";table_lock ",	  NULL};
	struct profiled p;
	char *folded;

	profiled_run(&p, "dwarf", "lock");
	folded = slurp(p.folded);
	cr_assert_gt(folded_find(folded, from_main) + folded_find(folded, from_thread), 0,
		     "no main|start_thread -> worker -> pthread_mutex_lock -> futex -> table_lock "
		     "stack:\n%s",
		     folded);
	profiled_free(&p);
}

Test(profiles, svg_is_valid_and_totals_the_folded_weights, .timeout = 120)
{
	char cmd[256], *svg, *sub, digits[32];
	uint64_t folded = 0, shown;
	const char *line;
	struct profiled p;
	size_t k = 0;

	profiled_run(&p, "dwarf", "wall");
	for (line = slurp(p.folded); *line; line = strchr(line, '\n') + 1) {
		const char *end = strchr(line, '\n'), *sp = line, *c;

		for (c = line; c < end; c++)
			sp = *c == ' ' ? c : sp;
		folded += strtoull(sp + 1, NULL, 10);
		if (!end[1])
			break;
	}
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", p.svg);
	cr_assert_eq(system(cmd), 0, "xmllint rejects %s", p.svg);
	svg = slurp(p.svg);
	sub = strstr(svg, "id=\"subtitle\"");
	cr_assert_not_null(sub);
	sub = strchr(sub, '(');
	cr_assert_not_null(sub, "the subtitle states the total");
	for (sub++; *sub && *sub != ' ' && k < sizeof(digits) - 1; sub++) {
		if (isdigit((unsigned char)*sub))
			digits[k++] = *sub;
	}
	digits[k] = 0;
	shown = strtoull(digits, NULL, 10);
	cr_assert_eq(shown, folded, "SVG root %lu, folded total %lu", (unsigned long)shown,
		     (unsigned long)folded);
	profiled_free(&p);
}

Test(profiles, go_pprof_reads_the_file_and_agrees_on_the_top_lock, .timeout = 180)
{
	char cmd[512], out[65536] = "", *line;
	const char *top;
	struct profiled p;
	FILE *f;
	size_t n;

	if (access("/usr/bin/go", X_OK))
		cr_skip_test("go is not installed (make deps installs golang-go)");
	profiled_run(&p, "dwarf", "lock");
	snprintf(cmd, sizeof(cmd),
		 "HOME=/tmp GOCACHE=/tmp/gilprof-gocache go tool pprof -top %s 2>&1", p.pprof);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	cr_assert_eq(pclose(f), 0, "go tool pprof failed:\n%s", out);
	/* the first row after the header is the top entry by flat delay */
	line = strstr(out, "flat%");
	cr_assert_not_null(line, "%s", out);
	line = strchr(line, '\n');
	cr_assert_not_null(line, "%s", out);
	top = json_object_get_string(
		jget(json_object_array_get_idx(jget(p.r->json, "locks"), 0), "name"));
	cr_assert_not_null(strstr(strtok(line + 1, "\n"), top),
			   "pprof's top entry is not gilprof's top lock %s:\n%s", top, out);
	profiled_free(&p);
}
