// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "export/flamegraph.h"
#include "export/folded.h"
#include "analyze/profile.h"
#include "testutil.h"

TMPDIR_SUITE(flamegraph);

static char *svg_render(const struct gp_profile *p, const struct gp_flamegraph_opts *o)
{
	struct prof_err pe = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(flamegraph_write(p, o, f, &pe), 0, "%s", pe.msg);
	fclose(f);
	return buf;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* The drawn frames: one <g> per frame inside <g id="frames">. */
static size_t frames_count(const char *svg)
{
	const char *start = strstr(svg, "<g id=\"frames\">"), *end;
	size_t n = 0;

	cr_assert_not_null(start);
	end = strstr(start, "\n</g>\n");
	cr_assert_not_null(end);
	for (start = strstr(start, "<g><title>"); start && start < end;
	     start = strstr(start + 1, "<g><title>"))
		n++;
	return n;
}

/* The value in the tooltip of the first frame named name, thousands separators removed. */
static unsigned long long frame_value(const char *svg, const char *name)
{
	char key[256], digits[32];
	const char *s;
	int n = 0;

	snprintf(key, sizeof(key), "<g><title>%s\n", name);
	s = strstr(svg, key);
	cr_assert_not_null(s, "no frame '%s'", name);
	for (s += strlen(key); *s && *s != ' ' && n < 31; s++)
		if (*s != ',')
			digits[n++] = *s;
	digits[n] = '\0';
	return strtoull(digits, NULL, 10);
}

/* The attribute attr of the <rect> of the first frame named name. */
static double frame_attr(const char *svg, const char *name, const char *attr)
{
	char key[256];
	const char *s;

	snprintf(key, sizeof(key), "<g><title>%s\n", name);
	s = strstr(svg, key);
	cr_assert_not_null(s, "no frame '%s'", name);
	s = strstr(s, "<rect ");
	snprintf(key, sizeof(key), " %s=\"", attr);
	s = strstr(s, key);
	cr_assert_not_null(s);
	return strtod(s + strlen(key), NULL);
}

static bool xmllint_present(void)
{
	return system("command -v xmllint >/dev/null 2>&1") == 0;
}

static void xml_check(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	cr_assert_eq(system(cmd), 0, "xmllint rejects %s", path);
}

static const char simple[] = "a;b;c 1\n"
			     "a;b;d 2\n"
			     "a;e 3\n"
			     "f 4\n";

Test(flamegraph, structure_and_totals)
{
	struct gp_profile *p = profile_from_folded(simple, "samples", GP_SK_CPU);
	char *svg = svg_render(p, NULL);

	/* all, a, b, c, d, e, f */
	cr_assert_eq(frames_count(svg), 7);
	cr_assert_eq(frame_value(svg, "all"), 10);
	cr_assert_eq(frame_value(svg, "a"), 6);
	cr_assert_eq(frame_value(svg, "b"), 3);
	cr_assert(strstr(svg, "<title>a\n6 samples, 60.00%</title>"), "tooltip of a");
	/* Proportional widths in 1180 px, children from the left edge of their parent. */
	cr_assert_float_eq(frame_attr(svg, "all", "width"), 1180.0, 0.01);
	cr_assert_float_eq(frame_attr(svg, "a", "width"), 708.0, 0.01);
	cr_assert_float_eq(frame_attr(svg, "f", "x"), 718.0, 0.01);
	cr_assert_float_eq(frame_attr(svg, "c", "x"), 10.0, 0.01);
	cr_assert_float_eq(frame_attr(svg, "d", "x"), 10.0 + 118.0, 0.01);
	cr_assert_float_eq(frame_attr(svg, "e", "x"), 10.0 + 354.0, 0.01);
	/* One level up per depth. */
	cr_assert_float_eq(frame_attr(svg, "a", "y") - frame_attr(svg, "b", "y"), 16.0, 0.01);
	cr_assert_float_eq(frame_attr(svg, "all", "y") - frame_attr(svg, "a", "y"), 16.0, 0.01);
	cr_assert(strstr(svg, "total 10 samples"), "subtitle");
	cr_assert_null(strstr(svg, "not drawn"));
	free(svg);
	profile_free(p);
}

Test(flamegraph, script_and_controls)
{
	struct gp_profile *p = profile_from_folded(simple, "samples", GP_SK_CPU);
	char *svg = svg_render(p, NULL);

	TEXT_HAS(svg, "function fg_zoom(i)", "function fg_unzoom()", "function fg_search(s)",
		 "new RegExp(s)", "Matched: ", "id=\"unzoom\"", ">Search</text>",
		 "<script type=\"text/ecmascript\"><![CDATA[",
		 "var fg_cfg = { xpad: 10, fullw: 1180.00, fh: 16,", "id=\"legend\"",
		 ">on-CPU</text>");
	cr_assert(strstr(svg, "e.ctrlKey || e.metaKey"), "Ctrl-F handler");
	cr_assert_eq(count_of(svg, "<svg "), 1);
	free(svg);
	profile_free(p);
}

Test(flamegraph, escaping_keeps_xml_valid)
{
	struct prof_err pe = {0};
	struct gp_profile *p = profile_make("samples");
	struct gp_pframe f[] = {
		{"c&o<m>m", GP_FK_COMM},
		{"\"quoted\" 'it'", GP_FK_USER},
		{"bad \xff\xfe utf8", GP_FK_USER},
		{"cut \xe6\x97", GP_FK_USER},
		{"ctl \x01\x1f", GP_FK_USER},
		{"]]> --> <!--", GP_FK_USER},
		{"caf\xc3\xa9 \xe6\x97\xa5", GP_FK_KERNEL},
	};
	struct gp_flamegraph_opts o;
	const char *path = path_in_tmp("esc.svg");
	char *svg;

	stack_add(p, f, 7, GP_SK_CPU, 5, 5);
	flamegraph_opts_init(&o);
	o.title = "<title> & \"more\"";
	o.subtitle = "sub ]]> \x02";
	cr_assert_eq(t_flamegraph_write_path(p, &o, path, &pe), 0, "%s", pe.msg);
	svg = file_get(path);
	TEXT_HAS(svg, "<title>c&amp;o&lt;m&gt;m\n", "<title>&quot;quoted&quot; &apos;it&apos;\n",
		 "<title>bad \xef\xbf\xbd\xef\xbf\xbd utf8\n", "<title>ctl   \n",
		 "<title>caf\xc3\xa9 \xe6\x97\xa5\n", "&lt;title&gt; &amp; &quot;more&quot;");
	cr_assert_null(strstr(svg, "\xff"));
	free(svg);
	profile_free(p);
	if (!xmllint_present()) {
		tmpdir_remove(); /* .fini does not run after a skip */
		cr_skip("xmllint is not installed: XML validity not checked");
	}
	xml_check(path);
}

Test(flamegraph, narrow_frames_are_omitted_and_counted)
{
	struct gp_profile *p = profile_from_folded("big;work 1000000\n"
						   "big;tiny;deeper 1\n"
						   "big;tiny2 2\n"
						   "small 3\n",
						   "samples", GP_SK_CPU);
	struct gp_flamegraph_opts o;
	char *svg;

	flamegraph_opts_init(&o);
	svg = svg_render(p, &o);
	/* 1 px is 847 samples here: tiny, tiny2 and small are not drawn, deeper not visited. */
	cr_assert_eq(frames_count(svg), 3);
	cr_assert_null(strstr(svg, "<title>tiny"));
	cr_assert(strstr(svg, "3 frames narrower than 0.1 px not drawn"), "subtitle");
	cr_assert_eq(frame_value(svg, "all"), 1000006);
	free(svg);
	o.min_width = 0;
	svg = svg_render(p, &o);
	cr_assert_eq(frames_count(svg), 7);
	cr_assert_null(strstr(svg, "not drawn"));
	free(svg);
	profile_free(p);
}

Test(flamegraph, kinds_colours_and_split_tooltips)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pframe run[] = {{"py", GP_FK_COMM}, {"main", GP_FK_USER}, {"spin", GP_FK_USER}};
	struct gp_pframe wait[] = {{"py", GP_FK_COMM},
				   {"main", GP_FK_USER},
				   {"futex_wait", GP_FK_KERNEL},
				   {"GIL", GP_FK_LOCK}};
	struct gp_pframe wake[] = {{"py", GP_FK_COMM}, {"drop_gil", GP_FK_WAKER}};
	char *svg;

	stack_add(p, run, 3, GP_SK_CPU, 1500000, 3);
	stack_add(p, wait, 4, GP_SK_LOCK_WAIT, 1000000, 2);
	stack_add(p, wake, 2, GP_SK_WAKER, 500, 1);
	svg = svg_render(p, NULL);
	cr_assert(strstr(svg, "<title>main\n2.50 ms (2,500,000 ns), 99.98%\n"
			      "on-CPU 60.0%, lock wait 40.0%</title>"),
		  "split tooltip");
	cr_assert(strstr(svg, "<title>drop_gil\n500 ns, 0.02%</title>"));
	cr_assert(strstr(svg, ">lock</text>") && strstr(svg, ">kernel</text>") &&
			  strstr(svg, ">waker</text>") && strstr(svg, ">thread</text>") &&
			  strstr(svg, ">on-CPU</text>"),
		  "legend");
	cr_assert_null(strstr(svg, ">sleep/IO</text>"), "legend lists only drawn classes");
	free(svg);
	profile_free(p);
}

/* An off view's stack: blocked, then the run-queue wait after it, one frame in two bands. */
Test(flamegraph, blocked_and_run_queue_split_one_frame)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pframe off[] = {{"t", GP_FK_COMM}, {"read_loop", GP_FK_USER}};
	char *svg, *g;

	stack_add(p, off, 2, GP_SK_SLEEP, 8000, 1);
	stack_add(p, off, 2, GP_SK_RUNQ_WAIT, 2000, 1);
	svg = svg_render(p, NULL);
	cr_assert(strstr(svg, "<title>read_loop\n10.00 \xc2\xb5s (10,000 ns), 100.00%\n"
			      "run-queue 20.0%, sleep/IO 80.0%</title>"),
		  "split tooltip:\n%s", svg);
	g = strstr(svg, "<title>read_loop");
	cr_assert_not_null(g);
	g = strstr(g, "<linearGradient id=\"k");
	cr_assert_not_null(g, "two kinds, two bands");
	cr_assert(strstr(g, "<stop offset=\"0.0000\" stop-color=\"rgb(") &&
		  strstr(g, "<stop offset=\"0.8000\" stop-color=\"rgb(") &&
		  strstr(g, "<stop offset=\"1.0000\" stop-color=\"rgb("));
	cr_assert(strstr(g, "fill=\"url(#k"));
	cr_assert(strstr(svg, ">run-queue wait</text>") && strstr(svg, ">sleep/IO</text>"),
		  "both kinds in the legend");
	if (xmllint_present()) {
		const char *path = path_in_tmp("split.svg");

		file_put(path, svg);
		xml_check(path);
	}
	free(svg);
	profile_free(p);
}

Test(flamegraph, render_folded_gz_matches_sum_of_weights)
{
	struct gp_flamegraph_opts o;
	struct prof_err pe = {0};
	const char *in = path_in_tmp("big.folded.gz"), *out = path_in_tmp("big.svg");
	unsigned long long sum = 0;
	gzFile gz = gzopen(in, "wb");
	char *svg;
	size_t i;

	cr_assert_not_null(gz);
	for (i = 0; i < 20000; i++) {
		gzprintf(gz, "t%zu;main;f%zu;g%zu;h%zu %zu\n", i % 3, i % 7, i % 101, i,
			 i % 13 + 1);
		sum += i % 13 + 1;
	}
	gzclose(gz);
	flamegraph_opts_init(&o);
	o.unit = "nanoseconds";
	cr_assert_eq(t_render_folded(in, out, &o, &pe), 0, "%s", pe.msg);
	svg = file_get(out);
	{
		unsigned long long v = 0;
		char *s = strstr(svg, "<g><title>all\n");

		/* "139.98 Âµs (139,979 ns), 100.00%": the exact value is in parentheses. */
		cr_assert_not_null(s);
		s = strchr(s, '(');
		for (s++; *s && *s != ' '; s++)
			if (*s != ',')
				v = v * 10 + (*s - '0');
		cr_assert_eq(v, sum, "root %llu != sum of weights %llu", v, sum);
	}
	cr_assert(strstr(svg, "not drawn"), "20000 distinct leaves cannot all be drawn");
	free(svg);
	if (xmllint_present())
		xml_check(out);
}

Test(flamegraph, deep_stack_and_empty_profile)
{
	struct prof_err pe = {0};
	struct gp_profile *p = profile_make("samples");
	struct gp_pframe *f = calloc(5000, sizeof(*f));
	char names[5000][8];
	const char *path = path_in_tmp("deep.svg");
	char *svg;
	size_t i;

	svg = svg_render(p, NULL);
	cr_assert(strstr(svg, ">no samples</text>"));
	cr_assert_eq(frames_count(svg), 0);
	free(svg);
	for (i = 0; i < 5000; i++) {
		snprintf(names[i], sizeof(names[i]), "d%zu", i);
		f[i] = (struct gp_pframe){names[i], i ? GP_FK_USER : GP_FK_COMM};
	}
	/* 1024 frames below the root are drawn whole */
	stack_add(p, f, 1024, GP_SK_CPU, 1, 1);
	svg = svg_render(p, NULL);
	cr_assert_eq(frames_count(svg), 1025);
	cr_assert_null(strstr(svg, "cut there"));
	free(svg);
	/* deeper ones are cut at 1024, and counted: not an image 5000 frames tall */
	stack_add(p, f, 5000, GP_SK_CPU, 1, 1);
	stack_add(p, f, 3000, GP_SK_CPU, 1, 1);
	cr_assert_eq(t_flamegraph_write_path(p, NULL, path, &pe), 0, "%s", pe.msg);
	svg = file_get(path);
	cr_assert_eq(frames_count(svg), 1025);
	cr_assert(strstr(svg, "; 2 stacks deeper than 1024 frames cut there</text>"));
	cr_assert_eq(frame_value(svg, "d1023"), 3, "its weight still holds the deeper stacks'");
	free(svg);
	free(f);
	if (xmllint_present())
		xml_check(path);
	profile_free(p);
}

/*
 * Siblings beyond the insertion sort's reach, with ranks over more than one byte, added in
 * shuffled order and each split across two non-adjacent stacks: every leaf must come out once,
 * in name order, with the weight of both its stacks.
 */
Test(flamegraph, large_groups_merge_and_sort)
{
	struct gp_profile *p = profile_make("samples");
	struct gp_flamegraph_opts o;
	char prev[32] = "", *svg;
	const char *s;
	size_t i, n = 0;

	for (i = 0; i < 1200; i++) {
		char leaf[32];
		unsigned k = (i * 397) % 600; /* 397 is prime to 600: a permutation */
		struct gp_pframe f[] = {{"r", GP_FK_COMM},
					{"p", GP_FK_USER},
					{leaf, GP_FK_USER},
					{"x", GP_FK_USER}};

		snprintf(leaf, sizeof(leaf), "leaf%03u", k);
		stack_add(p, f, i < 600 ? 3 : 4, GP_SK_CPU, k + 1, 1);
	}
	flamegraph_opts_init(&o);
	o.min_width = 0;
	svg = svg_render(p, &o);
	cr_assert_eq(frames_count(svg), 3 + 600 + 600);
	for (s = strstr(svg, "<g><title>leaf"); s; s = strstr(s + 1, "<g><title>leaf")) {
		char name[32];
		unsigned long long v;

		cr_assert_eq(sscanf(s, "<g><title>%31[^\n]", name), 1);
		v = frame_value(s, name);
		cr_assert_gt(strcmp(name, prev), 0, "%s after %s", name, prev);
		cr_assert_eq(v, 2 * (strtoul(name + 4, NULL, 10) + 1), "%s: %llu", name, v);
		strcpy(prev, name);
		n++;
	}
	cr_assert_eq(n, 600);
	free(svg);
	profile_free(p);
}

Test(flamegraph, bad_options_and_input)
{
	struct gp_profile *p = profile_from_folded(simple, "samples", GP_SK_CPU);
	struct gp_flamegraph_opts o;
	struct prof_err pe = {0};
	FILE *f = fopen("/dev/null", "w");

	flamegraph_opts_init(&o);
	o.width = 10;
	cr_assert_eq(flamegraph_write(p, &o, f, &pe), -EINVAL);
	cr_assert(strstr(pe.msg, "width"), "%s", pe.msg);
	flamegraph_opts_init(&o);
	o.min_width = -1;
	cr_assert_eq(flamegraph_write(p, &o, f, &pe), -EINVAL);
	flamegraph_opts_init(&o);
	o.font_size = 20;
	cr_assert_eq(flamegraph_write(p, &o, f, &pe), -EINVAL);
	fclose(f);
	file_put(path_in_tmp("bad.folded"), "a;b 1\nbroken\n");
	cr_assert_eq(t_render_folded(path_in_tmp("bad.folded"), path_in_tmp("bad.svg"), NULL, &pe),
		     -EINVAL);
	cr_assert(strstr(pe.msg, "bad.folded:2:"), "%s", pe.msg);
	file_absent(path_in_tmp("bad.svg"), "no output on failure");
	profile_free(p);
}
