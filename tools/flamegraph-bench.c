// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark driver: render a folded file to SVG the way `gilprof flamegraph` will, and print how
 * long reading and rendering took. tools/bench-flamegraph.sh builds and runs it.
 *
 *	flamegraph-bench IN.folded[.gz] OUT.svg [MIN_WIDTH_PX]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export/flamegraph.h"
#include "export/folded.h"
#include "util/gzfile.h"
#include "util/output.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* As gilprof writes its outputs: unnamed, linked into place when complete. */
struct svg_ctx {
	const struct gp_profile *p;
	const struct gp_flamegraph_opts *o;
};

static int svg_emit(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct svg_ctx *sc = ctx;

	return flamegraph_emit(sc->p, sc->o, w, pe);
}

static int svg_write(const struct gp_profile *p, const struct gp_flamegraph_opts *o,
		     const char *path, struct prof_err *pe)
{
	struct svg_ctx sc = {p, o};
	struct gp_output out;
	int err = output_open(&out, "OUT", path);

	if (err)
		return prof_err_set(pe, -err, "cannot write %s", path);
	return output_write_gz(&out, FLAMEGRAPH_GZ_LEVEL, false, svg_emit, &sc) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	struct gp_flamegraph_opts o;
	struct gp_profile *p;
	struct prof_err pe;
	double t0, t1, t2;
	int err;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: flamegraph-bench IN.folded[.gz] OUT.svg [MIN_WIDTH_PX]\n");
		return 2;
	}
	flamegraph_opts_init(&o);
	o.title = "gen-folded benchmark";
	if (argc == 4)
		o.min_width = atof(argv[3]);
	p = profile_new("samples", &pe);
	if (!p) {
		fprintf(stderr, "flamegraph-bench: %s\n", pe.msg);
		return 1;
	}
	t0 = now();
	err = open(argv[1], O_RDONLY | O_CLOEXEC);
	err = err < 0 ? prof_err_set(&pe, errno, "%s: %s", argv[1], strerror(errno))
		      : folded_read_fd(p, err, argv[1], GP_SK_CPU, &pe);
	t1 = now();
	if (!err)
		err = svg_write(p, &o, argv[2], &pe);
	t2 = now();
	if (err) {
		fprintf(stderr, "flamegraph-bench: %s\n", pe.msg);
		profile_free(p);
		return 1;
	}
	printf("stacks %zu, frames %zu, total %llu\n", profile_nstacks(p), profile_nframes(p),
	       (unsigned long long)profile_total(p));
	printf("read %.3f s, layout+svg %.3f s, total %.3f s\n", t1 - t0, t2 - t1, t2 - t0);
	profile_free(p);
	return 0;
}
