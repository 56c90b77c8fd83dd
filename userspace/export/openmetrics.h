/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live counters (analyze/metrics.h) as OpenMetrics text, what gilprof monitor serves on
 * /metrics (content type OPENMETRICS_CONTENT_TYPE). Label values come from the traced programs
 * (comm, lock names) and are escaped: \ " and newline as the format says, other control
 * characters and invalid UTF-8 as U+FFFD, so no value can end its label or its line.
 *
 *   # TYPE gilprof_lock_wait_seconds counter
 *   # UNIT gilprof_lock_wait_seconds seconds
 *   # HELP gilprof_lock_wait_seconds Time the process's threads waited to acquire a lock ...
 *   gilprof_lock_wait_seconds_total{pid="4242",comm="python3",lock="CPython GIL"} 10.130000000
 *   gilprof_lock_wait_seconds_total{pid="4242",comm="python3",lock="other"} 0.001200000
 *   ...
 *   # EOF
 */
#ifndef GP_OPENMETRICS_H
#define GP_OPENMETRICS_H

#include <stdio.h>
#include "analyze/metrics.h"

#define OPENMETRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Every family of mt, then "# EOF". 0, or -EIO when f failed. */
int openmetrics_write(FILE *f, const struct gp_metrics *mt);
/* s as the inside of a quoted label value. */
void openmetrics_label(FILE *f, const char *s);

#endif
