/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON report (schema gilprof-report/1): the text report's figures, for programs. */
#ifndef GP_REPORT_JSON_H
#define GP_REPORT_JSON_H

#include <stdio.h>
#include "analyze/report.h"

int report_json(FILE *f, const struct gp_report *r);

#endif
