// SPDX-License-Identifier: GPL-2.0
/* What every report shows alike: losses, lock rankings and names, symbolized stack frames. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "analyze/analysis.h"
#include "analyze/report.h"
#include "symbolize/unwind.h"

/*
 * gilprof's own probes: the BPF program and the kernel code that ran it, innermost. The
 * tracepoint's iterator (__traceiter_sched_switch) is unwound on some stacks taken at a switch
 * and not on others, so it goes too: the same blocking path then ends at the same frame.
 */
static bool frame_is_probe(const char *name)
{
	static const char *const prefixes[] = {"bpf_",		 "__bpf_",
					       "trace_call_bpf", "perf_trace_",
					       "perf_syscall_",	 "syscall_trace_enter",
					       "__traceiter_",	 "__probestub_",
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

/* A frame by its function without offset, where the name facts have it. */
static bool frame_by_function(const struct gp_report *r, uint32_t tgid, uint64_t pc, char *buf,
			      size_t len)
{
	struct gp_func_fact f;
	size_t n;

	if (!len || !r->name_func || r->name_func(r->namer_ctx, tgid, pc, &f) || !f.name[0])
		return false;
	n = strnlen(f.name, len - 1);
	memcpy(buf, f.name, n);
	buf[n] = 0;
	return true;
}

size_t report_stack_frames(const struct gp_report *r, uint32_t id, bool kernel, bool by_function,
			   struct gp_report_frame *out, size_t max)
{
	const struct gp_stack_rec *st = r->stacks ? stacks_get(r->stacks, id) : NULL;
	size_t n = 0;
	uint32_t i;

	if (!st)
		return 0;
	for (i = 0; i < st->nuser && n < max; i++, n++) {
		/* return addresses point after the call: name the call itself */
		uint64_t pc = stack_frame_pc(st, i);

		out[n].pc = pc;
		out[n].kernel = false;
		/* a Python frame's name is its function's, with its file and line */
		if (stack_is_pyframe(pc) || !by_function ||
		    !frame_by_function(r, st->tgid, pc, out[n].name, sizeof(out[n].name)))
			r->name_code(r->namer_ctx, st->tgid, pc, out[n].name, sizeof(out[n].name),
				     NULL, 0);
		if (!stack_is_pyframe(pc))
			frame_add_line(r, st->tgid, pc, out[n].name, sizeof(out[n].name));
	}
	for (i = kernel ? kernel_first_frame(r, st) : 0; kernel && i < st->nkernel && n < max;
	     i++, n++) {
		/* room for "_[k]" after it in report_stack_names() */
		size_t len = sizeof(out[n].name) - 8;

		out[n].pc = i ? st->kernel[i] - 1 : st->kernel[i];
		out[n].kernel = true;
		if (!by_function || !frame_by_function(r, 0, out[n].pc, out[n].name, len))
			r->name_kernel(r->namer_ctx, out[n].pc, out[n].name, len);
	}
	return n;
}

size_t report_stack_names(const struct gp_report *r, uint32_t id, bool kernel, char (*names)[128],
			  size_t max)
{
	struct gp_report_frame f[GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX];
	size_t n = report_stack_frames(r, id, kernel, false, f,
				       max < sizeof(f) / sizeof(f[0]) ? max
								      : sizeof(f) / sizeof(f[0])),
	       i;

	for (i = 0; i < n; i++)
		snprintf(names[i], sizeof(names[i]), "%s%s", f[i].name, f[i].kernel ? "_[k]" : "");
	return n;
}

long report_stack_first_python(const struct gp_report *r, uint32_t id)
{
	const struct gp_stack_rec *st = r->stacks ? stacks_get(r->stacks, id) : NULL;
	uint32_t i;

	for (i = 0; st && i < st->nuser; i++)
		if (stack_is_pyframe(st->user[i]))
			return i;
	return -1;
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
		uint64_t pc = stack_frame_pc(st, i);

		if (r->name_code(r->namer_ctx, st->tgid, pc, buf, len, obj, sizeof(obj)) >= 0 &&
		    !object_is_runtime(obj))
			return 0;
	}
	return -ENOENT;
}

int report_release_site(const struct gp_report *r, const struct gp_lock *l, char *buf, size_t len)
{
	struct gp_lock_stack **v;
	char names[16][128], obj[64], frame[128];
	const struct gp_stack_rec *st;
	size_t n, i, nf, used = 0, shown = 0;

	if (len)
		buf[0] = 0;
	v = lock_stacks_sorted(&l->release_stacks, &n);
	st = n && r->stacks ? stacks_get(r->stacks, v[0]->stack) : NULL;
	nf = st ? report_stack_names(r, v[0]->stack, false, names, 16) : 0;
	for (i = 0; i < nf && i < st->nuser && shown < 2; i++) {
		uint64_t pc = stack_frame_pc(st, i);

		/* from the first frame outside the C library: the program's own release */
		if (!shown &&
		    r->name_code(r->namer_ctx, st->tgid, pc, frame, sizeof(frame), obj,
				 sizeof(obj)) >= 0 &&
		    object_is_runtime(obj))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
				 shown++ ? " <- " : "", names[i]);
	}
	free(v);
	return shown ? 0 : -ENOENT;
}

const char *report_pythread(const struct gp_report *r, const struct gp_thread *t)
{
	const char *name = r->facts && t ? nametab_thread(r->facts, t->tgid, t->tid) : NULL;

	return name && strcmp(name, t->comm) ? name : NULL;
}

void report_thread_label(const struct gp_report *r, const struct gp_thread *t, char *buf,
			 size_t len)
{
	const char *py = report_pythread(r, t);

	if (!t)
		snprintf(buf, len, "?");
	else if (py)
		snprintf(buf, len, "%s [%s]", t->comm, py);
	else
		snprintf(buf, len, "%s", t->comm);
}

const char *report_python_note(const struct gp_report *r, uint32_t tgid)
{
	const struct gp_name *e = r->facts ? nametab_get(r->facts, GP_NK_PYTHON, tgid, 0) : NULL;

	return e ? e->name : NULL;
}

char *fmt_ns(char *buf, size_t len, uint64_t ns)
{
	static const struct {
		double div;
		const char *unit;
	} units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double v = ns / units[i].div;

		if (v >= 1) {
			snprintf(buf, len, "%.*f %s",
				 v >= 100  ? 1
				 : v >= 10 ? 2
					   : 3,
				 v, units[i].unit);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64 " ns", ns);
	return buf;
}

size_t report_losses(const struct gp_report *r, struct gp_loss *out, size_t max)
{
	const struct gp_trace_stats *st = r->stats;
	const struct gp_model *m = r->model;
	struct gp_loss all[] = {
		{"ringbuf_full", "buffers full", st ? st->drops[GP_DROP_RINGBUF_FULL] : 0},
		{"traced_map_full", "new tasks not marked traced",
		 st ? st->drops[GP_DROP_TGID_MAP_FULL] : 0},
		{"invalid_records", "malformed records", st ? st->invalid : 0},
		{"user_stack_failed", "user stacks not taken",
		 st ? st->drops[GP_DROP_STACK_USER] : 0},
		{"kernel_stack_failed", "kernel stacks not taken",
		 st ? st->drops[GP_DROP_STACK_KERNEL] : 0},
		{"stack_not_kept", "stacks not kept", st ? st->stacks_dropped : 0},
		{"probe_runs_missed", "probe runs the kernel skipped",
		 st ? st->drops[GP_DROP_PROG_MISSED] : 0},
		/* unwinds that stopped short of the outermost frame, by why */
		{"unwind_no_cfi", "unwinds stopped without CFI",
		 r->unwind_stops ? r->unwind_stops[GP_UNWIND_NO_CFI] : 0},
		{"unwind_no_map", "unwinds without a mapping",
		 r->unwind_stops ? r->unwind_stops[GP_UNWIND_NO_MAP] : 0},
		{"unwind_bad_cfa", "unwinds stopped at bad CFI",
		 r->unwind_stops ? r->unwind_stops[GP_UNWIND_BAD_CFA] : 0},
		{"switch_out_without_switch_in", anomaly_name(GP_AN_NO_SWITCH_IN),
		 m->anomalies[GP_AN_NO_SWITCH_IN]},
		{"switch_in_without_wakeup", anomaly_name(GP_AN_NO_WAKEUP),
		 m->anomalies[GP_AN_NO_WAKEUP]},
		{"futex_return_without_entry", anomaly_name(GP_AN_FUTEX_NO_ENTER),
		 m->anomalies[GP_AN_FUTEX_NO_ENTER]},
		{"out_of_order", anomaly_name(GP_AN_BACKWARDS), m->anomalies[GP_AN_BACKWARDS]},
		{"model_out_of_memory", "model out of memory", m->oom},
		{"python_frames_unread", "python frames not read",
		 r->py_lost ? r->py_lost[GP_PYL_UNREAD] : 0},
		{"python_stacks_cut", "python stacks cut at 64 frames",
		 r->py_lost ? r->py_lost[GP_PYL_CUT] : 0},
	};
	size_t n = sizeof(all) / sizeof(all[0]), i;

	_Static_assert(GP_PY_FRAMES_MAX == 64, "the label says 64");
	for (i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return i < n ? i : n;
}

void report_lock_name(const struct gp_report *r, const struct gp_lock *l, char *name, size_t len)
{
	char site[128];
	int named = r->name_lock ? r->name_lock(r->namer_ctx, l->tgid, l->uaddr, name, len) : -1;

	if (named < 0)
		snprintf(name, len, "0x%" PRIx64, l->uaddr);
	if (named != 0 && l->first_stack &&
	    !report_call_site(r, l->first_stack - 1, site, sizeof(site)))
		snprintf(name + strlen(name), len - strlen(name), " @ %s", site);
}

struct gp_lock **report_locks(const struct gp_report *r, size_t *n)
{
	struct gp_lock **locks = analysis_locks_by_wait(r->model, n);
	char name[160];
	size_t i, kept = 0;

	for (i = 0; r->lock_filter && i < *n; i++) {
		report_lock_name(r, locks[i], name, sizeof(name));
		if (lock_filter_match(r->lock_filter, locks[i]->uaddr, name))
			locks[kept++] = locks[i];
	}
	if (r->lock_filter)
		*n = kept;
	return locks;
}

int report_init(struct gp_report *r, const struct gp_trace *t, const struct gp_report_opts *o)
{
	*r = (struct gp_report){
		.model = t->model,
		.stats = &t->stats,
		.start_ts = t->start_ts,
		.end_ts = t->end_ts,
		.argv = t->argv,
		.exit_status = t->exit_status,
		.attached = t->attached,
		.name_lock = nametab_lock,
		.name_code = nametab_code,
		.name_kernel = nametab_kernel,
		.name_line = o->lines ? nametab_line : NULL,
		.name_func = nametab_func,
		.name_map = nametab_mapping,
		.namer_ctx = t->names,
		.facts = t->names,
		.stacks = t->stacks,
		.unwind_stops = t->unwind_stops,
		.py_lost = t->py_lost,
		.top_locks = o->top_locks,
		.top_pairs = o->top_pairs,
		.sample_period_ns = 1000000000ULL / (t->freq ? t->freq : 99),
		.profile_stacks = t->freq != 0,
		.start_wall_ns = t->start_wall_ns,
		.addresses = o->addresses,
	};
	if (lock_objs_build(r->model, r->name_lock, r->namer_ctx, &r->objs) ||
	    gil_stats_build(r->model, &r->objs, r->name_lock, r->namer_ctx, &r->gil))
		return -ENOMEM;
	return verdict_build(r->model, r->stats, r->start_ts, r->end_ts, &r->objs, &r->verdict);
}

void report_free(struct gp_report *r)
{
	gil_stats_free(&r->gil);
	lock_objs_free(&r->objs);
}
