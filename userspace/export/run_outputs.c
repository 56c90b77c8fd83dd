// SPDX-License-Identifier: GPL-2.0
/*
 * The outputs of a run: opened (as the user) before anything is traced, each written through
 * the one output module, so that every format is created, owned, replaced and failed alike.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "export/export_pprof.h"
#include "export/export_speedscope.h"
#include "export/flamegraph.h"
#include "export/folded.h"
#include "export/gzfile.h"
#include "analyze/report.h"
#include "stream/run.h"
#include "analyze/views.h"

static const char *const out_opts[GP_OUT_COUNT] = {
	[GP_OUT_TEXT] = "the text report", [GP_OUT_JSON] = "--json",
	[GP_OUT_FOLDED] = "--folded",	   [GP_OUT_FLAMEGRAPH] = "--flamegraph",
	[GP_OUT_PPROF] = "--pprof",	   [GP_OUT_SPEEDSCOPE] = "--speedscope",
};

int run_outputs_open(const struct gp_run_opts *o, struct gp_run_outputs *ro)
{
	const char *paths[GP_OUT_COUNT] = {
		[GP_OUT_TEXT] = o->output ? o->output : "-",
		[GP_OUT_JSON] = o->json,
		[GP_OUT_FOLDED] = o->folded,
		[GP_OUT_FLAMEGRAPH] = o->flamegraph,
		[GP_OUT_PPROF] = o->pprof,
		[GP_OUT_SPEEDSCOPE] = o->speedscope,
	};
	struct gp_output *list[GP_OUT_COUNT] = {0};
	int i;

	memset(ro, 0, sizeof(*ro));
	for (i = 0; i < GP_OUT_COUNT; i++) {
		if (!paths[i])
			continue;
		if (output_open(&ro->o[i], i == GP_OUT_TEXT && o->output ? "-o" : out_opts[i],
				paths[i]))
			goto fail;
		list[i] = &ro->o[i];
	}
	if (!outputs_check(list, GP_OUT_COUNT))
		return 0;
fail:
	run_outputs_discard(ro);
	return -1;
}

void run_outputs_discard(struct gp_run_outputs *ro)
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

static int profile_outputs_view(const struct gp_run_opts *o, const struct gp_report *r,
				uint64_t period, struct gp_run_outputs *ro)
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
	po.duration_ns = r->end_ts - r->start_ts;
	po.comments = comments;
	po.ncomments = 2;
	pc.p = p;
	err = output_write_gz(out, PPROF_GZ_LEVEL, true, emit_pprof, &pc) ? 1 : 0;
	profile_free(p);
	return err;
}

int run_profile_outputs(const struct gp_run_opts *o, const struct gp_report *r,
			struct gp_run_outputs *ro)
{
	uint64_t period = 1000000000ULL / (o->freq ? o->freq : 99);
	int err = 0;

	if (ro->o[GP_OUT_FOLDED].open || ro->o[GP_OUT_FLAMEGRAPH].open ||
	    ro->o[GP_OUT_SPEEDSCOPE].open)
		err = profile_outputs_view(o, r, period, ro);
	if (ro->o[GP_OUT_PPROF].open)
		err |= profile_output_pprof(r, period, &ro->o[GP_OUT_PPROF]);
	return err;
}
