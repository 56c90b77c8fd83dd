/* SPDX-License-Identifier: GPL-2.0 */
/* gilprof diff as text: analyze/diff.h shows what it looks like. */
#ifndef GP_DIFF_TEXT_H
#define GP_DIFF_TEXT_H

#include <stdio.h>
#include "analyze/diff.h"

/* 0, or -1 when the stream failed. */
int diff_text(FILE *f, const struct gp_diff *d);

#endif
