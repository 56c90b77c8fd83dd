// SPDX-License-Identifier: GPL-2.0
/*
 * A standalone interactive SVG flame graph rendered from a profile: click a frame to zoom into
 * it, "Reset Zoom" to go back, "Search" or Ctrl-F for a regular expression whose matches are
 * highlighted with the share of the total they cover (Escape clears it; "?s=REGEX" in the URL
 * searches on load), hover for the name, value, share of the total and, where stacks of several
 * sample kinds meet in a frame, the split between them.
 *
 * Colours: frames are coloured by frame kind (kernel orange, lock purple, waker green, comm
 * grey) and user frames by their sample kind (on-CPU warm, lock wait red, run-queue wait
 * yellow, sleep/IO blue, the waiter side of a wake view light blue), with a small deterministic
 * variation by name. A user frame that holds several kinds (an off view's stack: blocked, then
 * waiting for a CPU) is filled with a band per kind, largest first, as the hard stops of a
 * gradient over its own box, so that a zoom keeps the split:
 *
 *	<g><title>read_loop\n10.00 µs (10,000 ns), 100.00%\nrun-queue 20.0%, sleep/IO 80.0%</title>
 *	<linearGradient id="k3"><stop offset="0.0000" stop-color="rgb(..)"/>...</linearGradient>
 *	<rect ... fill="url(#k3)"/><text ...>read_loop</text></g>
 *
 * The legend lists the colours drawn and every sample kind the profile holds.
 *
 * Frames narrower than min_width pixels are not drawn (with their callees); the subtitle says how
 * many. The cost is proportional to the stacks and the frames drawn, never to the full merged
 * tree: stacks are partitioned level by level and a partition narrower than min_width is not
 * descended into. 1 M mostly distinct stacks (171 MB folded) render in about 1 s and 190 MB.
 */
#ifndef GP_FLAMEGRAPH_H
#define GP_FLAMEGRAPH_H

#include <stdio.h>

#include "analyze/profile.h"

struct gp_flamegraph_opts {
	const char *title; /* "Flame Graph" when NULL */
	const char *subtitle; /* optional; drawing statistics are appended */
	unsigned width; /* of the image in px, >= 200 */
	unsigned frame_height; /* px, 8..100 */
	unsigned font_size; /* px, 6..(frame_height - 2) */
	double min_width; /* px, >= 0; 0 draws every frame, whatever the size of the profile */
	/* For `gilprof flamegraph` only: how to read its input (see folded.h). */
	const char *unit; /* "samples" or "nanoseconds" */
	enum gp_sample_kind kind;
};

/* Defaults: 1200 px wide, 16 px frames, 12 px font, 0.1 px min width, samples, on-CPU. */
void flamegraph_opts_init(struct gp_flamegraph_opts *o);

/* opts may be NULL for the defaults. */
int flamegraph_write(const struct gp_profile *p, const struct gp_flamegraph_opts *opts, FILE *fp,
		     struct prof_err *pe);
struct gz_writer;

/* .svg.gz outputs: SVG text compresses about 10x at this level. */
#define FLAMEGRAPH_GZ_LEVEL 6

/* The SVG to w (plain or gzip: the writer's choice). */
int flamegraph_emit(const struct gp_profile *p, const struct gp_flamegraph_opts *opts,
		    struct gz_writer *w, struct prof_err *pe);

#endif /* GP_FLAMEGRAPH_H */
