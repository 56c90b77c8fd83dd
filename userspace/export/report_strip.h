/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text report's per-CPU strip: the trace cut into columns, each the letter of the traced
 * thread that ran most of it on that CPU, so that a terminal shows threads taking turns (one
 * lane, letters alternating) against threads running in parallel (every lane busy):
 *
 *   threads on each CPU over the trace (60 columns of 35.01 ms: the thread that ran longest in
 *   each, . where traced threads ran under half of it; busy: how many ran at once, on average)
 *     cpu0  aabababababababababababababababababababababababababababababa
 *     cpu1  ............................................................
 *     busy  111111111111111111111111111111111111111111111111111111111111
 *     a 4243 worker-0   b 4244 worker-1
 */
#ifndef GP_REPORT_STRIP_H
#define GP_REPORT_STRIP_H

#include <stdio.h>
#include "analyze/tlview.h"

#define GP_STRIP_WIDTH 60

/* The strip of v, width columns wide; 0, or -ENOMEM with nothing written. */
int report_strip(FILE *f, const struct gp_tlview *v, unsigned width);

#endif
