/* SPDX-License-Identifier: GPL-2.0 */
/* Every output of a report, by the option that names it, opened together and written together. */
#ifndef GP_OUTPUTS_H
#define GP_OUTPUTS_H

#include "analyze/report.h"
#include "util/output.h"

enum gp_out_id {
	GP_OUT_TEXT, /* -o, else stdout */
	GP_OUT_JSON,
	GP_OUT_FOLDED,
	GP_OUT_FLAMEGRAPH,
	GP_OUT_PPROF,
	GP_OUT_SPEEDSCOPE,
	GP_OUT_HTML, /* the page: verdict, timeline, flame graph views, tables */
	GP_OUT_TRACE, /* the timeline as Chrome trace events */
	GP_OUT_RECORD, /* the recording (written by the session, not here) */
	GP_OUT_COUNT
};

/* One output asked for: its path ("-" is stdout), NULL when not, and the option for messages. */
struct gp_out_req {
	const char *path, *opt;
};

struct gp_outputs {
	struct gp_output o[GP_OUT_COUNT]; /* .open for those asked for */
};

/* Open every output asked for, as the user, before tracing: -1 after printing one line. */
int outputs_open(const struct gp_out_req req[GP_OUT_COUNT], struct gp_outputs *outs);
/* Nothing of the outputs is left under any name (but a published recording). */
void outputs_discard(struct gp_outputs *outs);
/* Write every report output asked for (and release them); 0, 1 when one failed, 2 when --lock
 * matches nothing. */
int outputs_write(const struct gp_report_opts *o, struct gp_report *r, struct gp_outputs *outs);

#endif
