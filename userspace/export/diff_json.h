/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gilprof diff as JSON (schema gilprof-diff/1; README.md lists its keys): every figure of the
 * text, in nanoseconds and percent, and the verdict's sentences.
 *
 *   {"schema": "gilprof-diff/1", "thresholds": {...}, "base": {<run>}, "new": {<run>},
 *    "wall": {"base_ns", "new_ns", "delta_ns", "pct", "change", "speedup"}, "cpu": {...},
 *    "parallelism": {...}, "shares": [{"state", "base_pct", "new_pct", "delta_points",
 *    "change"}], "locks": [{"name", "base": {...} | null, "new": ..., "delta_ns", "pct",
 *    "change"}], "locks_total", "threads": [...], "threads_total", "verdict": ["...", ...]}
 */
#ifndef GP_DIFF_JSON_H
#define GP_DIFF_JSON_H

#include <stdio.h>
#include "analyze/diff.h"

#define GP_DIFF_JSON_SCHEMA "gilprof-diff/1"

/* 0, or -1 when the stream failed. */
int diff_json(FILE *f, const struct gp_diff *d);

#endif
