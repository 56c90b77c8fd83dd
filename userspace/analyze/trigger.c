// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/trigger.h"

static const char *const fig_names[] = {
	[GP_TF_GIL_WAIT] = "gil_wait",	     [GP_TF_LOCK_WAIT] = "lock_wait",
	[GP_TF_RUNQUEUE] = "runqueue",	     [GP_TF_RUNNING] = "running",
	[GP_TF_PARALLELISM] = "parallelism",
};

#define FIGS (sizeof(fig_names) / sizeof(fig_names[0]))

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int parse_fig(const char **p, struct gp_trigger *t, char *err, size_t errlen)
{
	const char *s = *p;
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");

	for (size_t i = 0; i < FIGS; i++) {
		if (n == strlen(fig_names[i]) && !strncmp(s, fig_names[i], n)) {
			t->fig = i;
			*p = s + n;
			return 0;
		}
	}
	snprintf(err, errlen,
		 "unknown figure '%.*s' (one of gil_wait, lock_wait, runqueue, running, "
		 "parallelism)",
		 (int)(n ? n : strcspn(s, "<>=")), s);
	return -EINVAL;
}

static int parse_op(const char **p, struct gp_trigger *t, char *err, size_t errlen)
{
	const char *s = *p;

	if (s[0] != '<' && s[0] != '>') {
		snprintf(err, errlen, "a comparison (>, >=, <, <=) must follow the figure");
		return -EINVAL;
	}
	t->op = s[0] == '>' ? (s[1] == '=' ? GP_TO_GE : GP_TO_GT)
			    : (s[1] == '=' ? GP_TO_LE : GP_TO_LT);
	*p = s + 1 + (s[1] == '=');
	return 0;
}

static int parse_bound(const char *s, struct gp_trigger *t, char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v)) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -EINVAL;
	}
	end = (char *)skip_space(end);
	if (*end == '%' && t->fig != GP_TF_PARALLELISM) {
		v /= 100;
		end = (char *)skip_space(end + 1);
	}
	if (*end) {
		snprintf(err, errlen, "unexpected '%s' after the bound", end);
		return -EINVAL;
	}
	if (v < 0 || (t->fig != GP_TF_PARALLELISM && v > 1)) {
		snprintf(err, errlen, "%s is a share of time: from 0 to 1 (or 0%% to 100%%)",
			 fig_names[t->fig]);
		return -EINVAL;
	}
	t->bound = v;
	return 0;
}

int trigger_parse(const char *s, struct gp_trigger *t, char *err, size_t errlen)
{
	const char *p = skip_space(s);

	memset(t, 0, sizeof(*t));
	snprintf(t->text, sizeof(t->text), "%s", s);
	if (!*p) {
		snprintf(err, errlen, "an empty rule (e.g. gil_wait>0.5)");
		return -EINVAL;
	}
	if (parse_fig(&p, t, err, errlen))
		return -EINVAL;
	p = skip_space(p);
	if (parse_op(&p, t, err, errlen))
		return -EINVAL;
	return parse_bound(skip_space(p), t, err, errlen);
}

static uint64_t lock_wait(const struct gp_wproc *p)
{
	uint64_t ns = 0;

	for (size_t i = 0; i < p->nlocks; i++)
		ns += p->locks[i].wait_ns;
	return ns;
}

/* The time the threads wanted a CPU or a lock: running, runnable, or acquiring a lock; sleeps,
 * I/O and thread joins are the program's own business and not counted. */
static double active(const struct gp_wproc *p)
{
	return (double)p->running_ns + p->runq_ns + lock_wait(p);
}

double trigger_value(const struct gp_trigger *t, const struct gp_window *w,
		     const struct gp_wproc *p)
{
	double act = active(p) > 0 ? active(p) : 1;

	switch (t->fig) {
	case GP_TF_GIL_WAIT:
		return p->gil_wait_ns / act;
	case GP_TF_LOCK_WAIT:
		return lock_wait(p) / act;
	case GP_TF_RUNQUEUE:
		return p->runq_ns / act;
	case GP_TF_RUNNING:
		return p->running_ns / act;
	default:
		return window_parallelism(w, p);
	}
}

bool trigger_fires(const struct gp_trigger *t, const struct gp_window *w, const struct gp_wproc *p)
{
	double v = trigger_value(t, w, p);

	if (active(p) <= 0)
		return false;
	switch (t->op) {
	case GP_TO_GT:
		return v > t->bound;
	case GP_TO_GE:
		return v >= t->bound;
	case GP_TO_LT:
		return v < t->bound;
	default:
		return v <= t->bound;
	}
}
