// SPDX-License-Identifier: GPL-2.0
/*
 * The outputs of a report: opened (as the user) before anything is traced, each written through
 * the one output module, so that every format is created, owned, replaced and failed alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export/export_pprof.h"
#include "export/export_speedscope.h"
#include "export/flamegraph.h"
#include "export/folded.h"
#include "util/gzfile.h"
#include "analyze/report.h"
#include "export/outputs.h"
#include "export/report_json.h"
#include "export/report_text.h"
#include "export/timeline_outputs.h"
#include "analyze/views.h"

int outputs_open(const struct gp_out_req req[GP_OUT_COUNT], struct gp_outputs *outs)
{
	struct gp_output *list[GP_OUT_COUNT] = {0};
	int i;

	memset(outs, 0, sizeof(*outs));
	for (i = 0; i < GP_OUT_COUNT; i++) {
		if (!req[i].path)
			continue;
		if (output_open(&outs->o[i], req[i].opt, req[i].path))
			goto fail;
		list[i] = &outs->o[i];
	}
	if (!outputs_check(list, GP_OUT_COUNT))
		return 0;
fail:
	outputs_discard(outs);
	return -1;
}

void outputs_discard(struct gp_outputs *ro)
{
	for (int i = 0; i < GP_OUT_COUNT; i++)
		output_discard(&ro->o[i]);
}

static int emit_folded(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	return folded_emit(ctx, w, pe);
}

struct svg_ctx {
	const struct gp_profile *p;
	const struct gp_flamegraph_opts *o;
};

static int emit_svg(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct svg_ctx *sc = ctx;

	return flamegraph_emit(sc->p, sc->o, w, pe);
}

struct pprof_ctx {
	const struct gp_profile *p;
	const struct gp_pprof_opts *o;
};

static int emit_pprof(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct pprof_ctx *pc = ctx;

	return pprof_write(pc->p, pc->o, w, pe);
}

struct speedscope_ctx {
	const struct gp_profile *p;
	const char *name;
	struct prof_err *pe;
};

static int write_speedscope(FILE *f, void *ctx)
{
	struct speedscope_ctx *sc = ctx;

	return speedscope_write(sc->p, sc->name, f, sc->pe);
}

static int profile_outputs_view(const struct gp_report_opts *o, const struct gp_report *r,
				uint64_t period, struct gp_outputs *ro)
{
	struct gp_output *fo = &ro->o[GP_OUT_FOLDED], *fg = &ro->o[GP_OUT_FLAMEGRAPH];
	struct gp_output *ss = &ro->o[GP_OUT_SPEEDSCOPE];
	struct gp_flamegraph_opts fgo;
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	char title[128];
	int err = 0;

	if (view_build(r, o->view, period, &p, &pe)) {
		fprintf(stderr, "gilprof: %s\n", pe.msg[0] ? pe.msg : "cannot build the profile");
		output_discard(fo);
		output_discard(fg);
		output_discard(ss);
		return 1;
	}
	if (fo->open)
		err |= output_write_gz(fo, FOLDED_GZ_LEVEL, false, emit_folded, (void *)p) ? 1 : 0;
	if (fg->open) {
		struct svg_ctx sc = {p, &fgo};

		flamegraph_opts_init(&fgo);
		snprintf(title, sizeof(title), "gilprof: %s (%s view)", r->argv[0],
			 view_name(o->view));
		fgo.title = title;
		err |= output_write_gz(fg, FLAMEGRAPH_GZ_LEVEL, false, emit_svg, &sc) ? 1 : 0;
	}
	if (ss->open) {
		struct speedscope_ctx sc = {p, title, &pe};

		snprintf(title, sizeof(title), "gilprof %s view of %s", view_name(o->view),
			 r->argv[0]);
		err |= output_write(ss, write_speedscope, &sc) ? 1 : 0;
	}
	profile_free(p);
	return err;
}

static int profile_output_pprof(const struct gp_report *r, uint64_t period, struct gp_output *out)
{
	const char *comments[] = {"gilprof", r->argv[0]};
	struct gp_pprof_opts po = {0};
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	struct pprof_ctx pc = {NULL, &po};
	int err;

	err = view_build(r, GP_VIEW_PPROF, period, &p, &pe);
	if (err) {
		output_finish(out, err, pe.msg);
		return 1;
	}
	po.period_ns = period;
	po.time_ns = (int64_t)r->start_wall_ns;
	po.duration_ns = r->end_ts - r->start_ts;
	po.comments = comments;
	po.ncomments = 2;
	pc.p = p;
	err = output_write_gz(out, PPROF_GZ_LEVEL, true, emit_pprof, &pc) ? 1 : 0;
	profile_free(p);
	return err;
}

static int profile_outputs(const struct gp_report_opts *o, const struct gp_report *r,
			   struct gp_outputs *ro)
{
	uint64_t period = r->sample_period_ns;
	int err = 0;

	if (ro->o[GP_OUT_FOLDED].open || ro->o[GP_OUT_FLAMEGRAPH].open ||
	    ro->o[GP_OUT_SPEEDSCOPE].open)
		err = profile_outputs_view(o, r, period, ro);
	if (ro->o[GP_OUT_PPROF].open)
		err |= profile_output_pprof(r, period, &ro->o[GP_OUT_PPROF]);
	return err;
}

static int write_text(FILE *f, void *ctx)
{
	return report_text(f, ctx);
}

static int write_json(FILE *f, void *ctx)
{
	return report_json(f, ctx);
}

static bool lock_filter_empty(const struct gp_report *r)
{
	size_t n;
	struct gp_lock **locks = report_locks(r, &n);

	free(locks);
	return n == 0;
}

/* --lock matched nothing: name the locks it could have been, on one line. */
static void lock_filter_error(struct gp_report *r, const char *json)
{
	char name[160];
	size_t n, i;
	struct gp_lock **locks;

	fprintf(stderr,
		"gilprof: --lock %s matches no futex word; the top ones are:", r->lock_filter);
	r->lock_filter = NULL;
	locks = report_locks(r, &n);
	for (i = 0; i < n && i < 5; i++) {
		if (r->name_lock(r->namer_ctx, locks[i]->tgid, locks[i]->uaddr, name,
				 sizeof(name)) < 0)
			name[0] = 0;
		fprintf(stderr, "%s %s (0x%llx, pid %u)", i ? "," : "", name,
			(unsigned long long)locks[i]->uaddr, locks[i]->tgid);
	}
	fprintf(stderr, "%s%s%s\n", n ? "" : " none", json ? "; the full report is in " : "",
		json ? json : "");
	free(locks);
}

int outputs_write(const struct gp_report_opts *o, struct gp_report *r, struct gp_outputs *ro)
{
	struct gp_output *json = &ro->o[GP_OUT_JSON];
	bool json_written = false;
	int err = 0;

	if (json->open) {
		json_written = !output_write(json, write_json, r);
		err = !json_written;
	}
	r->lock_filter = o->lock;
	if (o->lock && lock_filter_empty(r)) {
		lock_filter_error(r, json_written ? json->path : NULL);
		outputs_discard(ro);
		return 2;
	}
	if (profile_outputs(o, r, ro))
		err = 1;
	if (timeline_outputs_write(o, r, &ro->o[GP_OUT_HTML], &ro->o[GP_OUT_TRACE]))
		err = 1;
	if (output_write(&ro->o[GP_OUT_TEXT], write_text, r))
		err = 1;
	return err;
}
