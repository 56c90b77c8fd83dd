// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stream/trace.h"

int trace_set_argv(struct gp_trace *t, char *const argv[])
{
	size_t n = 0, i;

	while (argv[n])
		n++;
	t->argv = calloc(n + 1, sizeof(*t->argv));
	for (i = 0; t->argv && i < n; i++) {
		t->argv[i] = strdup(argv[i]);
		if (!t->argv[i])
			return -ENOMEM; /* trace_free() releases the rest */
	}
	return t->argv ? 0 : -ENOMEM;
}

void trace_free(struct gp_trace *t)
{
	size_t i;

	model_free(t->model);
	stacks_free(t->stacks);
	nametab_free(t->names);
	for (i = 0; t->argv && t->argv[i]; i++)
		free(t->argv[i]);
	free(t->argv);
	memset(t, 0, sizeof(*t));
}
