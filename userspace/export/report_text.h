/* SPDX-License-Identifier: GPL-2.0 */
/* The text report: what a user reads at the end of a run (README.md shows one). */
#ifndef GP_REPORT_TEXT_H
#define GP_REPORT_TEXT_H

#include <stdio.h>
#include "analyze/report.h"

int report_text(FILE *f, const struct gp_report *r);
/* Its verdict section alone ("\nverdict\n  wall ..."), for the outputs that quote it. */
int report_text_verdict(FILE *f, const struct gp_report *r);

#endif
