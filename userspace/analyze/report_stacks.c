// SPDX-License-Identifier: GPL-2.0
/* Stacks as a reader sees them: symbolized frames, and where a program called into a lock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "analyze/report.h"

/* gilprof's own probes: the BPF program and the kernel code that ran it, innermost. */
static bool frame_is_probe(const char *name)
{
	static const char *const prefixes[] = {"bpf_",		 "__bpf_",
					       "trace_call_bpf", "perf_trace_",
					       "perf_syscall_",	 "syscall_trace_enter",
					       "0xffffffff",	 "[kernel] 0x"};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

/* Kernel frames are read from the innermost; the probe's own frames come first. */
static uint32_t kernel_first_frame(const struct gp_report *r, const struct gp_stack_rec *st)
{
	char k[128];
	uint32_t i, first = 0;

	for (i = 0; i < st->nkernel && i < 8; i++) {
		r->name_kernel(r->namer_ctx, st->kernel[i], k, sizeof(k));
		if (frame_is_probe(k))
			first = i + 1;
	}
	return first;
}

static void frame_add_line(const struct gp_report *r, uint32_t tgid, uint64_t pc, char *name,
			   size_t len)
{
	char line[96];
	size_t used = strlen(name);

	if (r->name_line && !r->name_line(r->namer_ctx, tgid, pc, line, sizeof(line)) && used < len)
		snprintf(name + used, len - used, " (%s)", line);
}

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
		frame_add_line(r, st->tgid, pc, names[n], sizeof(names[n]));
	}
	for (i = kernel ? kernel_first_frame(r, st) : 0; kernel && i < st->nkernel && n < max;
	     i++, n++) {
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
