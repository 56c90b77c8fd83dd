// SPDX-License-Identifier: GPL-2.0
/*
 * The --html page's structure: its data (JSON in a <script>) parses and decodes back to the
 * timeline segment by segment; names from the trace cannot break out of the page or the data.
 * tests/e2e/test_timeline.c opens real pages in Chromium.
 */
#include "export/html.h"
#include "tlfeed.h"
#include <json-c/json.h>

TestSuite(html, .init = setup, .fini = teardown);

static const struct gp_html_in *html_in;

static int html_page(FILE *f, void *ctx)
{
	(void)ctx;
	return html_write(f, html_in);
}

/* The page of the model, and its data parsed. */
static char *html_of(struct json_object **data)
{
	static const char open[] = "<script id=\"gp-data\" type=\"application/json\">";
	struct gp_report r;
	struct gp_tlview v;
	struct gp_html_in in = {0};
	char *page, *s, *e;

	tl_report(&r, 60 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	in = (struct gp_html_in){.r = &r, .v = &v, .verdict = "\nverdict\n  wall 60 ms\n"};
	html_in = &in;
	page = tl_capture(html_page, NULL);
	s = strstr(page, open);
	cr_assert_not_null(s);
	s += strlen(open);
	e = strstr(s, "</script>");
	cr_assert_not_null(e);
	*e = 0;
	*data = json_tokener_parse(s);
	cr_assert_not_null(*data, "the data is not JSON: %.300s", s);
	*e = '<';
	/* the model is still there: decode against it */
	tlview_free(&v);
	report_free(&r);
	return page;
}

static const unsigned char *html_b64(const char *s, size_t *n)
{
	static unsigned char out[1 << 16];
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0;

	*n = 0;
	for (; *s && *s != '='; s++) {
		acc = acc << 6 | (uint32_t)(strchr(a, *s) - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*n)++] = (acc >> bits) & 0xff;
		}
	}
	return out;
}

static uint64_t html_varint(const unsigned char *p, size_t *i)
{
	uint64_t v = 0;
	int shift = 0;

	do
		v |= (uint64_t)(p[*i] & 0x7f) << shift, shift += 7;
	while (p[(*i)++] & 0x80);
	return v;
}

/* Every segment comes back: its start, its style (a CPU, a state, a futex word), its waker. */
Test(html, the_data_decodes_to_the_timeline)
{
	struct json_object *d, *threads;
	struct gp_report r;
	struct gp_tlview v;
	struct gp_tl_seg s;
	char *page;

	tl_feed_turns();
	page = html_of(&d);
	tl_report(&r, 60 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	threads = json_object_object_get(d, "threads");
	cr_assert_eq(json_object_array_length(threads), 2);
	cr_assert_eq(json_object_get_int(json_object_object_get(d, "ncpus")), 2);
	size_t lane0 = json_object_array_length(json_object_object_get(d, "wakers"));
	for (size_t l = 0; l < 2; l++) {
		struct json_object *t = json_object_array_get_idx(threads, l);
		size_t n, i = 0, k;
		const unsigned char *p =
			html_b64(json_object_get_string(json_object_object_get(t, "d")), &n);
		uint64_t ts = 0;

		cr_assert_eq(json_object_get_int(json_object_object_get(t, "n")),
			     tlview_nsegs(&v, l));
		for (k = 0; k < tlview_nsegs(&v, l); k++) {
			uint64_t style;

			tlview_seg(&v, l, k, &s);
			ts += html_varint(p, &i);
			cr_assert_eq(ts, s.start, "lane %zu segment %zu", l, k);
			style = html_varint(p, &i);
			if (s.state == GP_TL_RUN)
				cr_assert_eq(style, s.cpu);
			else
				cr_assert_eq(style, 2 + 5 + (uint64_t)s.word, "a wait on hot");
			/* the other thread, or a label (the last wait is "still waiting") */
			if (s.state == GP_TL_LOCK && s.waker_lane >= 0)
				cr_assert_eq(html_varint(p, &i), lane0 + s.waker_lane);
			else if (s.state == GP_TL_LOCK)
				cr_assert_lt(html_varint(p, &i), lane0);
		}
		cr_assert_eq(i, n, "every byte is a segment's");
	}
	cr_assert_str_eq(
		json_object_get_string(json_object_array_get_idx(
			json_object_object_get(d, "strs"),
			json_object_get_int(json_object_object_get(
				json_object_array_get_idx(json_object_object_get(d, "locks"), 0),
				"name")))),
		"hot");
	cr_assert_not_null(strstr(page, "<pre>  wall 60 ms\n</pre>"), "the verdict");
	tlview_free(&v);
	report_free(&r);
	json_object_put(d);
	free(page);
}

/* A lock (or thread) name is the trace's: markup in it stays text, in the tables and the data. */
Test(html, names_cannot_break_out)
{
	struct json_object *d;
	char *page;
	const char *name;

	tl_lock_name = "</script><b>x&";
	tl_feed_turns();
	strcpy(m->threads[0]->comm, "<!--\xff");
	page = html_of(&d);
	/* the page's own two scripts end, nothing else does */
	cr_assert_null(strstr(page, "</script><b>"), "markup from a name reached the page");
	cr_assert_null(strstr(page, "<!--\xef"), "a comment opened by a name");
	cr_assert_not_null(strstr(page, "</script>"));
	cr_assert_not_null(strstr(strstr(page, "</script>") + 1, "</script>"));
	cr_assert_null(strstr(strstr(strstr(page, "</script>") + 1, "</script>") + 1, "</script>"));
	cr_assert_not_null(strstr(page, "&lt;/script&gt;&lt;b&gt;x&amp;"), "the lock table");
	cr_assert_null(strchr(page, '\xff'));
	name = json_object_get_string(
		json_object_array_get_idx(json_object_object_get(d, "strs"), 1));
	cr_assert_str_eq(name, "</script><b>x&", "the data gives the name back");
	json_object_put(d);
	free(page);
	tl_lock_name = "hot";
}
