/* SPDX-License-Identifier: GPL-2.0 */
/* speedscope's JSON file format: one "sampled" profile per thread (the root frame). */
#ifndef GP_EXPORT_SPEEDSCOPE_H
#define GP_EXPORT_SPEEDSCOPE_H

#include <stdio.h>
#include "analyze/profile.h"

int speedscope_write(const struct gp_profile *p, const char *name, FILE *f, struct prof_err *pe);

#endif
