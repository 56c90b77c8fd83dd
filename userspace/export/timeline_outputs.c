// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "analyze/tlview.h"
#include "analyze/views.h"
#include "export/html.h"
#include "export/report_text.h"
#include "export/timeline_outputs.h"
#include "export/trace_event.h"

struct tlo_ctx {
	const struct gp_report *r;
	const struct gp_tlview *v;
	const char *verdict;
	struct gp_html_in *html;
};

static int tlo_emit_trace(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct tlo_ctx *c = ctx;

	(void)pe;
	return trace_event_emit(w, c->r, c->v, c->verdict);
}

static int tlo_write_html(FILE *f, void *ctx)
{
	struct tlo_ctx *c = ctx;

	return html_write(f, c->html);
}

/* The text report's verdict, which both outputs quote: malloc'd, NULL out of memory. */
static char *tlo_verdict(const struct gp_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	report_text_verdict(f, r);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Every view the trace has the stacks for: lock and wake always, the others with profiles. */
static int tlo_views(const struct gp_report *r, struct gp_html_in *in)
{
	struct prof_err pe = {0};
	int v;

	for (v = 0; v < GP_VIEW_COUNT; v++) {
		if (view_needs_profile_stacks(v) && !r->profile_stacks)
			continue;
		if (view_build(r, v, r->sample_period_ns, (struct gp_profile **)&in->views[v],
			       &pe)) {
			fprintf(stderr, "gilprof: --html: %s\n",
				pe.msg[0] ? pe.msg : "cannot build the profile");
			return -1;
		}
	}
	return 0;
}

static int tlo_html(const struct gp_report_opts *o, struct tlo_ctx *c, struct gp_output *out)
{
	struct gp_html_in in = {.r = c->r, .v = c->v, .verdict = c->verdict, .view = o->view};
	int err, v;

	c->html = &in;
	if (tlo_views(c->r, &in)) {
		output_discard(out);
		err = 1;
	} else {
		err = output_write(out, tlo_write_html, c) ? 1 : 0;
	}
	for (v = 0; v < GP_VIEW_COUNT; v++)
		profile_free((struct gp_profile *)in.views[v]);
	return err;
}

int timeline_outputs_write(const struct gp_report_opts *o, const struct gp_report *r,
			   struct gp_output *html, struct gp_output *trace)
{
	struct gp_tlview v;
	struct tlo_ctx c = {.r = r, .v = &v};
	int err = 0;

	if (!html->open && !trace->open)
		return 0;
	c.verdict = tlo_verdict(r);
	if (!c.verdict || tlview_build(r, &v)) {
		fprintf(stderr, "gilprof: out of memory for the timeline\n");
		free((char *)c.verdict);
		output_discard(html);
		output_discard(trace);
		return 1;
	}
	if (trace->open && output_write_gz(trace, TRACE_EVENT_GZ_LEVEL, false, tlo_emit_trace, &c))
		err = 1;
	if (html->open)
		err |= tlo_html(o, &c, html);
	tlview_free(&v);
	free((char *)c.verdict);
	return err;
}
