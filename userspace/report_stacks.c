// SPDX-License-Identifier: GPL-2.0
/* Stacks as a reader sees them: symbolized frames, and where a program called into a lock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "report.h"

size_t report_stack_names(const struct gp_report *r, uint32_t id, bool kernel, char (*names)[128],
			  size_t max)
{
	const struct gp_stack_rec *st = r->stacks ? stacks_get(r->stacks, id) : NULL;
	size_t n = 0;
	uint32_t i;

	if (!st)
		return 0;
	for (i = 0; i < st->nuser && n < max; i++, n++) {
		/* return addresses point after the call: name the call itself */
		uint64_t pc = i ? st->user[i] - 1 : st->user[i];

		r->name_code(r->namer_ctx, st->tgid, pc, names[n], sizeof(names[n]), NULL, 0);
	}
	for (i = 0; kernel && i < st->nkernel && n < max; i++, n++) {
		char k[120];

		r->name_kernel(r->namer_ctx, i ? st->kernel[i] - 1 : st->kernel[i], k, sizeof(k));
		snprintf(names[n], sizeof(names[n]), "%s_[k]", k);
	}
	return n;
}

static bool object_is_runtime(const char *obj)
{
	return !strncmp(obj, "libc.so", 7) || !strncmp(obj, "ld-linux", 8) ||
	       !strncmp(obj, "libpthread", 10);
}

int report_call_site(const struct gp_report *r, uint32_t id, char *buf, size_t len)
{
	const struct gp_stack_rec *st = r->stacks ? stacks_get(r->stacks, id) : NULL;
	char obj[64];
	uint32_t i;

	for (i = 0; st && i < st->nuser; i++) {
		uint64_t pc = i ? st->user[i] - 1 : st->user[i];

		if (r->name_code(r->namer_ctx, st->tgid, pc, buf, len, obj, sizeof(obj)) >= 0 &&
		    !object_is_runtime(obj))
			return 0;
	}
	return -ENOENT;
}
