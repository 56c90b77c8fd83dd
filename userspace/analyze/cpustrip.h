/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who ran where: one row per CPU over a stretch of the trace, cut into a fixed number of cells,
 * each the letter of the traced thread that ran longest in it on that CPU, '.' when none ran.
 * Letters go to the threads that ran, in the model's order: A-Z, then a-z, then '#' for all
 * the others. Pure: read from the threads' timelines.
 *
 *   cpu0  AAAAAABBBBAAAABBBBBAAAABBBB    A worker-0  B worker-1 (pinned: they take turns)
 *   cpu1  ...........................
 *
 *   cpu0  AAAAAAAAAAAAAAAAAAAAAAAAAAA    (spread: one each)
 *   cpu1  BBBBBBBBBBBBBBBBBBBBBBBBBBB
 */
#ifndef GP_CPUSTRIP_H
#define GP_CPUSTRIP_H

#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

#define GP_STRIP_LETTERS 52 /* A-Z and a-z; threads beyond them are '#' */

struct gp_cpustrip {
	unsigned ncpus, width;
	char *rows; /* ncpus strings of width letters: row c at rows + c * (width + 1) */
	uint32_t tids[GP_STRIP_LETTERS]; /* the thread of each letter */
	size_t nletters;
};

/* The strip of m over [start, end), width cells a row. 0, -EINVAL (no width or time), -ENOMEM. */
int cpustrip_build(const struct gp_model *m, uint64_t start, uint64_t end, unsigned width,
		   struct gp_cpustrip *s);
static inline const char *cpustrip_row(const struct gp_cpustrip *s, unsigned cpu)
{
	return s->rows + (size_t)cpu * (s->width + 1);
}
/* The letter of the i-th thread that ran. */
char cpustrip_letter(size_t i);
void cpustrip_free(struct gp_cpustrip *s);

#endif
