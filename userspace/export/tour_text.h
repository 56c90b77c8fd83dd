/* SPDX-License-Identifier: GPL-2.0 */
/* The tour as text: per experiment a table of its modes and what happened, in words written
 * from the figures (analyze/tour.h). */
#ifndef GP_TOUR_TEXT_H
#define GP_TOUR_TEXT_H

#include <stdio.h>
#include "analyze/tour.h"

/* 0, or -1 when the stream failed. */
int tour_text(FILE *f, const struct gp_tour *t);

#endif
