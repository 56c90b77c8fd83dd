/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gilprof monitor's dump rules (--trigger): a bound on a figure of one process over the last
 * interval. Shares are of its threads' active time in the interval: running, runnable, or
 * acquiring a lock (sleeps, I/O and thread joins are left out, so that a thread that waits for
 * the others, or for work, does not dilute them); parallelism is its running time over the
 * interval's length.
 *
 *   gil_wait>0.5      two CPU-bound threads taking turns on a GIL: half of their time
 *   lock_wait>=30%    a share may be written as a percentage
 *   runqueue>0.2  running<0.1  parallelism<1.5
 */
#ifndef GP_TRIGGER_H
#define GP_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include "analyze/window.h"

enum gp_trig_fig {
	GP_TF_GIL_WAIT,
	GP_TF_LOCK_WAIT,
	GP_TF_RUNQUEUE,
	GP_TF_RUNNING,
	GP_TF_PARALLELISM,
};

enum gp_trig_op { GP_TO_GT, GP_TO_GE, GP_TO_LT, GP_TO_LE };

struct gp_trigger {
	enum gp_trig_fig fig;
	enum gp_trig_op op;
	double bound;
	char text[64]; /* the rule as given, for messages */
};

/* 0, or -EINVAL with one line in err saying what is wrong with s. */
int trigger_parse(const char *s, struct gp_trigger *t, char *err, size_t errlen);
/* The figure the rule is about, for process p of window w. */
double trigger_value(const struct gp_trigger *t, const struct gp_window *w,
		     const struct gp_wproc *p);
bool trigger_fires(const struct gp_trigger *t, const struct gp_window *w, const struct gp_wproc *p);

#endif
