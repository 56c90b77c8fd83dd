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
	static const char *const from_main[] = {";main",   ";worker",	   ";pthread_mutex_lock",
						";futex(", ";table_lock ", NULL};
	static const char *const from_thread[] = {
		";start_thread", ";worker", ";pthread_mutex_lock", ";futex(", ";table_lock ", NULL};
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

/* A command's output and exit status; the caller frees the text. */
static char *cmd_out(const char *cmd, int *status)
{
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	FILE *f = popen(cmd, "r");

	cr_assert(buf && f);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap)
			cr_assert_not_null(buf = realloc(buf, cap *= 2));
	}
	buf[n] = 0;
	*status = pclose(f);
	return buf;
}

/* `go tool pprof ARGS FILE`, which must succeed. */
static char *go_pprof(const char *args, const char *file)
{
	char cmd[1024];
	char *out;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "HOME=/tmp GOCACHE=/tmp/gilprof-gocache go tool pprof %s %s 2>&1", args, file);
	out = cmd_out(cmd, &st);
	cr_assert_eq(st, 0, "%s:\n%s", cmd, out);
	cr_assert_null(strstr(out, "Main binary filename not available"), "%s:\n%s", cmd, out);
	return out;
}

/* The sums of each value column of `pprof -raw`'s samples, by the column's "type/unit". */
static uint64_t raw_column(const char *raw, const char *type)
{
	const char *head = strstr(raw, "\nSamples:\n"), *line, *at;
	uint64_t sum = 0, v[4];
	int col = -1, k = 0, n;

	cr_assert_not_null(head, "%s", raw);
	line = strchr(head + 1, '\n') + 1;
	for (at = line; *at != '\n'; k++) {
		while (*at == ' ')
			at++;
		if (!strncmp(at, type, strlen(type)))
			col = k;
		at += strcspn(at, " \n");
	}
	cr_assert_geq(col, 0, "no column %s in:\n%.400s", type, line);
	for (line = strchr(line, '\n') + 1; *line && *line != '\n' && strncmp(line, "Locations", 9);
	     line = strchr(line, '\n') + 1) {
		n = sscanf(line, " %lu %lu %lu %lu:", &v[0], &v[1], &v[2], &v[3]);
		if (n >= col + 1 && strchr(line, ':') && line[strspn(line, " 0123456789")] == ':')
			sum += v[col];
	}
	return sum;
}

static uint64_t json_sum(struct json_object *arr, const char *key)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < json_object_array_length(arr); i++)
		sum += jint(json_object_array_get_idx(arr, i), key);
	return sum;
}

static uint64_t folded_total(const char *path)
{
	const char *line = slurp(path), *end, *sp;
	uint64_t sum = 0;

	for (; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		for (sp = end; sp > line && sp[-1] != ' ';)
			sp--;
		cr_assert_gt(sp, line, "no weight: %.*s", (int)(end - line), line);
		sum += strtoull(sp, NULL, 10);
	}
	return sum;
}

/*
 * pprof as go tool pprof reads it: addresses in mappings with file names and build IDs, functions
 * without offsets, source lines (two_locks is built with -g: -list shows its source), a CPU
 * sample worth one period, labels; its totals are the text report's lock waits and the samples
 * of the on view times the period.
 */
Test(profiles, go_pprof_reads_mappings_lines_labels_and_the_report_totals, .timeout = 180)
{
	char json[128], folded[128], pprof[128], flat[16], cum[16], *raw, *out, *line;
	struct e2e_run *r;
	uint64_t samples;

	if (access("/usr/bin/go", X_OK))
		cr_skip_test("go is not installed (make deps installs golang-go)");
	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "pp.json");
	e2e_tmpname(folded, sizeof(folded), "pp.folded");
	e2e_tmpname(pprof, sizeof(pprof), "pp.pb.gz");
	r = e2e_gilprof_run(
		json, (const char *[]){"run", "--no-status", "-o", "/dev/null", "--json", json,
				       "--view", "on", "--folded", folded, "--pprof", pprof, "--",
				       e2e_bin("tests/e2e/two_locks"), "6", "300", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	samples = folded_total(folded);
	cr_assert_gt(samples, 0, "no on-CPU sample");
	raw = go_pprof("-raw", pprof);
	cr_assert_not_null(strstr(raw, "PeriodType: cpu nanoseconds\nPeriod: 10101010\n"), "%s",
			   raw);
	cr_assert_eq(raw_column(raw, "samples/count"), samples, "%lu samples in %s:\n%s",
		     (unsigned long)samples, folded, raw);
	cr_assert_eq(raw_column(raw, "cpu/nanoseconds"), samples * 10101010);
	cr_assert_eq(raw_column(raw, "delay/nanoseconds"),
		     json_sum(jget(r->json, "locks"), "wait_total_ns"),
		     "pprof's delay is the report's lock wait");
	cr_assert_not_null(strstr(raw, "tests/e2e/two_locks.c:38"), "worker's line:\n%s", raw);
	out = strstr(raw, "\nMappings\n1: 0x");
	cr_assert_not_null(out, "%s", raw);
	cr_assert_not_null(strstr(out, "/tests/e2e/two_locks "), "the main binary first:\n%s", out);
	cr_assert_not_null(strstr(out, "[FN][FL][LN]"), "%s", out);
	cr_assert(strspn(strstr(out, "/tests/e2e/two_locks ") + 21, "0123456789abcdef") == 40,
		  "its build ID:\n%s", out);
	free(raw);
	out = go_pprof("-top -sample_index=delay", pprof);
	cr_assert_not_null(strstr(out, " worker\n"), "worker as a function:\n%s", out);
	cr_assert_null(strstr(out, "+0x"), "no offsets in function names:\n%s", out);
	free(out);
	out = go_pprof("-tags", pprof);
	cr_assert(strstr(out, " lock:") && strstr(out, "hot_lock") && strstr(out, " tid:") &&
			  strstr(out, " pid:") && strstr(out, " thread:") &&
			  strstr(out, "two_locks"),
		  "labels:\n%s", out);
	free(out);
	out = go_pprof("-list '^worker$'", pprof);
	cr_assert_not_null(strstr(out, "ROUTINE ======================== worker in /"), "%s", out);
	line = strstr(out, "     38:\t\tpthread_mutex_lock(lock);");
	cr_assert_not_null(line, "the source line that waits:\n%s", out);
	while (line > out && line[-1] != '\n')
		line--;
	cr_assert_eq(sscanf(line, " %15s %15s 38:", flat, cum), 2, "%s", out);
	cr_assert_str_neq(cum, ".", "its wait is on its line:\n%s", out);
	free(out);
	unlink(json);
	unlink(folded);
	unlink(pprof);
	e2e_free(r);
}

/* speedscope's own importer (tools/speedscope, from make deps) where npm installed it. */
static char *speedscope_import(const char *file)
{
	char cmd[1024], *out;
	int st;

	if (access(e2e_bin("../tools/speedscope/node_modules/speedscope/package.json"), R_OK))
		return NULL;
	e2e_json_valid(file, "../tools/speedscope/node_modules/speedscope/dist/release/"
			     "file-format-schema.json");
	snprintf(cmd, sizeof(cmd), "node %s %s 2>&1", e2e_bin("../tools/speedscope/import.js"),
		 file);
	out = cmd_out(cmd, &st);
	cr_assert_eq(st, 0, "speedscope's importer refuses %s:\n%s", file, out);
	return out;
}

/* A profile per thread, "comm (tid)": the wall view's weighs its lifetime. */
Test(profiles, speedscope_has_a_profile_per_thread, .timeout = 120)
{
	char json[128], ss[128], name[64], line[128];
	struct json_object *doc, *profiles, *threads, *t, *p = NULL;
	struct e2e_run *r;
	char *imported;
	size_t i, j;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "ss.json");
	e2e_tmpname(ss, sizeof(ss), "ss.speedscope.json");
	r = e2e_gilprof_run(json,
			    (const char *[]){"run", "--no-status", "-o", "/dev/null", "--json",
					     json, "--speedscope", ss, "--",
					     e2e_bin("tests/e2e/two_locks"), "6", "300", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	doc = json_object_from_file(ss);
	cr_assert_not_null(doc);
	profiles = jget(doc, "profiles");
	threads = jget(json_object_array_get_idx(jget(r->json, "processes"), 0), "threads");
	cr_assert_eq(json_object_array_length(profiles), json_object_array_length(threads),
		     "seven threads of one name, seven profiles");
	imported = speedscope_import(ss);
	if (!imported)
		cr_log_warn("npm did not install speedscope: its importer was not tried");
	for (i = 0; i < json_object_array_length(threads); i++) {
		t = json_object_array_get_idx(threads, i);
		snprintf(name, sizeof(name), "%s (%ld)", json_object_get_string(jget(t, "comm")),
			 (long)jint(t, "tid"));
		for (j = 0; j < json_object_array_length(profiles); j++) {
			p = json_object_array_get_idx(profiles, j);
			if (!strcmp(json_object_get_string(jget(p, "name")), name))
				break;
		}
		cr_assert_lt(j, json_object_array_length(profiles), "no profile %s", name);
		cr_assert_eq(jint(p, "endValue"), jint(t, "lifetime_ns"), "%s", name);
		snprintf(line, sizeof(line), "%s\tnanoseconds\t%ld\n", name,
			 (long)jint(t, "lifetime_ns"));
		cr_assert(!imported || strstr(imported, line), "speedscope read %s as:\n%s", name,
			  imported);
	}
	free(imported);
	json_object_put(doc);
	unlink(json);
	unlink(ss);
	e2e_free(r);
}

/* Lines of the folded file at path that repeat an earlier line's stack. */
static int folded_repeats(const char *path)
{
	char *text = strdup(slurp(path)), *save = NULL, *line, **seen = NULL;
	int n = 0, repeats = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		*strrchr(line, ' ') = 0;
		for (int i = 0; i < n; i++)
			repeats += !strcmp(seen[i], line);
		seen = realloc(seen, (n + 1) * sizeof(*seen));
		seen[n++] = line;
	}
	free(seen);
	free(text);
	return repeats;
}

/*
 * From one recording: the off view writes each stack once (its run-queue wait merged, and shown
 * in the SVG's legend), the wall view weighs every thread's whole life, frames are functions,
 * and --addresses keeps the offsets.
 */
Test(profiles, folded_one_line_per_stack_whole_lives_functions_or_addresses, .timeout = 180)
{
	char dir[] = "/tmp/gilprof-e2e-folded-XXXXXX", rec[128], json[128], off[128], wall[128];
	char addr[128], svg[128];
	struct e2e_run *r;
	uint64_t lives = 0;
	const char *text;
	size_t i;

	e2e_require_root();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(rec, sizeof(rec), "%s/rec", dir);
	snprintf(json, sizeof(json), "%s/report.json", dir);
	snprintf(off, sizeof(off), "%s/off.folded", dir);
	snprintf(wall, sizeof(wall), "%s/wall.folded", dir);
	snprintf(addr, sizeof(addr), "%s/addr.folded", dir);
	snprintf(svg, sizeof(svg), "%s/off.svg", dir);
	r = e2e_gilprof_run(json,
			    (const char *[]){"run", "--no-status", "-o", "/dev/null", "--record",
					     rec, "--json", json, "--view", "off", "--folded", off,
					     "--flamegraph", svg, "--",
					     e2e_bin("tests/e2e/two_locks"), "6", "300", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(folded_repeats(off), 0, "a stack on two lines:\n%s", slurp(off));
	cr_assert_not_null(strstr(slurp(svg), ">run-queue wait</text>"), "the legend");
	for (i = 0; i < json_object_array_length(jget(r->json, "processes")); i++)
		lives += json_sum(
			jget(json_object_array_get_idx(jget(r->json, "processes"), i), "threads"),
			"lifetime_ns");
	e2e_free(r);
	r = e2e_gilprof_run(
		NULL, (const char *[]){"report", rec, "-o", "/dev/null", "--folded", wall, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	e2e_free(r);
	cr_assert_eq(folded_total(wall), lives, "the wall view holds the threads' lifetimes, %lu",
		     (unsigned long)lives);
	cr_assert_eq(folded_repeats(wall), 0);
	text = slurp(wall);
	cr_assert(strstr(text, ";worker;") && !strstr(text, ";worker+0x"), "%s", text);
	r = e2e_gilprof_run(NULL, (const char *[]){"report", rec, "-o", "/dev/null", "--addresses",
						   "--folded", addr, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	e2e_free(r);
	cr_assert_eq(folded_total(addr), lives);
	text = slurp(addr);
	cr_assert(strstr(text, ";worker+0x") && !strstr(text, ";worker;"), "%s", text);
	for (i = 0; i < 6; i++)
		unlink((const char *[]){rec, json, off, wall, addr, svg}[i]);
	rmdir(dir);
}
