/* SPDX-License-Identifier: GPL-2.0 */
/*
 * speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json): one
 * "sampled" profile per thread, named "comm (tid)" (by its root frame, the comm, for stacks that
 * carry no tid), its samples the stacks under the comm with their weights:
 *
 *   {"$schema": "https://www.speedscope.app/file-format-schema.json",
 *    "name": "gilprof wall view of build/tests/e2e/two_locks", "exporter": "gilprof",
 *    "shared": {"frames": [{"name": "two_locks"}, {"name": "worker"}, ...]},
 *    "profiles": [{"type": "sampled", "name": "two_locks (4243)", "unit": "nanoseconds",
 *                  "startValue": 0, "endValue": 52000000, "samples": [[3, 1, 7], ...],
 *                  "weights": [41000000, ...]}, ...]}
 */
#ifndef GP_EXPORT_SPEEDSCOPE_H
#define GP_EXPORT_SPEEDSCOPE_H

#include <stdio.h>
#include "analyze/profile.h"

int speedscope_write(const struct gp_profile *p, const char *name, FILE *f, struct prof_err *pe);

#endif
