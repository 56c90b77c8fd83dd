/* SPDX-License-Identifier: GPL-2.0 */
/* The tour's figures as JSON, schema gilprof-tour/1 (README.md, "JSON tour"). */
#ifndef GP_TOUR_JSON_H
#define GP_TOUR_JSON_H

#include <stdio.h>
#include "analyze/tour.h"

#define GP_TOUR_JSON_SCHEMA "gilprof-tour/1"

/* 0, or -1 when the stream failed. */
int tour_json(FILE *f, const struct gp_tour *t);

#endif
