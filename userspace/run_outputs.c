// SPDX-License-Identifier: GPL-2.0
/* The profile outputs of a run: folded stacks, SVG flame graph, pprof, speedscope. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "export_pprof.h"
#include "export_speedscope.h"
#include "flamegraph.h"
#include "folded.h"
#include "outfile.h"
#include "run.h"
#include "views.h"

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
				uint64_t period)
{
	struct gp_flamegraph_opts fo;
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	char title[128];
	int err;

	err = view_build(r, o->view, period, &p, &pe);
	if (err)
		goto out;
	if (o->folded && (err = folded_write(p, o->folded, &pe)))
		goto out;
	if (o->flamegraph) {
		flamegraph_opts_init(&fo);
		snprintf(title, sizeof(title), "gilprof: %s (%s view)", r->argv[0],
			 view_name(o->view));
		fo.title = title;
		err = flamegraph_write_path(p, &fo, o->flamegraph, &pe);
		if (err)
			goto out;
	}
	if (o->speedscope) {
		struct speedscope_ctx sc = {p, title, &pe};

		snprintf(title, sizeof(title), "gilprof %s view of %s", view_name(o->view),
			 r->argv[0]);
		err = outfile_write(o->speedscope, write_speedscope, &sc) ? -EIO : 0;
	}
out:
	if (err && pe.msg[0])
		fprintf(stderr, "gilprof: %s\n", pe.msg);
	profile_free(p);
	return err ? 1 : 0;
}

static int profile_output_pprof(const struct gp_run_opts *o, const struct gp_report *r,
				uint64_t period)
{
	const char *comments[] = {"gilprof", r->argv[0]};
	struct gp_pprof_opts po = {0};
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	int err;

	err = view_build(r, GP_VIEW_PPROF, period, &p, &pe);
	if (!err) {
		po.period_ns = period;
		po.duration_ns = r->end_ts - r->start_ts;
		po.comments = comments;
		po.ncomments = 2;
		err = pprof_write(p, &po, o->pprof, &pe);
	}
	if (err)
		fprintf(stderr, "gilprof: %s\n",
			pe.msg[0] ? pe.msg : "cannot write the pprof file");
	profile_free(p);
	return err ? 1 : 0;
}

int run_profile_outputs(const struct gp_run_opts *o, const struct gp_report *r)
{
	uint64_t period = 1000000000ULL / (o->freq ? o->freq : 99);
	int err = 0;

	if (o->folded || o->flamegraph || o->speedscope)
		err = profile_outputs_view(o, r, period);
	if (o->pprof)
		err |= profile_output_pprof(o, r, period);
	return err;
}
