// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include "export/escape.h"
#include "util/gzfile.h"
#include "export/trace_event.h"
#include "model/lockstat.h"

struct te_writer {
	struct gz_writer *f;
	const struct gp_report *r;
	const struct gp_tlview *v;
	uint64_t flows; /* flow ids given so far */
};

/* ns from the trace's start as exact microseconds: "12.345" (sub-microsecond, no rounding). */
static void te_us(struct gz_writer *f, uint64_t ts, uint64_t start)
{
	uint64_t d = ts >= start ? ts - start : start - ts;

	gzwriter_printf(f, "%s%" PRIu64 ".%03u", ts >= start ? "" : "-", d / 1000,
			(unsigned)(d % 1000));
}

static void te_meta(struct te_writer *w, uint32_t pid, uint32_t tid, const char *what,
		    const char *key, const char *val, long num)
{
	gzwriter_printf(
		w->f,
		",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"ts\":0,\"name\":\"%s\",\"args\":{\"%s\":",
		pid, tid, what, key);
	if (val)
		esc_json_gz(w->f, val);
	else
		gzwriter_printf(w->f, "%ld", num);
	gzwriter_puts(w->f, "}}");
}

static void te_names(struct te_writer *w)
{
	const struct gp_model *m = w->r->model;
	char name[32];
	size_t i;
	unsigned c;

	gzwriter_printf(w->f,
			"{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"ts\":0,\"name\":\"process_name\","
			"\"args\":{\"name\":\"CPUs\"}}",
			GP_TE_CPU_PID, GP_TE_CPU_PID);
	te_meta(w, GP_TE_CPU_PID, GP_TE_CPU_PID, "process_sort_index", "sort_index", NULL, -1);
	for (c = 0; c < w->v->ncpus; c++) {
		snprintf(name, sizeof(name), "cpu%u", c);
		te_meta(w, GP_TE_CPU_PID, GP_TE_CPU_TID(c), "thread_name", "name", name, 0);
		te_meta(w, GP_TE_CPU_PID, GP_TE_CPU_TID(c), "thread_sort_index", "sort_index", NULL,
			c);
	}
	for (i = 0; i < m->nprocs; i++) {
		te_meta(w, m->procs[i]->tgid, m->procs[i]->tgid, "process_name", "name",
			m->procs[i]->comm, 0);
		te_meta(w, m->procs[i]->tgid, m->procs[i]->tgid, "process_sort_index", "sort_index",
			NULL, (long)i);
	}
	for (i = 0; i < w->v->nlanes; i++) {
		const struct gp_thread *t = w->v->lanes[i];

		te_meta(w, t->tgid, t->tid, "thread_name", "name", t->comm, 0);
		te_meta(w, t->tgid, t->tid, "thread_sort_index", "sort_index", NULL, (long)i);
	}
}

/* Who ended a block, as the text report says it: "4243 worker-0", "timeout", "timer". */
static void te_waker(struct te_writer *w, uint32_t waker, char *buf, size_t len)
{
	const char *label = waker_label(waker);
	const struct gp_thread *t;

	if (label) {
		snprintf(buf, len, "%s", label);
		return;
	}
	t = model_thread(w->r->model, waker);
	snprintf(buf, len, "%u %s", waker, t ? t->comm : waker ? "(untraced)" : "[interrupt]");
}

static void te_slice_begin(struct te_writer *w, uint32_t pid, uint32_t tid, uint64_t start,
			   uint64_t end)
{
	gzwriter_printf(w->f, ",\n{\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":", pid, tid);
	te_us(w->f, start, w->v->start);
	gzwriter_puts(w->f, ",\"dur\":");
	te_us(w->f, end, start);
}

/* The args of a state slice: its CPU, its futex word and who ended the block. */
static void te_seg_args(struct te_writer *w, const struct gp_tl_seg *s)
{
	const char *sep = ",\"args\":{";
	char who[64];

	if (s->state == GP_TL_RUN) {
		gzwriter_printf(w->f, "%s\"cpu\":%u", sep, s->cpu);
		sep = ",";
	}
	if (s->state == GP_TL_LOCK) {
		gzwriter_printf(w->f, "%s\"word\":\"0x%" PRIx64 "\"", sep, s->uaddr);
		sep = ",";
		if (s->word >= 0) {
			gzwriter_puts(w->f, ",\"word_name\":");
			esc_json_gz(w->f, w->v->words[s->word].name);
		}
	}
	if (tlview_state_blocked(s->state) && s->waker) {
		te_waker(w, s->waker, who, sizeof(who));
		gzwriter_printf(w->f, "%s\"ended_by\":", sep);
		esc_json_gz(w->f, who);
		sep = ",";
	}
	gzwriter_puts(w->f, sep[1] ? "}" : "}}"); /* sep[1]: no args were written */
}

static void te_seg(struct te_writer *w, const struct gp_thread *t, const struct gp_tl_seg *s)
{
	char name[48];

	te_slice_begin(w, t->tgid, t->tid, s->start, s->end);
	gzwriter_puts(w->f, ",\"name\":");
	if (s->state == GP_TL_LOCK && s->lock >= 0) {
		esc_json_gz(w->f, w->v->locks[s->lock].name);
		gzwriter_puts(w->f, ",\"cat\":\"lock\"");
	} else {
		if (s->state == GP_TL_LOCK)
			snprintf(name, sizeof(name), "futex 0x%" PRIx64, s->uaddr);
		else
			snprintf(name, sizeof(name), "%s", tlview_state_name(s->state));
		gzwriter_printf(w->f, "\"%s\",\"cat\":\"%s\"", name,
				s->state == GP_TL_LOCK ? "lock" : "state");
	}
	te_seg_args(w, s);
}

/* A wakeup that ended a block: from the waker's thread to the wakee's next slice. */
static void te_flow(struct te_writer *w, const struct gp_thread *t, const struct gp_tl_seg *s)
{
	const struct gp_thread *waker = w->v->lanes[s->waker_lane];
	uint64_t id = ++w->flows;
	int i;

	for (i = 0; i < 2; i++) {
		const struct gp_thread *on = i ? t : waker;

		gzwriter_printf(w->f,
				",\n{\"ph\":\"%c\",\"pid\":%u,\"tid\":%u,\"ts\":", i ? 'f' : 's',
				on->tgid, on->tid);
		te_us(w->f, s->end, w->v->start);
		gzwriter_printf(w->f, ",\"id\":%" PRIu64 ",\"name\":\"wakeup\",\"cat\":\"wakeup\"}",
				id);
	}
}

static void te_threads(struct te_writer *w)
{
	struct gp_tl_seg s;
	size_t l, k;

	for (l = 0; l < w->v->nlanes; l++) {
		const struct gp_thread *t = w->v->lanes[l];

		for (k = 0; k < tlview_nsegs(w->v, l); k++) {
			tlview_seg(w->v, l, k, &s);
			te_seg(w, t, &s);
			if (s.waker_lane >= 0 && s.end < t->end_ts)
				te_flow(w, t, &s);
		}
	}
}

static void te_cpus(struct te_writer *w)
{
	char name[48];
	unsigned c;
	size_t k;

	for (c = 0; c < w->v->ncpus; c++) {
		for (k = 0; k < w->v->cpus[c].n; k++) {
			const struct gp_tl_run *run = &w->v->cpus[c].v[k];
			const struct gp_thread *t = w->v->lanes[run->lane];

			te_slice_begin(w, GP_TE_CPU_PID, GP_TE_CPU_TID(c), run->start, run->end);
			snprintf(name, sizeof(name), "%s (%u)", t->comm, t->tid);
			gzwriter_puts(w->f, ",\"name\":");
			esc_json_gz(w->f, name);
			gzwriter_printf(w->f, ",\"cat\":\"cpu\",\"args\":{\"tid\":%u,\"pid\":%u}}",
					t->tid, t->tgid);
		}
	}
}

/* The verdict's lines without the heading and their indent. */
static void te_verdict_lines(struct gz_writer *f, const char *verdict)
{
	const char *p = verdict, *e;
	char line[2048];
	bool first = true;

	gzwriter_putc(f, '[');
	for (; p && *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
		if (!line[0] || !strcmp(line, "verdict"))
			continue;
		gzwriter_puts(f, first ? "" : ",");
		esc_json_gz(f, line + strspn(line, " "));
		first = false;
	}
	gzwriter_putc(f, ']');
}

static void te_other(struct te_writer *w, const char *verdict)
{
	const struct gp_report *r = w->r;
	const struct gp_verdict *vd = &r->verdict;
	char cmd[1024] = "";
	size_t len = 0, i;

	for (i = 0; r->argv && r->argv[i] && len < sizeof(cmd); i++)
		len += snprintf(cmd + len, sizeof(cmd) - len, "%s%s", i ? " " : "", r->argv[i]);
	gzwriter_printf(w->f,
			",\n{\"ph\":\"i\",\"s\":\"g\",\"pid\":%u,\"tid\":%u,\"ts\":0,"
			"\"name\":\"verdict\",\"cat\":\"verdict\",\"args\":{\"verdict\":",
			GP_TE_CPU_PID, GP_TE_CPU_PID);
	te_verdict_lines(w->f, verdict);
	gzwriter_printf(w->f,
			",\"parallelism\":%.3f}}\n],\n\"displayTimeUnit\":\"ns\",\n"
			"\"otherData\":{\"generator\":\"gilprof\",\"command\":",
			vd->parallelism);
	esc_json_gz(w->f, cmd);
	gzwriter_printf(w->f,
			",\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 ",\"ncpus\":%u,"
			"\"parallelism\":%.3f,\"serialising_lock\":",
			r->start_ts, r->end_ts, vd->ncpus, vd->parallelism);
	for (i = 0; i < w->v->nlocks && w->v->locks[i].obj != vd->lock; i++)
		;
	if (vd->lock && i < w->v->nlocks)
		esc_json_gz(w->f, w->v->locks[i].name);
	else
		gzwriter_puts(w->f, "null");
	if (vd->predicted)
		gzwriter_printf(w->f, ",\"predicted_speedup\":%.3f", vd->predicted_speedup);
	gzwriter_puts(w->f, ",\"verdict\":");
	te_verdict_lines(w->f, verdict);
	gzwriter_puts(w->f, "}}\n");
}

int trace_event_emit(struct gz_writer *f, const struct gp_report *r, const struct gp_tlview *v,
		     const char *verdict)
{
	struct te_writer w = {.f = f, .r = r, .v = v};

	gzwriter_puts(f, "{\"traceEvents\":[\n");
	te_names(&w);
	te_threads(&w);
	te_cpus(&w);
	te_other(&w, verdict);
	return 0; /* the writer's errors are sticky: its close reports them */
}
