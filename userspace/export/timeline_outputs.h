/* SPDX-License-Identifier: GPL-2.0 */
/* The outputs drawn from the timeline: --html and --trace, written through the output module. */
#ifndef GP_TIMELINE_OUTPUTS_H
#define GP_TIMELINE_OUTPUTS_H

#include "analyze/report.h"
#include "util/output.h"

/* Write those of html and trace that are open (and release them); 0, or 1 when one failed. */
int timeline_outputs_write(const struct gp_report_opts *o, const struct gp_report *r,
			   struct gp_output *html, struct gp_output *trace);

#endif
