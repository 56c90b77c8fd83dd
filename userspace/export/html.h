/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report as one self-contained HTML page (its script and style inline, nothing fetched):
 * the verdict, the per-core timeline on a canvas, the flame graph with a button per view, and
 * the thread and lock tables of the text report.
 *
 *   gilprof: build/workloads/countdown --threads 2
 *   [Verdict] wall 2.140 s, CPU 2.119 s: parallelism 0.99 of 2 CPUs ...
 *   [Per-core timeline]   |0 ms      |500 ms    |1.000 s ...       wheel: zoom, drag: pan
 *     cpu0               ##worker-0## ##worker-1## ...             (a colour per thread)
 *     cpu1
 *     4243 worker-0      ##run## ==gil== ##run## ...                (a colour per state, and
 *     4244 worker-1      ==gil== ##run## ==gil== ...                 per lock for lock waits)
 *     legend: running, run queue (woken), ..., gil, [anon] 0x7f.. @ main+0x5c
 *   [Flame graph]  (on) (off) (wall) (lock) (wake)    the views the trace has stacks for
 *   [Threads] [Locks]  tables
 *
 * The timeline is embedded compactly, so that a run of a million events stays a page a browser
 * opens in about a second: per thread, its segments as LEB128 varints (start as the difference
 * from the previous one, in ns; a style: a CPU, a state or a futex word; for a block, what ended
 * it), base64-encoded; names once each in a string table. The script draws only what is in view
 * and merges segments narrower than a pixel into one pixel of the state that covers most of it.
 */
#ifndef GP_HTML_H
#define GP_HTML_H

#include <stdio.h>
#include "analyze/profile.h"
#include "analyze/report.h"
#include "analyze/tlview.h"
#include "analyze/views.h"

struct gp_html_in {
	const struct gp_report *r;
	const struct gp_tlview *v;
	const char *verdict; /* the text report's verdict section */
	const struct gp_profile *views[GP_VIEW_COUNT]; /* NULL: the trace has no stacks for it */
	enum gp_view view; /* shown first (--view), when it is there */
};

int html_write(FILE *f, const struct gp_html_in *in);

#endif
