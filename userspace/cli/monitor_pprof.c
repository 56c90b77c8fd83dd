// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof monitor --pprof-every SECONDS DIR: the lock waits of each period (the lock view's
 * stacks with the lock as leaf and kind=lock-wait, as Go's mutex profile) as a pprof file,
 * DIR/gilprof-YYYYmmdd-HHMMSS.pb.gz, written as the invoking user at the period's end.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "analyze/views.h"
#include "cli/monitor.h"
#include "collect/live.h"
#include "export/export_pprof.h"
#include "util/output.h"

#define NS 1000000000ULL

int monitor_pprof_check(const struct gp_monitor_args *a)
{
	char path[PATH_MAX];
	struct gp_output o;

	snprintf(path, sizeof(path), "%s/.gilprof-pprof-check", a->pprof_dir);
	if (output_open(&o, "--pprof-every", path))
		return 2;
	output_discard(&o);
	return 0;
}

/* Every stack of p added to acc, frames by name. */
static int profile_merge(struct gp_profile *acc, const struct gp_profile *p, struct prof_err *pe)
{
	struct gp_pframe *f = NULL;
	size_t cap = 0;
	int err = 0;

	for (size_t i = 0; i < profile_nstacks(p) && !err; i++) {
		struct gp_stack st;

		profile_stack(p, i, &st);
		if (st.depth > cap) {
			struct gp_pframe *nf = realloc(f, st.depth * sizeof(*f));

			if (!nf) {
				err = -1;
				break;
			}
			f = nf;
			cap = st.depth;
		}
		for (uint32_t k = 0; k < st.depth; k++)
			f[k] = profile_frame(p, st.frames[k]);
		err = profile_add(acc, f, st.depth, st.kind, st.weight, st.count, pe);
	}
	free(f);
	return err;
}

struct pprof_emit {
	const struct gp_profile *p;
	const struct gp_pprof_opts *o;
};

static int emit(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct pprof_emit *e = ctx;

	return pprof_write(e->p, e->o, w, pe);
}

static void period_write(const struct gp_monitor_args *a, const struct gp_profile *p,
			 uint64_t duration)
{
	const char *comments[] = {"gilprof monitor"};
	struct gp_pprof_opts po = {.period_ns = 1,
				   .duration_ns = duration,
				   .time_ns = (int64_t)time(NULL) * (int64_t)NS - (int64_t)duration,
				   .comments = comments,
				   .ncomments = 1};
	struct pprof_emit e = {p, &po};
	char path[PATH_MAX], stamp[32];
	time_t now = time(NULL);
	struct gp_output o;
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(path, sizeof(path), "%s/gilprof-%s.pb.gz", a->pprof_dir, stamp);
	if (output_open(&o, "--pprof-every", path))
		return;
	output_write_gz(&o, PPROF_GZ_LEVEL, true, emit, &e);
}

void monitor_pprof_window(struct gp_live *live, const struct gp_live_window *w,
			  struct gp_profile **acc, uint64_t *start, const struct gp_monitor_args *a)
{
	struct gp_namer n = live_namer(live);
	struct gp_report r = {.model = w->model,
			      .stacks = live_stacks(live),
			      .name_lock = n.lock,
			      .name_code = n.code,
			      .name_kernel = n.kernel,
			      .namer_ctx = n.ctx,
			      .sample_period_ns = NS / 99};
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};

	if (!*acc) {
		*acc = profile_new("nanoseconds", &pe);
		*start = w->start;
		if (!*acc)
			return;
	}
	if (!view_build(&r, GP_VIEW_PPROF, r.sample_period_ns, &p, &pe)) {
		profile_merge(*acc, p, &pe);
		profile_free(p);
	}
	if (w->end - *start < (uint64_t)(a->pprof_every * NS))
		return;
	period_write(a, *acc, w->end - *start);
	profile_free(*acc);
	*acc = NULL;
}
