// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/analysis.h"
#include "export/escape.h"
#include "export/flamegraph.h"
#include "export/html.h"
#include "model/lockstat.h"
#include "util/bytes.h"
#include "util/gzfile.h"
#include "util/hashmap.h"
#include "html_assets.h" /* html_page_js, html_page_css: tools/embed.sh, at build time */

/* The page's names, each once: the data refers to them by index. */
struct html_strtab {
	const char **v;
	size_t n, cap;
	struct gp_hashmap idx; /* FNV-1a of the string -> index + 1 */
};

struct html_writer {
	FILE *f;
	const struct gp_html_in *in;
	const struct gp_report *r;
	const struct gp_tlview *v;
	struct html_strtab strs;
};

/* What ended a block, in the data: 0 nothing, these labels from 1, then thread lanes. */
static const uint32_t html_waker_labels[] = {
	GP_WAKER_TIMEOUT, GP_WAKER_SIGNAL, GP_WAKER_NONE,  GP_WAKER_UNSEEN,
	GP_WAKER_ONGOING, GP_WAKER_IRQ,	   GP_WAKER_TIMER, GP_WAKER_UNKNOWN,
};

#define HTML_NLABELS (sizeof(html_waker_labels) / sizeof(html_waker_labels[0]))
#define HTML_WAKER_LANE0 (1 + HTML_NLABELS)
/* Styles after the CPUs (a run on CPU c is style c): then the futex words from WORD0. */
enum { HTML_RUNQ_WAKE, HTML_RUNQ_PREEMPT, HTML_SLEEP, HTML_DWAIT, HTML_FUTEX_OTHER, HTML_WORD0 };

static uint64_t html_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The index of s in the table (added when new), or -1 out of memory. */
static long html_str(struct html_strtab *t, const char *s)
{
	uint64_t h = html_hash(s);
	uintptr_t i = (uintptr_t)hashmap_get(&t->idx, h, 0);

	if (i && !strcmp(t->v[i - 1], s))
		return (long)i - 1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		const char **n = reallocarray(t->v, cap, sizeof(*n));

		if (!n)
			return -1;
		t->v = n;
		t->cap = cap;
	}
	t->v[t->n++] = s;
	/* on a hash collision the second string is stored again, not found again: harmless */
	if (!i && hashmap_put(&t->idx, h, 0, (void *)(uintptr_t)t->n))
		return -1;
	return (long)t->n - 1;
}

static void html_head(struct html_writer *w)
{
	FILE *f = w->f;
	int i;

	fputs("<!DOCTYPE html>\n<!-- SPDX-License-Identifier: GPL-2.0 -->\n"
	      "<!-- gilprof report: one file, nothing fetched (export/html.c) -->\n"
	      "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>gilprof:",
	      f);
	for (i = 0; w->r->argv && w->r->argv[i] && i < 8; i++) {
		fputc(' ', f);
		esc_html(f, w->r->argv[i]);
	}
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_page_css);
}

static void html_header(struct html_writer *w)
{
	const struct gp_report *r = w->r;
	const struct gp_model *m = r->model;
	uint64_t dur = r->end_ts > r->start_ts ? r->end_ts - r->start_ts : 0;
	char b[32];
	int i;

	fputs("<header><h1>gilprof:", w->f);
	for (i = 0; r->argv && r->argv[i]; i++) {
		fputc(' ', w->f);
		esc_html(w->f, r->argv[i]);
	}
	if (r->exit_status >= 0)
		fprintf(w->f, " <span class=\"dim\">(exit status %d)</span>", r->exit_status);
	fprintf(w->f,
		"</h1>\n<p class=\"dim\">traced %zu process%s, %zu thread%s for %s; %" PRIu64
		" events</p>\n<nav><a href=\"#verdict\">verdict</a> <a href=\"#timeline\">"
		"timeline</a> <a href=\"#flame\">flame graph</a> <a href=\"#threads\">threads</a> "
		"<a href=\"#locks\">locks</a></nav></header>\n",
		m->nprocs, m->nprocs == 1 ? "" : "es", m->nthreads, m->nthreads == 1 ? "" : "s",
		fmt_ns(b, sizeof(b), dur), m->events);
}

static void html_verdict(struct html_writer *w)
{
	const char *v = w->in->verdict ? w->in->verdict : "";

	/* the text report's section, heading and all: the same words in both */
	v += strspn(v, "\n");
	if (!strncmp(v, "verdict\n", 8))
		v += 8;
	fputs("<section id=\"verdict\"><h2>Verdict</h2><pre>", w->f);
	esc_html(w->f, v);
	fputs("</pre></section>\n", w->f);
}

/* The markup the script draws into; it finds the data in #gp-data. */
static void html_timeline(struct html_writer *w)
{
	fputs("<section id=\"timeline\"><h2>Per-core timeline</h2>\n"
	      "<div class=\"bar\"><button id=\"tl-reset\" type=\"button\">reset zoom</button> "
	      "<span id=\"tl-range\"></span> <span class=\"dim\">wheel: zoom &middot; drag: pan "
	      "&middot; shift+wheel: scroll lanes &middot; hover: a state, its lock and who woke "
	      "it</span> <span id=\"tl-status\" class=\"dim\"></span></div>\n"
	      "<div id=\"tl-wrap\"><div id=\"tl-stage\"><canvas id=\"tl-canvas\"></canvas>"
	      "<canvas id=\"tl-overlay\"></canvas></div><div id=\"tl-space\"></div></div>\n"
	      "<div id=\"tl-tip\" hidden></div>\n<div id=\"tl-legend\"></div>\n</section>\n",
	      w->f);
}

static void html_flame(struct html_writer *w)
{
	fputs("<section id=\"flame\"><h2>Flame graph</h2>\n<div class=\"bar\" id=\"fg-views\">"
	      "</div>\n<div id=\"fg-box\"></div>\n</section>\n",
	      w->f);
}

static void html_thread_cols(FILE *f)
{
	static const char *const cols[] = {
		"TID",	     "THREAD",	    "LIFETIME",	  "RUNNING", "SWITCHING",
		"RUNQ-WAKE", "RUNQ-PREEMP", "FUTEX-WAIT", "SLEEP",   "D-WAIT",
		"VCSW",	     "ICSW",	    "MIGR",
	};
	size_t i;

	fputs("<tr>", f);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "<th>%s</th>", cols[i]);
	fputs("</tr>\n", f);
}

static void html_thread_row(FILE *f, const char *id, const char *name, uint64_t life,
			    const uint64_t *bucket, const uint64_t *csw, const char *cls)
{
	char b[24];
	int i;

	fprintf(f, "<tr%s><td>%s</td><td class=\"l\">", cls, id);
	esc_html(f, name);
	fprintf(f, "</td><td>%s</td>", fmt_ns(b, sizeof(b), life));
	for (i = 0; i < GP_B_COUNT; i++)
		fprintf(f, "<td>%s</td>", fmt_ns(b, sizeof(b), bucket[i]));
	fprintf(f, "<td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n", csw[0],
		csw[1], csw[2]);
}

static void html_share_row(FILE *f, const struct gp_totals *tot)
{
	int i;

	fputs("<tr class=\"share\"><td></td><td class=\"l\">share</td><td>100%</td>", f);
	for (i = 0; i < GP_B_COUNT; i++)
		fprintf(f, "<td>%.1f%%</td>",
			tot->lifetime ? 100.0 * tot->bucket[i] / tot->lifetime : 0.0);
	fputs("<td></td><td></td><td></td></tr>\n", f);
}

static void html_process_title(FILE *f, const struct gp_process *p)
{
	char life[24];

	fmt_ns(life, sizeof(life), p->end_ts - p->start_ts);
	fprintf(f, "<h3>process %u ", p->tgid);
	esc_html(f, p->comm);
	if (p->parent_tgid)
		fprintf(f, " (child of %u)", p->parent_tgid);
	fprintf(f, ", %s %s", p->attached ? "traced since the attach for" : "alive", life);
	if (p->exit_code_known) {
		if (p->exit_code & 0x7f)
			fprintf(f, ", killed by signal %u", p->exit_code & 0x7f);
		else
			fprintf(f, ", exit %u", (p->exit_code >> 8) & 0xff);
	}
	fputs("</h3>\n", f);
}

/* The text report's process tables, a row per thread, then all of them and their shares. */
static void html_process(struct html_writer *w, const struct gp_process *p)
{
	struct gp_totals tot;
	char id[24];
	size_t i;

	totals_of_process(&tot, p, w->r->model->ncpus);
	html_process_title(w->f, p);
	fputs("<table class=\"num\">\n", w->f);
	html_thread_cols(w->f);
	for (i = 0; i < p->nthreads; i++) {
		const struct gp_thread *t = p->threads[i];
		uint64_t csw[3] = {t->nvcsw, t->nivcsw, t->migrations};

		snprintf(id, sizeof(id), "%u", t->tid);
		html_thread_row(w->f, id, t->comm, thread_lifetime(t), t->bucket, csw, "");
	}
	if (p->nthreads > 1) {
		uint64_t csw[3] = {tot.nvcsw, tot.nivcsw, tot.migrations};

		snprintf(id, sizeof(id), "all %u", tot.nthreads);
		html_thread_row(w->f, id, "", tot.lifetime, tot.bucket, csw, " class=\"all\"");
	}
	html_share_row(w->f, &tot);
	fputs("</table>\n", w->f);
}

static void html_threads(struct html_writer *w)
{
	size_t i;

	fputs("<section id=\"threads\"><h2>Threads</h2>\n", w->f);
	for (i = 0; i < w->r->model->nprocs; i++)
		html_process(w, w->r->model->procs[i]);
	fputs("</section>\n", w->f);
}

/* Does a lock pass --lock, as in the text report: its name, or a word's name or address. */
static bool html_lock_shown(const struct html_writer *w, size_t i)
{
	const struct gp_tl_lock *l = &w->v->locks[i];
	size_t k;

	if (!w->r->lock_filter || !strcmp(w->r->lock_filter, l->obj->name))
		return true;
	for (k = 0; k < w->v->nwords; k++)
		if (w->v->words[k].lock == i &&
		    lock_filter_match(w->r->lock_filter, w->v->words[k].uaddr, w->v->words[k].name))
			return true;
	return false;
}

static void html_lock_row(struct html_writer *w, size_t i)
{
	const struct gp_tl_lock *l = &w->v->locks[i];
	struct gp_lock_obj *o = (struct gp_lock_obj *)l->obj; /* percentiles sort in place */
	char b[6][24];

	fprintf(w->f,
		"<tr><td>%u</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		"</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
		"<td>%zu</td><td class=\"l\"><span class=\"sw\" style=\"background:#%06x\"></span>",
		o->tgid, o->acquisitions, o->retries, o->timeouts, fmt_ns(b[0], 24, o->acquire_ns),
		fmt_ns(b[1], 24, o->sleep_ns),
		fmt_ns(b[2], 24, o->acquisitions ? o->acquire_ns / o->acquisitions : 0),
		fmt_ns(b[3], 24, u64vec_percentile(&o->durations, 50)),
		fmt_ns(b[4], 24, u64vec_percentile(&o->durations, 99)),
		fmt_ns(b[5], 24, u64vec_percentile(&o->durations, 100)), o->nwaiters, l->rgb);
	esc_html(w->f, l->name);
	fputs("</td></tr>\n", w->f);
}

static void html_joins(struct html_writer *w)
{
	char b[24];
	size_t i;
	bool any = false;

	for (i = 0; i < w->v->nlocks; i++) {
		const struct gp_tl_lock *l = &w->v->locks[i];

		if (!l->join || !html_lock_shown(w, i))
			continue;
		if (!any)
			fputs("<h3>thread joins (waits for a thread's exit)</h3>\n<table "
			      "class=\"num\">"
			      "<tr><th>PID</th><th>WAITS</th><th>WAIT</th><th>WORD</th></tr>\n",
			      w->f);
		any = true;
		fprintf(w->f, "<tr><td>%u</td><td>%" PRIu64 "</td><td>%s</td><td class=\"l\">",
			l->tgid, l->obj->waits, fmt_ns(b, sizeof(b), l->obj->acquire_ns));
		esc_html(w->f, l->name);
		fputs("</td></tr>\n", w->f);
	}
	if (any)
		fputs("</table>\n", w->f);
}

/* The text report's lock table: objects by time waited to acquire them, --top-locks rows. */
static void html_locks(struct html_writer *w)
{
	size_t i, shown = 0, max = w->r->top_locks ? w->r->top_locks : SIZE_MAX, more = 0;

	fputs("<section id=\"locks\"><h2>Locks</h2>\n<p class=\"dim\">by time waited to acquire "
	      "them (first futex wait &rarr; back on a CPU after the last); the colour is the "
	      "lock's in the timeline</p>\n<table class=\"num\"><tr><th>PID</th><th>ACQUIRES</th>"
	      "<th>RETRIES</th><th>TIMEOUT</th><th>WAIT</th><th>SLEPT</th><th>MEAN</th>"
	      "<th>P50</th><th>P99</th><th>MAX</th><th>WAITERS</th><th>LOCK</th></tr>\n",
	      w->f);
	for (i = 0; i < w->v->nlocks; i++) {
		if (w->v->locks[i].join || !html_lock_shown(w, i))
			continue;
		if (shown++ < max)
			html_lock_row(w, i);
		else
			more++;
	}
	if (!shown)
		fputs("<tr><td colspan=\"12\" class=\"l\">no futex waits</td></tr>\n", w->f);
	fputs("</table>\n", w->f);
	if (more)
		fprintf(w->f, "<p class=\"dim\">... %zu more (--top-locks 0 shows all)</p>\n",
			more);
	html_joins(w);
	fputs("</section>\n", w->f);
}

static void html_varint(struct gp_bytes *b, uint64_t x)
{
	unsigned char buf[10];
	size_t n = 0;

	do {
		buf[n++] = (x & 0x7f) | (x > 0x7f ? 0x80 : 0);
		x >>= 7;
	} while (x);
	bytes_put(b, buf, n);
}

static void html_base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t x = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		fputc(a[x >> 18], f);
		fputc(a[(x >> 12) & 63], f);
		fputc(a[(x >> 6) & 63], f);
		fputc(a[x & 63], f);
	}
	if (i < n) {
		uint32_t x = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		fputc(a[x >> 18], f);
		fputc(a[(x >> 12) & 63], f);
		fputc(i + 1 < n ? a[(x >> 6) & 63] : '=', f);
		fputc('=', f);
	}
}

static uint64_t html_seg_style(const struct html_writer *w, const struct gp_tl_seg *s)
{
	unsigned nc = w->v->ncpus ? w->v->ncpus : 1;

	switch (s->state) {
	case GP_TL_RUN:
		return s->cpu < nc ? s->cpu : nc - 1;
	case GP_TL_RUNQ_WAKE:
		return nc + HTML_RUNQ_WAKE;
	case GP_TL_RUNQ_PREEMPT:
		return nc + HTML_RUNQ_PREEMPT;
	case GP_TL_SLEEP:
		return nc + HTML_SLEEP;
	case GP_TL_DWAIT:
		return nc + HTML_DWAIT;
	default:
		return nc + (s->word < 0 ? HTML_FUTEX_OTHER : HTML_WORD0 + (uint64_t)s->word);
	}
}

/* 0 nothing, a label from 1, a traced thread's lane, or an untraced task's tid after those. */
static uint64_t html_seg_waker(const struct html_writer *w, const struct gp_tl_seg *s)
{
	size_t i;

	if (s->waker_lane >= 0)
		return HTML_WAKER_LANE0 + (uint64_t)s->waker_lane;
	if (waker_is_task(s->waker))
		return HTML_WAKER_LANE0 + w->v->nlanes + s->waker;
	for (i = 0; i < HTML_NLABELS; i++)
		if (s->waker == html_waker_labels[i])
			return 1 + i;
	return 0;
}

/* A thread's segments: varint start delta (ns), varint style, for a block varint waker. */
static int html_lane_bytes(const struct html_writer *w, size_t lane, struct gp_bytes *b)
{
	uint64_t prev = w->v->start;
	struct gp_tl_seg s;
	size_t k;

	bytes_reset(b);
	for (k = 0; k < tlview_nsegs(w->v, lane); k++) {
		tlview_seg(w->v, lane, k, &s);
		html_varint(b, s.start >= prev ? s.start - prev : 0);
		prev = s.start > prev ? s.start : prev;
		html_varint(b, html_seg_style(w, &s));
		if (tlview_state_blocked(s.state))
			html_varint(b, html_seg_waker(w, &s));
	}
	return b->oom ? -ENOMEM : 0;
}

static uint64_t html_rel(const struct html_writer *w, uint64_t ts)
{
	return ts > w->v->start ? ts - w->v->start : 0;
}

static int html_data_threads(struct html_writer *w)
{
	struct gp_bytes b = {0};
	size_t l;
	long si;

	fputs(",\"threads\":[", w->f);
	for (l = 0; l < w->v->nlanes; l++) {
		const struct gp_thread *t = w->v->lanes[l];

		si = html_str(&w->strs, t->comm);
		if (si < 0 || html_lane_bytes(w, l, &b)) {
			bytes_free(&b);
			return -ENOMEM;
		}
		fprintf(w->f,
			"%s\n{\"tid\":%u,\"pid\":%u,\"comm\":%ld,\"s\":%" PRIu64 ",\"e\":%" PRIu64
			",\"n\":%zu,\"d\":\"",
			l ? "," : "", t->tid, t->tgid, si, html_rel(w, t->start_ts),
			html_rel(w, t->end_ts), tlview_nsegs(w->v, l));
		html_base64(w->f, b.p, b.len);
		fputs("\"}", w->f);
	}
	bytes_free(&b);
	fputs("]", w->f);
	return 0;
}

static int html_data_locks(struct html_writer *w)
{
	size_t i;
	long si;

	fputs(",\"locks\":[", w->f);
	for (i = 0; i < w->v->nlocks; i++) {
		const struct gp_tl_lock *l = &w->v->locks[i];

		if ((si = html_str(&w->strs, l->name)) < 0)
			return -ENOMEM;
		fprintf(w->f, "%s{\"name\":%ld,\"pid\":%u,\"rgb\":\"#%06x\",\"join\":%s}",
			i ? "," : "", si, l->tgid, l->rgb, l->join ? "true" : "false");
	}
	fputs("],\"words\":[", w->f);
	for (i = 0; i < w->v->nwords; i++) {
		const struct gp_tl_word *wd = &w->v->words[i];

		if ((si = html_str(&w->strs, wd->name)) < 0)
			return -ENOMEM;
		fprintf(w->f, "%s{\"lock\":%zu,\"addr\":\"0x%" PRIx64 "\",\"name\":%ld}",
			i ? "," : "", wd->lock, wd->uaddr, si);
	}
	fputc(']', w->f);
	return 0;
}

static int html_data_procs(struct html_writer *w)
{
	const struct gp_model *m = w->r->model;
	size_t i;
	long si;

	fputs(",\"procs\":[", w->f);
	for (i = 0; i < m->nprocs; i++) {
		if ((si = html_str(&w->strs, m->procs[i]->comm)) < 0)
			return -ENOMEM;
		fprintf(w->f, "%s{\"pid\":%u,\"comm\":%ld}", i ? "," : "", m->procs[i]->tgid, si);
	}
	fputc(']', w->f);
	return 0;
}

static void html_data_states(struct html_writer *w)
{
	size_t i;

	fputs(",\"states\":[", w->f);
	for (i = 0; i < GP_TL_STATES; i++)
		fprintf(w->f, "%s{\"name\":\"%s\",\"rgb\":\"#%06x\"}", i ? "," : "",
			tlview_state_name(i), tlview_state_rgb(i));
	fputs("],\"wakers\":[\"\"", w->f);
	for (i = 0; i < HTML_NLABELS; i++)
		fprintf(w->f, ",\"%s\"", waker_label(html_waker_labels[i]));
	fputc(']', w->f);
}

/* A view's flame graph: the SVG the --flamegraph output would be, as a JSON string. */
static int html_view_svg(struct html_writer *w, enum gp_view view, const struct gp_profile *p)
{
	struct gp_flamegraph_opts o;
	struct prof_err pe = {0};
	struct gz_writer gw;
	char title[160], *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	int err;

	if (!mf)
		return -ENOMEM;
	flamegraph_opts_init(&o);
	snprintf(title, sizeof(title), "gilprof: %s (%s view)",
		 w->r->argv && w->r->argv[0] ? w->r->argv[0] : "", view_name(view));
	o.title = title;
	gzwriter_open_fp(&gw, mf, "flame graph");
	err = flamegraph_emit(p, &o, &gw, &pe);
	err = gzwriter_close(&gw, err, &pe);
	if (fclose(mf) && !err)
		err = -ENOMEM;
	if (!err)
		esc_json(w->f, buf, true);
	free(buf);
	return err;
}

static int html_data_views(struct html_writer *w)
{
	const struct gp_html_in *in = w->in;
	int v, first = -1, n = 0;

	fputs(",\"views\":[", w->f);
	for (v = 0; v < GP_VIEW_COUNT; v++) {
		if (!in->views[v])
			continue;
		if (first < 0 || v == (int)in->view)
			first = v;
		fprintf(w->f, "%s\n{\"name\":\"%s\",\"svg\":", n++ ? "," : "", view_name(v));
		if (html_view_svg(w, v, in->views[v]))
			return -ENOMEM;
		fputc('}', w->f);
	}
	fprintf(w->f, "],\"view\":\"%s\"", first < 0 ? "" : view_name(first));
	return 0;
}

static void html_data_strs(struct html_writer *w)
{
	size_t i;

	fputs(",\n\"strs\":[", w->f);
	for (i = 0; i < w->strs.n; i++) {
		fputs(i ? "," : "", w->f);
		esc_json(w->f, w->strs.v[i], true);
	}
	fputc(']', w->f);
}

/* The data the script draws: JSON that cannot end its <script> element ("<" escaped). */
static int html_data(struct html_writer *w)
{
	int err;

	fprintf(w->f,
		"<script id=\"gp-data\" type=\"application/json\">{\"version\":1,\"dur\":%" PRIu64
		",\"ncpus\":%u",
		w->v->end - w->v->start, w->v->ncpus ? w->v->ncpus : 1);
	html_data_states(w);
	err = html_data_procs(w);
	if (!err)
		err = html_data_locks(w);
	if (!err)
		err = html_data_threads(w);
	if (!err)
		err = html_data_views(w);
	if (err)
		return err;
	html_data_strs(w);
	fputs("}</script>\n", w->f);
	return 0;
}

int html_write(FILE *f, const struct gp_html_in *in)
{
	struct html_writer w = {.f = f, .in = in, .r = in->r, .v = in->v};
	int err;

	hashmap_init(&w.strs.idx);
	html_head(&w);
	html_header(&w);
	html_verdict(&w);
	html_timeline(&w);
	html_flame(&w);
	html_threads(&w);
	html_locks(&w);
	err = html_data(&w);
	if (!err)
		fprintf(f, "<script>\n%s</script>\n</body>\n</html>\n", html_page_js);
	free(w.strs.v);
	hashmap_free(&w.strs.idx);
	if (err)
		return err;
	return ferror(f) ? -EIO : 0;
}
